// The AMQ client; see amq_client.h.
#include "amq/amq_client.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <rpc/pmap_clnt.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <span>

#include "rpc/amq_port_file.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_codec.h"

namespace amd::amq {
namespace {

// Is `addr` one of this machine's own addresses?
bool IsLocal(const sockaddr_in& addr) {
  if ((ntohl(addr.sin_addr.s_addr) >> 24) == 127) return true;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    found = i->ifa_addr != nullptr && i->ifa_addr->sa_family == AF_INET &&
            reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == addr.sin_addr.s_addr;
  }
  ::freeifaddrs(list);
  return found;
}

// Where the amd on this machine serves `prog`, from its port file, when
// `addr` is this machine.
std::optional<sockaddr_in> LocalEndpoint(const sockaddr_in& addr, uint32_t prog) {
  if (!IsLocal(addr)) return std::nullopt;
  auto e = rpc::ReadAmqPortFile(prog);
  if (!e) return std::nullopt;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e->port);
  if (::inet_pton(AF_INET, e->address.c_str(), &a.sin_addr) != 1) return std::nullopt;
  return a;
}

}  // namespace

Result<std::vector<uint8_t>> Client::Call(uint32_t proc, const std::vector<uint8_t>& args, int timeout_s,
                                          uint32_t vers) {
  Status last = Status::Error("no transport", std::errc::invalid_argument);
  for (bool tcp : {!udp_first_, udp_first_}) {
    if ((tcp && !tcp_) || (!tcp && !udp_)) continue;
    auto r = CallOn(tcp, proc, args, timeout_s, vers);
    if (r.ok()) return r;
    last = r.status();
    if (last.code() != std::make_error_code(std::errc::connection_refused) &&
        last.code() != std::make_error_code(std::errc::host_unreachable)) {
      return last;
    }
  }
  return last;
}

Result<std::vector<uint8_t>> Client::CallOn(bool tcp, uint32_t proc, const std::vector<uint8_t>& args,
                                            int timeout_s, uint32_t vers) {
  sockaddr_in a = addr_;
  if (port_) {
    a.sin_port = htons(*port_);
  } else {
    u_short p = pmap_getport(&a, prog_, vers, tcp ? IPPROTO_TCP : IPPROTO_UDP);
    if (p != 0) {
      a.sin_port = htons(p);
    } else if (auto local = LocalEndpoint(addr_, prog_)) {
      a = *local;  // no rpcbind here: the port amd wrote down
    } else {
      return Status::Error("program not registered with rpcbind", std::errc::connection_refused);
    }
  }
  int fd = ::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  if (local_ && ::bind(fd, reinterpret_cast<const sockaddr*>(&*local_), sizeof *local_) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("bind", err);
  }
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("connect", err);
  }
  uint32_t xid = static_cast<uint32_t>(::getpid()) * 65536u + ++calls_;
  auto msg = rpc::CallMessage(xid, prog_, vers, proc, args);
  if (tcp) msg = rpc::FrameRecord(msg);
  std::vector<uint8_t> reply;
  uint8_t buf[65536];
  errno = 0;
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(msg.size())) {
    if (tcp) {
      rpc::RecordAssembler records(16 << 20);
      while (true) {
        if (auto r = records.Next()) {
          reply = *r;
          break;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0 || !records.Feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)))) break;
      }
    } else {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) reply.assign(buf, buf + n);
    }
  }
  int err = errno;
  ::close(fd);
  if (reply.empty()) {
    return Status::FromErrno("no answer", err == EAGAIN || err == EWOULDBLOCK ? ETIMEDOUT : err ? err : EPIPE);
  }
  auto parsed = rpc::ParseReply(reply);
  if (!parsed.ok()) return parsed.status();
  return std::vector<uint8_t>(parsed->results.begin(), parsed->results.end());
}

std::vector<uint8_t> StringArg(const std::string& s) {
  amq_string v = const_cast<char*>(s.c_str());
  return *rpc::XdrEncode(P(xdr_amq_string), &v);
}

std::optional<sockaddr_in> HostAddress(const std::string& host) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) == 0 && res != nullptr) {
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    ::freeaddrinfo(res);
    return addr;
  }
  if (host == "localhost") {
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }
  return std::nullopt;
}

}  // namespace amd::amq
