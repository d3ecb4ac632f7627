// RunCgroup; see run_cgroup.h.
#include "base/run_cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/files.h"

namespace amd {
namespace {

std::string ReadOr(const std::string& path) {
  std::string error;
  return ReadWholeFile(path, &error).value_or("");
}

bool WriteString(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool MarkedDelegated(const std::string& dir) {
  for (const char* name : {"trusted.delegate", "user.delegate"}) {
    char value[8];
    ssize_t n = ::getxattr(dir.c_str(), name, value, sizeof value);
    if (n == 1 && value[0] == '1') return true;
  }
  return false;
}

}  // namespace

namespace {

// This process's cgroup v2 directory, and whether it is the hierarchy's
// root.
struct OwnDir {
  std::string path;
  bool root = false;
};

std::optional<OwnDir> FindOwnCgroup() {
  // "0::/system.slice/amd.service" in /proc/self/cgroup.
  std::istringstream cgroups(ReadOr("/proc/self/cgroup"));
  std::string line, relative;
  while (std::getline(cgroups, line)) {
    if (line.rfind("0::", 0) == 0) relative = line.substr(3);
  }
  if (relative.empty()) return std::nullopt;
  // Where cgroup2 is mounted, and which of its directories that shows.
  std::istringstream mounts(ReadOr("/proc/self/mountinfo"));
  while (std::getline(mounts, line)) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    std::string rel = relative;
    if (root != "/") {
      if (rel.rfind(root, 0) != 0) continue;
      rel = rel.substr(root.size());
    }
    if (rel == "/") rel.clear();
    std::string dir = point + rel;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return OwnDir{dir, relative == "/"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> OwnCgroup() {
  auto own = FindOwnCgroup();
  if (!own) return std::nullopt;
  return own->path;
}

std::optional<std::string> DelegatedCgroup() {
  auto own = FindOwnCgroup();
  if (!own || own->root || !MarkedDelegated(own->path)) return std::nullopt;
  return own->path;
}

Result<RunCgroup> RunCgroup::Create(const std::string& parent) {
  static std::atomic<uint64_t> serial{0};
  std::string path =
      parent + "/amd-run-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
  if (::mkdir(path.c_str(), 0755) != 0) return Status::FromErrno("mkdir " + path, errno);
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    ::rmdir(path.c_str());
    return Status::FromErrno("open " + path, e);
  }
  return RunCgroup(std::move(path), fd);
}

RunCgroup::RunCgroup(RunCgroup&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.path_.clear();
}

RunCgroup::~RunCgroup() { KillAll(); }

void RunCgroup::KillAll() {
  if (path_.empty()) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  bool killed = WriteString(path_ + "/cgroup.kill", "1");  // Linux 5.14 and later
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    if (!killed) {
      std::istringstream procs(ReadOr(path_ + "/cgroup.procs"));
      pid_t pid;
      while (procs >> pid) ::kill(pid, SIGKILL);
    }
    if (::rmdir(path_.c_str()) == 0 || errno != EBUSY) break;
    if (std::chrono::steady_clock::now() > until) break;  // left behind, empty or not
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  path_.clear();
}

}  // namespace amd
