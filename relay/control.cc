// The relay's control socket; see control.h.
#include "relay/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace amd::relay {
namespace {

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) {
    return Status::Error("control socket path too long: " + path, std::errc::filename_too_long);
  }
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

// One line (without its newline) from `fd`, at most 4 KiB.
std::string ReadLine(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  char c;
  while (line.size() < 4096 && WaitFor(fd, POLLIN, timeout) && ::read(fd, &c, 1) == 1) {
    if (c == '\n') break;
    line += c;
  }
  return line;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Start(
    const std::string& path, Relay* relay, std::function<Result<std::string>()> reload) {
  auto a = Address(path);
  if (!a.ok()) return a.status();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  ::unlink(path.c_str());
  mode_t old = ::umask(077);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*a), sizeof *a);
  ::umask(old);
  if (rc != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("control socket " + path, err);
  }
  std::unique_ptr<ControlServer> s(new ControlServer());
  s->path_ = path;
  s->fd_ = fd;
  s->relay_ = relay;
  s->reload_ = std::move(reload);
  s->thread_ = std::thread([raw = s.get()] { raw->Serve(); });
  return s;
}

ControlServer::~ControlServer() {
  stopping_ = true;
  ::shutdown(fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  ::unlink(path_.c_str());
}

void ControlServer::Serve() {
  while (!stopping_) {
    if (!WaitFor(fd_, POLLIN, std::chrono::milliseconds(200))) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    Answer(c);
    ::close(c);
  }
}

void ControlServer::Answer(int fd) {
  std::string line = ReadLine(fd, std::chrono::milliseconds(1000));
  if (line == "status") return WriteAll(fd, relay_->StatusJson() + "\n");
  bool is_switch = line == "switch" || line.starts_with("switch ");
  if (!is_switch && line != "reload") {
    return WriteAll(fd, "error unknown request (status, switch [REPLICA], reload)\n");
  }
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0) {
    return WriteAll(fd, is_switch ? "error only root may switch replicas\n"
                                  : "error only root may reload the policy\n");
  }
  auto done = is_switch ? relay_->Force(line == "switch" ? "" : line.substr(7))
              : reload_ ? reload_()
                        : Result<std::string>(Status::Error("no policy file to read"));
  WriteAll(fd, done.ok() ? "ok " + *done + "\n" : "error " + done.status().ToString() + "\n");
}

Result<std::string> AskRelay(const std::string& path, const std::string& question,
                             std::chrono::milliseconds timeout) {
  auto a = Address(path);
  if (!a.ok()) return a.status();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*a), sizeof *a) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("relay " + path, err);
  }
  WriteAll(fd, question + "\n");
  std::string answer = ReadLine(fd, timeout);
  ::close(fd);
  if (answer.empty()) return Status::FromErrno("relay " + path + ": no answer", ETIMEDOUT);
  return answer;
}

}  // namespace amd::relay
