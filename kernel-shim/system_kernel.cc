// The real Kernel: thin wrappers that turn errno into a Status once, with
// the call and path as context. Program runs use posix_spawn and poll().
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "kernel-shim/kernel.h"

extern char** environ;

namespace amd::kernel {

Status SystemKernel::Mount(const std::string& source, const std::string& target,
                           const std::string& fstype, unsigned long flags,
                           const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    return Status::FromErrno("mount(" + source + " on " + target +
                                 (fstype.empty() ? "" : ", " + fstype) + ")",
                             errno);
  }
  return {};
}

Status SystemKernel::Unmount(const std::string& target, int flags) {
  if (::umount2(target.c_str(), flags) != 0) return Status::FromErrno("umount(" + target + ")", errno);
  return {};
}

Status SystemKernel::MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) return Status::FromErrno("mkdir(" + path + ")", errno);
  return {};
}

Status SystemKernel::MakeDirs(const std::string& path, mode_t mode) {
  std::string partial;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos + 1);
    if (next == std::string::npos) next = path.size();
    partial = path.substr(0, next);
    pos = next;
    if (partial.empty() || partial == "/") continue;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) {
      return Status::FromErrno("mkdir(" + partial + ")", errno);
    }
  }
  return {};
}

Status SystemKernel::RemoveDir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return Status::FromErrno("rmdir(" + path + ")", errno);
  return {};
}

Status SystemKernel::Symlink(const std::string& target, const std::string& link) {
  if (::symlink(target.c_str(), link.c_str()) != 0) {
    return Status::FromErrno("symlink(" + link + " -> " + target + ")", errno);
  }
  return {};
}

Status SystemKernel::Unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return Status::FromErrno("unlink(" + path + ")", errno);
  return {};
}

bool SystemKernel::Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<ProgramResult> SystemKernel::Run(const std::string& path,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  if (path.empty()) return Status::Error("run: empty command");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::FromErrno("spawn(" + path + ")", rc);
  }
  ProgramResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      timed_out = true;
      break;
    }
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (result.output.size() < 65536) result.output.append(buf, static_cast<size_t>(r));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Status::Error(path + ": timed out", std::errc::timed_out);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Result<std::unique_ptr<AutofsEndpoint>> SystemKernel::CreateAutofs(const std::string& path,
                                                                   AutofsKind kind, pid_t pgrp,
                                                                   const std::string& source) {
  auto m = AutofsMount::Create(path, kind, pgrp, source);
  if (!m.ok()) return m.status();
  return std::unique_ptr<AutofsEndpoint>(std::move(m.value()));
}

Result<std::unique_ptr<AutofsEndpoint>> SystemKernel::AdoptAutofs(const std::string& path,
                                                                  AutofsKind kind, dev_t dev) {
  auto m = AutofsMount::Adopt(path, kind, dev);
  if (!m.ok()) return m.status();
  return std::unique_ptr<AutofsEndpoint>(std::move(m.value()));
}

Result<std::vector<MountInfoEntry>> SystemKernel::MountTable() { return ReadMountInfo(); }

std::vector<std::pair<std::string, std::string>> SystemKernel::SymlinksIn(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_type != DT_LNK) continue;
    std::string path = dir + "/" + e->d_name;
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n > 0) out.emplace_back(e->d_name, std::string(buf, static_cast<size_t>(n)));
  }
  ::closedir(d);
  return out;
}

}  // namespace amd::kernel
