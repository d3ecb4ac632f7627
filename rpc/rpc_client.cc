// The RPC client; see rpc_client.h.
#include "rpc/rpc_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "rpc/record_marking.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_stream.h"

namespace amd::rpc {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

// Binds `fd` to a free port below 1024.
Status BindReserved(int fd, in_addr_t local) {
  for (int port = 1023; port >= 600; --port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = local;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) return {};
    if (errno != EADDRINUSE) return Status::FromErrno("bind to a reserved port", errno);
  }
  return Status::FromErrno("bind to a reserved port", EADDRINUSE);
}

// Waits for `fd` to be readable; false when the deadline passed.
bool WaitReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

}  // namespace

Result<std::vector<uint8_t>> Client::Call(uint32_t proc, std::span<const uint8_t> args,
                                          milliseconds timeout, uint32_t vers) {
  Status last = Status::Error("no transport", std::errc::invalid_argument);
  for (bool tcp : {!o_.udp_first, o_.udp_first}) {
    if ((tcp && !o_.tcp) || (!tcp && !o_.udp)) continue;
    auto r = CallOn(tcp, proc, args, timeout, vers);
    if (r.ok()) return r;
    last = r.status();
    // The other transport is tried when this one was refused or cut off
    // (a server at its connection limit closes new connections at once).
    static const std::errc kTryOther[] = {std::errc::connection_refused,
                                          std::errc::host_unreachable, std::errc::connection_reset,
                                          std::errc::broken_pipe};
    if (std::none_of(std::begin(kTryOther), std::end(kTryOther),
                     [&](std::errc e) { return last.code() == std::make_error_code(e); })) {
      return last;
    }
  }
  return last;
}

Result<std::vector<uint8_t>> Client::CallOn(bool tcp, uint32_t proc, std::span<const uint8_t> args,
                                            milliseconds timeout, uint32_t vers) {
  auto deadline = Clock::now() + timeout;
  sockaddr_in a = addr_;
  if (o_.port) {
    a.sin_port = htons(*o_.port);
  } else {
    auto p =
        GetPort(addr_, prog_, vers, tcp, std::min<milliseconds>(timeout, std::chrono::seconds(10)));
    if (p.ok() && *p != 0) {
      a.sin_port = htons(*p);
    } else if (auto other = o_.fallback ? o_.fallback() : std::nullopt) {
      a = *other;
    } else if (!p.ok()) {
      return Status(p.status().code(), "rpcbind: " + p.status().context());
    } else {
      return Status::Error("program " + std::to_string(prog_) + " version " + std::to_string(vers) +
                               " is not registered with rpcbind over " + (tcp ? "TCP" : "UDP"),
                           std::errc::connection_refused);
    }
  }
  Socket fd(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::FromErrno("socket", errno);
  if (o_.reserved_port) {
    Status s = BindReserved(fd.get(), o_.local ? o_.local->sin_addr.s_addr : htonl(INADDR_ANY));
    if (!s.ok()) return s;
  } else if (o_.local && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*o_.local),
                                sizeof *o_.local) != 0) {
    return Status::FromErrno("bind", errno);
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    return Status::FromErrno("connect", err == EINPROGRESS || err == EAGAIN ? ETIMEDOUT : err);
  }
  uint32_t xid = static_cast<uint32_t>(::getpid()) * 65536u + ++calls_ * 7919u +
                 static_cast<uint32_t>(Clock::now().time_since_epoch().count());
  auto msg = CallMessage(xid, prog_, vers, proc, args);
  if (tcp) msg = FrameRecord(msg);
  std::vector<uint8_t> reply;
  std::vector<uint8_t> buf(65536);
  int err = 0;
  if (tcp) {
    if (::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(msg.size())) {
      return Status::FromErrno("send", errno ? errno : EPIPE);
    }
    RecordAssembler records(16 << 20);
    while (reply.empty()) {
      if (auto r = records.Next()) {
        reply = *r;
        break;
      }
      if (!WaitReadable(fd.get(), MillisLeft(deadline))) {
        err = ETIMEDOUT;
        break;
      }
      ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n == 0 ? ECONNRESET : errno;
        break;
      }
      if (!records.Feed(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)))) {
        err = EBADMSG;
        break;
      }
    }
  } else {
    // Sent again after 0.5 s, 1 s, 2 s... until the time is up.
    int interval = 500;
    auto next_send = Clock::now();
    while (reply.empty()) {
      if (Clock::now() >= next_send) {
        if (::send(fd.get(), msg.data(), msg.size(), 0) < 0 && errno != ECONNREFUSED) {
          return Status::FromErrno("send", errno);
        }
        next_send = Clock::now() + milliseconds(interval);
        interval = std::min(interval * 2, 8000);
      }
      int wait = std::min(MillisLeft(deadline), MillisLeft(next_send));
      if (MillisLeft(deadline) == 0) {
        err = ETIMEDOUT;
        break;
      }
      if (!WaitReadable(fd.get(), wait)) continue;
      ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        err = errno;
        break;
      }
      uint32_t got = 0;
      XdrReader r(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
      if (r.U32(&got) && got == xid) reply.assign(buf.data(), buf.data() + n);
    }
  }
  if (reply.empty())
    return Status::FromErrno("no answer", err == EAGAIN ? ETIMEDOUT : err ? err : EPIPE);
  auto parsed = ParseReply(reply);
  if (!parsed.ok()) return parsed.status();
  return std::vector<uint8_t>(parsed->results.begin(), parsed->results.end());
}

Result<uint16_t> GetPort(sockaddr_in host, uint32_t prog, uint32_t vers, bool tcp,
                         milliseconds timeout) {
  Client::Options o;
  o.tcp = false;
  o.port = kRpcbindPort;
  Client rpcbind(host, kRpcbindProgram, o);
  std::vector<uint8_t> args;
  XdrWriter w(&args);
  w.U32(prog);
  w.U32(vers);
  w.U32(tcp ? IPPROTO_TCP : IPPROTO_UDP);
  w.U32(0);
  auto r = rpcbind.Call(3 /* PMAPPROC_GETPORT */, args, timeout, 2);
  if (!r.ok()) return r.status();
  uint32_t port = 0;
  XdrReader reader(*r);
  if (!reader.U32(&port) || port > 65535) {
    return Status::Error("rpcbind sent a malformed GETPORT answer", std::errc::bad_message);
  }
  return static_cast<uint16_t>(port);
}

}  // namespace amd::rpc
