// The real Kernel: thin wrappers that turn errno into a Status once, with
// the call and path as context. Program runs use posix_spawn and poll().
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/subprocess.h"
#include "kernel-shim/kernel.h"
#include "kernel-shim/mount_error.h"

namespace amd::kernel {

Status SystemKernel::Mount(const std::string& source, const std::string& target,
                           const std::string& fstype, unsigned long flags,
                           const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    return MountError(
        "mount(" + source + " on " + target + (fstype.empty() ? "" : ", " + fstype) + ")", fstype,
        errno);
  }
  return {};
}

Status SystemKernel::Unmount(const std::string& target, int flags) {
  if (::umount2(target.c_str(), flags) != 0)
    return Status::FromErrno("umount(" + target + ")", errno);
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
  SubprocessSpec spec;
  spec.path = path;
  spec.argv = argv;
  spec.capture_stderr = true;
  spec.timeout = timeout;
  auto r = RunSubprocess(spec);
  if (!r.ok()) return r.status();
  return ProgramResult{r->exit_status, std::move(r->output)};
}

Result<std::unique_ptr<AutofsEndpoint>> SystemKernel::CreateAutofs(const std::string& path,
                                                                   AutofsKind kind, pid_t pgrp,
                                                                   const std::string& source) {
  auto m = AutofsMount::Create(path, kind, pgrp, source);
  if (!m.ok()) return m.status();
  return std::unique_ptr<AutofsEndpoint>(std::move(m.value()));
}

Result<std::unique_ptr<AutofsEndpoint>> SystemKernel::AdoptAutofs(const std::string& path,
                                                                  AutofsKind kind, dev_t dev,
                                                                  int pipe_fd) {
  auto m = AutofsMount::Adopt(path, kind, dev, pipe_fd);
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
