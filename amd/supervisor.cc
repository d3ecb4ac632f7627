// Supervise; see supervisor.h.
#include "amd/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace amd {
namespace {

// Messages on the link (SOCK_SEQPACKET): 'H' path, with the descriptor;
// 'R' path.
void Send(int fd, char op, const std::string& path, int pass_fd) {
  if (fd < 0) return;
  std::string msg = op + path;
  iovec iov{msg.data(), msg.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  while (::sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// Takes one message into `held`; false at end of stream.
bool Receive(int fd, std::map<std::string, int>& held) {
  char buf[4200];
  iovec iov{buf, sizeof buf};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  if (n <= 0) return n < 0 && errno == EINTR;
  int passed = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(&passed, CMSG_DATA(c), sizeof(int));
  }
  std::string path(buf + 1, static_cast<size_t>(n) - 1);
  auto it = held.find(path);
  if (it != held.end()) {
    ::close(it->second);
    held.erase(it);
  }
  if (buf[0] == 'H' && passed >= 0) {
    held[path] = passed;
  } else if (passed >= 0) {
    ::close(passed);
  }
  return true;
}

}  // namespace

int TakeHeld(std::map<std::string, int>& held, const std::string& key) {
  auto it = held.find(key);
  if (it == held.end()) return -1;
  int fd = it->second;
  held.erase(it);
  return fd;
}

void SupervisorLink::Hold(const std::string& path, int pipe_fd) const {
  Send(fd_, 'H', path, pipe_fd);
}
void SupervisorLink::Release(const std::string& path) const { Send(fd_, 'R', path, -1); }

namespace {

// Until the engine process `child` exits: what it holds and releases
// arrives on `link` (into `held`); signals other than SIGCHLD are passed
// on to it (any but SIGHUP means amd is stopping). Its wait status.
int WaitForEngine(pid_t child, int sfd, int link, std::map<std::string, int>& held,
                  bool* stopping) {
  int status = 0;
  bool link_open = true;
  for (bool exited = false; !exited;) {
    pollfd p[2] = {{sfd, POLLIN, 0}, {link_open ? link : -1, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents != 0) link_open = Receive(link, held);
    if (!(p[0].revents & POLLIN)) continue;
    signalfd_siginfo si;
    if (::read(sfd, &si, sizeof si) != sizeof si) continue;
    if (static_cast<int>(si.ssi_signo) != SIGCHLD) {
      if (si.ssi_signo != SIGHUP) *stopping = true;
      ::kill(child, static_cast<int>(si.ssi_signo));
      continue;
    }
    while (!exited) {
      int st = 0;
      pid_t w = ::waitpid(-1, &st, WNOHANG);
      if (w <= 0) break;
      if (w == child) {
        status = st;
        exited = true;
      }
    }
  }
  while (link_open) link_open = Receive(link, held);  // what it sent last
  return status;
}

}  // namespace

int Supervise(const std::shared_ptr<spdlog::logger>& log, int ready_fd,
              const std::function<int(EngineStart&)>& engine) {
  std::unique_ptr<InflightTable> inflight = InflightTable::Create();
  sigset_t handled, old;
  sigemptyset(&handled);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&handled, s);
  ::sigprocmask(SIG_BLOCK, &handled, &old);
  int sfd = ::signalfd(-1, &handled, SFD_CLOEXEC);
  std::map<std::string, int> held;
  pid_t self = ::getpid();
  int fast_deaths = 0;
  bool stopping = false;
  for (int generation = 0;; ++generation) {
    int link[2];
    if (sfd < 0 || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) != 0) {
      log->error("supervisor: {}", std::strerror(errno));
      return 1;
    }
    auto started = std::chrono::steady_clock::now();
    pid_t child = ::fork();
    if (child < 0) {
      log->error("supervisor: fork: {}", std::strerror(errno));
      return 1;
    }
    if (child == 0) {
      ::close(link[0]);
      ::close(sfd);
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGUSR2);
      if (::getppid() != self) ::_exit(1);
      EngineStart start;
      start.generation = generation;
      start.held_pipes = held;
      start.inflight = inflight.get();
      start.link = SupervisorLink(link[1]);
      start.ready_fd = generation == 0 ? ready_fd : -1;
      start.supervisor = self;
      if (generation > 0 && ready_fd >= 0) ::close(ready_fd);
      return engine(start);
    }
    ::close(link[1]);
    if (generation == 0 && ready_fd >= 0) ::close(ready_fd);  // the engine tells
    int status = WaitForEngine(child, sfd, link[0], held, &stopping);
    ::close(link[0]);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    int sig = WTERMSIG(status);
    if (stopping) return 128 + sig;
    bool fast = std::chrono::steady_clock::now() - started < std::chrono::seconds(10);
    fast_deaths = fast ? fast_deaths + 1 : 0;
    if (fast_deaths >= 5) {
      log->critical(
          "the engine process died {} times in a row within 10 s of starting (signal {}); giving "
          "up",
          fast_deaths, sig);
      return 1;
    }
    log->error(
        "the engine process {} was killed by signal {}; starting a new one (holding {} autofs "
        "pipes)",
        child, sig, held.size());
    if (fast_deaths > 1) std::this_thread::sleep_for(std::chrono::seconds(fast_deaths - 1));
  }
}

}  // namespace amd
