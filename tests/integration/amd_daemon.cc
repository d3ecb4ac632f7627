// AmdDaemon; see amd_daemon.h.
#include "tests/integration/amd_daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/files.h"
#include "kernel-shim/mountinfo.h"

extern char** environ;

namespace amd::testing {

AmdDaemon::AmdDaemon(const TempDir& dir) : root_(dir.path()) {
  ::mkdir((root_ + "/maps").c_str(), 0755);
  socket_path_ = root_ + "/notify.sock";
  notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof addr.sun_path - 1);
  ::bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

AmdDaemon::~AmdDaemon() {
  if (pid_ > 0) Stop(SIGTERM, std::chrono::seconds(10));
  for (pid_t p : strays_) {
    ::kill(p, SIGKILL);
    WaitUntil([&] { return ProcessGone(p); }, std::chrono::seconds(10));
  }
  // Whatever is left below the test directory goes, deepest first.
  if (auto table = kernel::ReadMountInfo(); table.ok()) {
    for (const auto& m : kernel::MountsUnder(*table, root_))
      ::umount2(m.mount_point.c_str(), MNT_DETACH);
  }
  if (notify_fd_ >= 0) ::close(notify_fd_);
}

void AmdDaemon::WriteConf(const std::string& global_extra, const std::string& sections) {
  std::ofstream(root_ + "/amd.conf") << "[ global ]\nsearch_path = " << root_
                                     << "/maps\nauto_dir = " << root_ << "/a\nplock = no\n"
                                     << global_extra << "\n"
                                     << sections;
}

void AmdDaemon::WriteMap(const std::string& name, const std::string& text) {
  std::string tmp = root_ + "/maps/." + name + ".tmp";
  std::ofstream(tmp) << text;
  ::rename(tmp.c_str(), (root_ + "/maps/" + name).c_str());
}

bool AmdDaemon::WaitReady(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[512];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{notify_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      int status;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      continue;
    }
    ssize_t n = ::recv(notify_fd_, buf, sizeof buf - 1, 0);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)).find("READY=1") != std::string::npos)
      return true;
  }
  return false;
}

bool AmdDaemon::Start(std::chrono::milliseconds timeout) {
  std::string log = root_ + "/amd.log";
  std::string conf = root_ + "/amd.conf";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {AMD_BINARY, "-F", conf, "--foreground"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"NOTIFY_SOCKET=" + socket_path_,
                                          "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, AMD_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return false;
  }
  return WaitReady(timeout);
}

void AmdDaemon::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void AmdDaemon::KillAll() {
  pid_t engine = EnginePid();
  Stop(SIGKILL);
  if (engine > 0) ::kill(engine, SIGKILL);
  for (pid_t p : strays_) WaitUntil([&] { return ProcessGone(p); }, std::chrono::seconds(10));
  strays_.clear();
}

pid_t AmdDaemon::EnginePid() const {
  if (pid_ <= 0) return -1;
  std::string children =
      ReadText("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
  return children.empty() ? -1 : static_cast<pid_t>(std::stol(children));
}

int AmdDaemon::Stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  pid_t engine = EnginePid();
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ReportStuck(engine, timeout);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (engine > 0 && sig == SIGKILL) {
    strays_.push_back(engine);  // an engine serves on without its supervisor
  } else if (engine > 0) {
    WaitUntil([&] { return ProcessGone(engine); }, timeout);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void AmdDaemon::ReportStuck(pid_t engine, std::chrono::milliseconds timeout) const {
  std::ofstream log(root_ + "/amd.log", std::ios::app);
  log << "test harness: amd " << pid_ << " did not exit within " << timeout.count()
      << " ms; its processes' threads (name state wchan):\n";
  std::vector<pid_t> pids = {pid_};
  if (engine > 0) pids.push_back(engine);
  std::string children =
      ReadText("/proc/" + std::to_string(engine) + "/task/" + std::to_string(engine) + "/children");
  for (size_t pos = 0; engine > 0 && pos < children.size();) {
    size_t end = children.find(' ', pos);
    if (end == std::string::npos) end = children.size();
    if (end > pos) pids.push_back(static_cast<pid_t>(std::stol(children.substr(pos, end - pos))));
    pos = end + 1;
  }
  for (pid_t p : pids) {
    std::string proc = "/proc/" + std::to_string(p);
    std::string cmd = ReadText(proc + "/cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    log << "  pid " << p << ": " << cmd << "\n";
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(proc + "/task", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string task = it->path().string();
      std::string stat = ReadText(task + "/stat");
      size_t open = stat.find('('), close = stat.rfind(')');
      std::string name = open < close ? stat.substr(open + 1, close - open - 1) : "?";
      char state = close + 2 < stat.size() ? stat[close + 2] : '?';
      log << "    " << it->path().filename().string() << " " << name << " " << state << " "
          << ReadText(task + "/wchan") << "\n";
      if (state == 'D')
        log << "      syscall " << ReadText(task + "/syscall") << ReadText(task + "/stack");
    }
  }
}

std::string AmdDaemon::Log() const { return ReadText(root_ + "/amd.log"); }

bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  // A zombie has exited once its last thread has (the leader turns zombie
  // first; the descriptors go with the last thread); reaping it is its new
  // parent's business (init's, which may take its time).
  std::string proc = "/proc/" + std::to_string(pid);
  std::string stat = ReadText(proc + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z')
    return false;
  std::error_code ec;
  size_t threads = 0;
  for (auto it = std::filesystem::directory_iterator(proc + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++threads;
  }
  return threads <= 1;
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

std::string ReadText(const std::string& path) {
  std::string error;
  return ReadWholeFile(path, &error).value_or("");
}

int ErrnoOfStat(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

bool IsMountPoint(const std::string& path) {
  auto table = kernel::ReadMountInfo();
  if (!table.ok()) return false;
  for (const auto& m : *table) {
    if (m.mount_point == path) return true;
  }
  return false;
}

int MountCountUnder(const std::string& dir) {
  auto table = kernel::ReadMountInfo();
  if (!table.ok()) return -1;
  return static_cast<int>(kernel::MountsUnder(*table, dir).size());
}

}  // namespace amd::testing
