// The pipelined RPC connection; see rpc_channel.h.
#include "rpc/rpc_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "rpc/record_marking.h"
#include "rpc/rpc_client.h"

namespace amd::rpc {
namespace {

std::string Peer(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
}

// Connects `fd` to `a` within `timeout`.
Status ConnectWithin(int fd, const sockaddr_in& a, std::chrono::milliseconds timeout) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EINPROGRESS) return Status::FromErrno("connect to " + Peer(a), errno);
    pollfd p{fd, POLLOUT, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n == 0) return Status::FromErrno("connect to " + Peer(a), ETIMEDOUT);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::FromErrno("connect to " + Peer(a), err);
  }
  ::fcntl(fd, F_SETFL, flags);
  return {};
}

}  // namespace

struct Channel::State {
  State(int f, size_t max) : fd(f), max_record(max) {
    std::random_device rd;
    next_xid = rd();
  }
  ~State() { ::close(fd); }
  bool ReadFull(uint8_t* p, size_t n);

  int fd;
  size_t max_record;
  std::atomic<bool> broken{false};
  std::mutex mu;  // calls, next_xid
  std::mutex send_mu;
  std::unordered_map<uint32_t, Done> calls;
  uint32_t next_xid;
};

Result<std::shared_ptr<Channel>> Channel::Connect(sockaddr_in addr,
                                                  std::chrono::milliseconds timeout,
                                                  bool reserved_port, size_t max_record) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  Status s;
  if (reserved_port) s = BindReservedPort(fd, htonl(INADDR_ANY));
  if (s.ok()) s = ConnectWithin(fd, addr, timeout);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto state = std::make_shared<State>(fd, max_record);
  std::thread(ReadLoop, state).detach();
  return std::shared_ptr<Channel>(new Channel(state));
}

Channel::~Channel() { Close(); }

bool Channel::broken() const { return s_->broken.load(); }

uint32_t Channel::Send(uint32_t prog, uint32_t vers, uint32_t proc, std::span<const uint8_t> args,
                       const AuthSys* cred, Done done) {
  uint32_t xid;
  bool added;
  {
    std::lock_guard lock(s_->mu);
    xid = s_->next_xid++;
    added = !s_->broken;
    if (added) s_->calls.emplace(xid, done);
  }
  if (!added) {
    done(Status::FromErrno("send", ECONNRESET));
    return xid;
  }
  auto msg = FrameRecord(CallMessage(xid, prog, vers, proc, args, cred));
  std::lock_guard lock(s_->send_mu);
  size_t off = 0;
  while (off < msg.size()) {
    ssize_t n = ::send(s_->fd, msg.data() + off, msg.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Break(*s_, Status::FromErrno("send", n < 0 ? errno : EPIPE));
      break;
    }
    off += static_cast<size_t>(n);
  }
  return xid;
}

Result<ChannelReply> Channel::Call(uint32_t prog, uint32_t vers, uint32_t proc,
                                   std::span<const uint8_t> args, const AuthSys* cred,
                                   std::chrono::microseconds timeout) {
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<ChannelReply>> reply;
  };
  auto w = std::make_shared<Wait>();
  uint32_t xid = Send(prog, vers, proc, args, cred, [w](Result<ChannelReply> r) {
    std::lock_guard lock(w->mu);
    w->reply.emplace(std::move(r));
    w->cv.notify_one();
  });
  std::unique_lock lock(w->mu);
  if (!w->cv.wait_for(lock, timeout, [&] { return w->reply.has_value(); })) {
    lock.unlock();
    Forget(xid);
    lock.lock();
    if (!w->reply) return Status::FromErrno("no answer in time", ETIMEDOUT);
  }
  return std::move(*w->reply);
}

bool Channel::Pending(uint32_t xid) const {
  std::lock_guard lock(s_->mu);
  return s_->calls.count(xid) > 0;
}

void Channel::Forget(uint32_t xid) {
  std::lock_guard lock(s_->mu);
  s_->calls.erase(xid);
}

void Channel::Close() {
  if (s_->broken.load()) return;
  Break(*s_, Status::FromErrno("connection closed", ECONNABORTED));
}

size_t Channel::in_flight() const {
  std::lock_guard lock(s_->mu);
  return s_->calls.size();
}

void Channel::Break(State& s, const Status& why) {
  s.broken = true;
  ::shutdown(s.fd, SHUT_RDWR);
  std::unordered_map<uint32_t, Done> calls;
  {
    std::lock_guard lock(s.mu);
    calls.swap(s.calls);
  }
  for (auto& [xid, done] : calls) done(why);
}

bool Channel::State::ReadFull(uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t got = ::recv(fd, p, n, MSG_WAITALL);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

void Channel::ReadLoop(std::shared_ptr<State> s) {
  RecordBytes record;
  for (;;) {
    uint8_t h[4];
    if (!s->ReadFull(h, 4)) break;
    uint32_t mark = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
    size_t len = mark & 0x7fffffffu;
    if (record.size() + len > s->max_record) {
      Break(*s, Status::Error("RPC reply over " + std::to_string(s->max_record) + " bytes",
                              std::errc::message_size));
      return;
    }
    size_t at = record.size();
    record.resize(at + len);
    if (!s->ReadFull(record.data() + at, len)) break;
    if (!(mark & 0x80000000u)) continue;
    ChannelReply reply{std::move(record), {}};
    record = {};
    uint32_t xid = 0;
    if (reply.record.size() >= 4) {
      xid = (uint32_t{reply.record[0]} << 24) | (uint32_t{reply.record[1]} << 16) |
            (uint32_t{reply.record[2]} << 8) | reply.record[3];
    }
    Done done;
    {
      std::lock_guard lock(s->mu);
      auto it = s->calls.find(xid);
      if (it == s->calls.end()) continue;  // forgotten, or not ours
      done = std::move(it->second);
      s->calls.erase(it);
    }
    auto parsed = ParseReply(std::span<const uint8_t>(reply.record.data(), reply.record.size()));
    if (!parsed.ok()) {
      done(parsed.status());
      continue;
    }
    reply.results = parsed->results;
    done(std::move(reply));
  }
  Break(*s, Status::FromErrno("connection lost", ECONNRESET));
}

}  // namespace amd::rpc
