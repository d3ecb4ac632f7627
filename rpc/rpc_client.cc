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
#include <utility>

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
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
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

namespace {

// The reply to `msg` (framed) over a connected TCP socket, or nothing
// with `err` set; false in `sent` when sending failed.
std::vector<uint8_t> ExchangeTcp(int fd, const std::vector<uint8_t>& msg,
                                 Clock::time_point deadline, int* err, bool* sent) {
  std::vector<uint8_t> buf(65536);
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) {
    *err = errno ? errno : EPIPE;
    *sent = false;
    return {};
  }
  RecordAssembler records(16 << 20);
  for (;;) {
    if (auto r = records.Next()) return *r;
    if (!WaitReadable(fd, MillisLeft(deadline))) {
      *err = ETIMEDOUT;
      return {};
    }
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = n == 0 ? ECONNRESET : errno;
      return {};
    }
    if (!records.Feed(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)))) {
      *err = EBADMSG;
      return {};
    }
  }
}

// The reply with `xid` to `msg` over a connected UDP socket, sent again
// after 0.5 s, 1 s, 2 s... until the time is up; nothing with `err` set.
// False from `sent` when sending failed (then `err` is why).
std::vector<uint8_t> ExchangeUdp(int fd, const std::vector<uint8_t>& msg, uint32_t xid,
                                 Clock::time_point deadline, int* err, bool* sent) {
  std::vector<uint8_t> buf(65536);
  int interval = 500;
  auto next_send = Clock::now();
  for (;;) {
    if (Clock::now() >= next_send) {
      if (::send(fd, msg.data(), msg.size(), 0) < 0 && errno != ECONNREFUSED) {
        *err = errno;
        *sent = false;
        return {};
      }
      next_send = Clock::now() + milliseconds(interval);
      interval = std::min(interval * 2, 8000);
    }
    int wait = std::min(MillisLeft(deadline), MillisLeft(next_send));
    if (MillisLeft(deadline) == 0) {
      *err = ETIMEDOUT;
      return {};
    }
    if (!WaitReadable(fd, wait)) continue;
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *err = errno;
      return {};
    }
    uint32_t got = 0;
    XdrReader r(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    if (r.U32(&got) && got == xid) return std::vector<uint8_t>(buf.data(), buf.data() + n);
  }
}

}  // namespace

Result<sockaddr_in> Client::ServerAddress(bool tcp, uint32_t vers, milliseconds timeout) {
  sockaddr_in a = addr_;
  if (o_.port) {
    a.sin_port = htons(*o_.port);
    return a;
  }
  auto p =
      GetPort(addr_, prog_, vers, tcp, std::min<milliseconds>(timeout, std::chrono::seconds(10)));
  if (p.ok() && *p != 0) {
    a.sin_port = htons(*p);
    return a;
  }
  if (auto other = o_.fallback ? o_.fallback() : std::nullopt) return *other;
  if (!p.ok()) return Status(p.status().code(), "rpcbind: " + p.status().context());
  return Status::Error("program " + std::to_string(prog_) + " version " + std::to_string(vers) +
                           " is not registered with rpcbind over " + (tcp ? "TCP" : "UDP"),
                       std::errc::connection_refused);
}

Result<int> Client::Connect(bool tcp, const sockaddr_in& a, milliseconds timeout) {
  Socket fd(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::FromErrno("socket", errno);
  if (o_.reserved_port) {
    Status s = BindReservedPort(fd.get(), o_.local ? o_.local->sin_addr.s_addr : htonl(INADDR_ANY));
    if (!s.ok()) return s;
  } else if (o_.local && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*o_.local),
                                sizeof *o_.local) != 0) {
    return Status::FromErrno("bind", errno);
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    return Status::FromErrno("connect", err == EINPROGRESS || err == EAGAIN ? ETIMEDOUT : err);
  }
  return fd.release();
}

Result<std::vector<uint8_t>> Client::CallOn(bool tcp, uint32_t proc, std::span<const uint8_t> args,
                                            milliseconds timeout, uint32_t vers) {
  auto deadline = Clock::now() + timeout;
  auto a = ServerAddress(tcp, vers, timeout);
  if (!a.ok()) return a.status();
  auto connected = Connect(tcp, *a, timeout);
  if (!connected.ok()) return connected.status();
  Socket fd(*connected);
  uint32_t xid = static_cast<uint32_t>(::getpid()) * 65536u + ++calls_ * 7919u +
                 static_cast<uint32_t>(Clock::now().time_since_epoch().count());
  auto msg = CallMessage(xid, prog_, vers, proc, args);
  int err = 0;
  bool sent = true;
  std::vector<uint8_t> reply = tcp ? ExchangeTcp(fd.get(), FrameRecord(msg), deadline, &err, &sent)
                                   : ExchangeUdp(fd.get(), msg, xid, deadline, &err, &sent);
  if (!sent) return Status::FromErrno("send", err);
  if (reply.empty())
    return Status::FromErrno("no answer", err == EAGAIN ? ETIMEDOUT : err ? err : EPIPE);
  auto parsed = ParseReply(reply);
  if (!parsed.ok()) return parsed.status();
  return std::vector<uint8_t>(parsed->results.begin(), parsed->results.end());
}

Status BindReservedPort(int fd, in_addr_t local) {
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
