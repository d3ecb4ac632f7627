// The network lab; see netlab.h.
#include "tests/netlab/netlab.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace amd::testing {
namespace {

using Clock = std::chrono::steady_clock;

// In a child: die with the parent, and move into `netns_of`'s network
// namespace (when given).
void BecomeLabProcess(pid_t parent, pid_t netns_of) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  if (netns_of > 0) {
    int fd =
        ::open(("/proc/" + std::to_string(netns_of) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) ::_exit(125);
    ::close(fd);
  }
}

// A process that holds a new network namespace until it is killed.
pid_t Holder() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    BecomeLabProcess(parent, -1);
    char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    [[maybe_unused]] ssize_t n = ::write(fds[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  char ok = '0';
  ssize_t n = pid > 0 ? ::read(fds[0], &ok, 1) : 0;
  ::close(fds[0]);
  if (pid > 0 && (n != 1 || ok != '1')) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

pid_t Exec(pid_t netns_of, const std::vector<std::string>& argv, int out_fd) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    BecomeLabProcess(parent, netns_of);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(out_fd >= 0 ? out_fd : null, 1);
    ::dup2(out_fd >= 0 ? out_fd : null, 2);
    ::setpgid(0, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Runs in `netns_of`'s namespace; exit status, output.
int RunIn(pid_t netns_of, const std::vector<std::string>& argv, std::string* output,
          std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = Exec(netns_of, argv, fds[1]);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return -1;
  }
  auto deadline = Clock::now() + timeout;
  std::string out;
  char buf[4096];
  bool timed_out = false;
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(-pid, SIGKILL), ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output != nullptr) *output = out;
  if (timed_out) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Status NetLab::Switch(std::vector<std::string> args) {
  args.insert(args.begin(), "/sbin/ip");
  std::string out;
  if (RunIn(switch_, args, &out, std::chrono::seconds(10)) != 0) {
    return Status::Error("netlab: ip " + args[1] + " " + args[2] + " in the switch: " + out);
  }
  return Status();
}

Status NetLab::InHost(pid_t holder, std::vector<std::string> argv) {
  std::string out;
  if (RunIn(holder, argv, &out, std::chrono::seconds(10)) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += " " + a;
    return Status::Error("netlab:" + cmd + ": " + out);
  }
  return Status();
}

Status NetLab::Plug(pid_t holder, const std::string& bridge, const std::string& port,
                    const std::string& ifname, const std::string& address,
                    const std::string& broadcast) {
  for (auto args :
       std::vector<std::vector<std::string>>{{"link", "add", port, "type", "veth", "peer", "name",
                                              ifname, "netns", std::to_string(holder)},
                                             {"link", "set", port, "master", bridge},
                                             {"link", "set", port, "up"}}) {
    if (Status st = Switch(args); !st.ok()) return st;
  }
  const std::string ip = "/sbin/ip";
  for (auto args : std::vector<std::vector<std::string>>{
           {ip, "addr", "add", address + "/24", "brd", broadcast, "dev", ifname},
           {ip, "link", "set", ifname, "up"}}) {
    if (Status st = InHost(holder, args); !st.ok()) return st;
  }
  return Status();
}

Status NetLab::AddHost(const std::string& bridge, const std::string& address,
                       const std::string& broadcast) {
  Host h;
  h.holder = Holder();
  h.address = address;
  int index = static_cast<int>(hosts_.size());
  hosts_.push_back(h);
  if (h.holder < 0) return Status::Error("netlab: cannot create host " + std::to_string(index));
  if (Status st = InHost(h.holder, {"/sbin/ip", "link", "set", "lo", "up"}); !st.ok()) return st;
  return Plug(h.holder, bridge, "h" + std::to_string(index), "eth0", address, broadcast);
}

NetLab::NetLab(int hosts, std::string prefix) : prefix_(std::move(prefix)) {
  switch_ = Holder();
  if (switch_ < 0) {
    status_ = Status::Error("netlab: cannot create a network namespace (root needed)");
    return;
  }
  for (auto args : std::vector<std::vector<std::string>>{{"link", "set", "lo", "up"},
                                                         {"link", "add", "br0", "type", "bridge"},
                                                         {"link", "set", "br0", "up"}}) {
    if (status_ = Switch(args); !status_.ok()) return;
  }
  for (int i = 0; i < hosts; ++i) {
    if (status_ = AddHost("br0", prefix_ + "." + std::to_string(i + 1), broadcast()); !status_.ok())
      return;
  }
}

Status NetLab::AddSubnet(int hosts, const std::string& prefix) {
  if (!status_.ok()) return status_;
  if (router_ >= 0) return Status::Error("netlab: one router, two subnets at most");
  auto fail = [&](Status st) {
    status_ = st;
    return st;
  };
  for (auto args : std::vector<std::vector<std::string>>{{"link", "add", "br1", "type", "bridge"},
                                                         {"link", "set", "br1", "up"}}) {
    if (Status st = Switch(args); !st.ok()) return fail(st);
  }
  // The router: eth0 on the first subnet, eth1 on the new one.
  router_ = static_cast<int>(hosts_.size());
  if (Status st = AddHost("br0", prefix_ + ".254", broadcast()); !st.ok()) return fail(st);
  pid_t r = hosts_.back().holder;
  if (Status st = Plug(r, "br1", "r1", "eth1", prefix + ".254", prefix + ".255"); !st.ok())
    return fail(st);
  if (Status st = InHost(
          r, {"/bin/sh", "-c",
              "echo 1 > /proc/sys/net/ipv4/ip_forward && "
              "for i in all eth0; do echo 1 > /proc/sys/net/ipv4/conf/$i/bc_forwarding; done"});
      !st.ok()) {
    return fail(st);
  }
  const std::string ip = "/sbin/ip";
  for (int i = 0; i < router_; ++i) {
    if (Status st = InHost(hosts_[static_cast<size_t>(i)].holder,
                           {ip, "route", "add", "default", "via", prefix_ + ".254"});
        !st.ok()) {
      return fail(st);
    }
  }
  for (int i = 0; i < hosts; ++i) {
    if (Status st = AddHost("br1", prefix + "." + std::to_string(i + 1), prefix + ".255"); !st.ok())
      return fail(st);
    if (Status st =
            InHost(hosts_.back().holder, {ip, "route", "add", "default", "via", prefix + ".254"});
        !st.ok()) {
      return fail(st);
    }
  }
  return Status();
}

NetLab::~NetLab() {
  for (pid_t p : spawned_) {
    ::kill(-p, SIGKILL);
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
  for (const auto& h : hosts_) {
    if (h.holder > 0) {
      ::kill(h.holder, SIGKILL);
      ::waitpid(h.holder, nullptr, 0);
    }
  }
  if (switch_ > 0) {
    ::kill(switch_, SIGKILL);
    ::waitpid(switch_, nullptr, 0);
  }
}

pid_t NetLab::Spawn(int i, const std::vector<std::string>& argv, const std::string& log) {
  int fd = log.empty() ? -1 : ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = Exec(host(i).holder, argv, fd);
  if (fd >= 0) ::close(fd);
  if (pid > 0) spawned_.push_back(pid);
  return pid;
}

bool NetLab::LimitRate(int i, int mbit) {
  return Run(i, {"/sbin/tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate",
                 std::to_string(mbit) + "mbit", "burst", "64kb", "latency", "500ms"}) == 0;
}

int NetLab::Run(int i, const std::vector<std::string>& argv, std::string* output,
                std::chrono::milliseconds timeout) {
  return RunIn(host(i).holder, argv, output, timeout);
}

void NetLab::Stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  auto until = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < until) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      std::erase(spawned_, pid);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  std::erase(spawned_, pid);
}

}  // namespace amd::testing
