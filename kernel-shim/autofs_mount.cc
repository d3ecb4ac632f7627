// autofs control through the mount's own ioctl descriptor (linux/auto_fs.h).
// The ioctl descriptor is opened right after the mount, before anything can
// be mounted on top of it (a direct mount is covered once it is in use).
#include "kernel-shim/autofs_mount.h"

#include <fcntl.h>
#include <linux/auto_fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel-shim/mount_error.h"

namespace amd::kernel {

namespace {

// struct autofs_dev_ioctl of <linux/auto_dev-ioctl.h>, which does not
// compile as C++ (named structs inside an anonymous union): a 24-byte
// header, then the path for the commands that take one.
struct DevIoctl {
  uint32_t ver_major = 1;
  uint32_t ver_minor = 1;
  uint32_t size = 24;
  int32_t ioctlfd = -1;
  uint32_t arg1 = 0;  // devid, pipefd, token...
  uint32_t arg2 = 0;
};
static_assert(sizeof(DevIoctl) == 24, "struct autofs_dev_ioctl is 24 bytes");

constexpr unsigned long DevIoctlCommand(unsigned cmd) {
  return _IOC(_IOC_READ | _IOC_WRITE, AUTOFS_IOCTL, cmd, sizeof(DevIoctl));
}
constexpr unsigned kOpenMount = 0x74;
constexpr unsigned kSetPipeFd = 0x78;
constexpr unsigned kCatatonic = 0x79;
constexpr unsigned kTimeout = 0x7a;

// One /dev/autofs command; `path` is appended when given.
Status DevCommand(int control, unsigned cmd, DevIoctl* header, const std::string& path,
                  const std::string& what) {
  std::vector<char> buf(sizeof(DevIoctl) + path.size() + (path.empty() ? 0 : 1), 0);
  header->size = static_cast<uint32_t>(buf.size());
  std::memcpy(buf.data(), header, sizeof(DevIoctl));
  if (!path.empty()) std::memcpy(buf.data() + sizeof(DevIoctl), path.c_str(), path.size() + 1);
  if (::ioctl(control, DevIoctlCommand(cmd), buf.data()) != 0) {
    return Status::FromErrno("/dev/autofs " + what + "(" + path + ")", errno);
  }
  std::memcpy(header, buf.data(), sizeof(DevIoctl));
  return {};
}
const char* KindOption(AutofsKind k) {
  switch (k) {
    case AutofsKind::kIndirect:
      return "indirect";
    case AutofsKind::kDirect:
      return "direct";
    case AutofsKind::kOffset:
      return "offset";
  }
  return "indirect";
}
}  // namespace

Result<std::unique_ptr<AutofsMount>> AutofsMount::Create(const std::string& path, AutofsKind kind,
                                                         pid_t pgrp, const std::string& source) {
  std::unique_ptr<AutofsMount> m(new AutofsMount(path, kind));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  std::string opts = "fd=" + std::to_string(fds[1]) + ",pgrp=" + std::to_string(pgrp) +
                     ",minproto=5,maxproto=5," + KindOption(kind);
  if (::mount(source.c_str(), path.c_str(), "autofs", 0, opts.c_str()) != 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return MountError("mount(autofs " + path + ")", "autofs", err);
  }
  ::close(fds[1]);  // the kernel holds its own reference
  m->pipe_fd_ = fds[0];
  ::fcntl(m->pipe_fd_, F_SETFL, ::fcntl(m->pipe_fd_, F_GETFL) | O_NONBLOCK);
  m->ioctl_fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m->ioctl_fd_ < 0) {
    int err = errno;
    ::umount2(path.c_str(), MNT_DETACH);
    return Status::FromErrno("open(" + path + ")", err);
  }
  struct stat st;
  if (::fstat(m->ioctl_fd_, &st) == 0) m->dev_ = st.st_dev;
  int proto = 0;
  if (::ioctl(m->ioctl_fd_, AUTOFS_IOC_PROTOVER, &proto) != 0 || proto < 5) {
    Status s = Status::Error(
        "autofs on " + path + " speaks protocol " + std::to_string(proto) + ", amd needs 5",
        std::errc::protocol_not_supported);
    m->Unmount(true);
    return s;
  }
  return m;
}

Result<std::unique_ptr<AutofsMount>> AutofsMount::Adopt(const std::string& path, AutofsKind kind,
                                                        dev_t dev, int pipe_fd) {
  std::unique_ptr<AutofsMount> m(new AutofsMount(path, kind));
  m->pipe_fd_ = pipe_fd;  // owned from here on, even on failure
  int control = ::open("/dev/autofs", O_RDWR | O_CLOEXEC);
  if (control < 0) return Status::FromErrno("open(/dev/autofs)", errno);
  m->dev_ = dev;
  DevIoctl open_mount;
  open_mount.arg1 = static_cast<uint32_t>(dev);
  Status s = DevCommand(control, kOpenMount, &open_mount, path, "openmount");
  if (s.ok() && pipe_fd >= 0) {
    m->ioctl_fd_ = open_mount.ioctlfd;
    ::close(control);
    ::fcntl(pipe_fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(pipe_fd, F_SETFL, ::fcntl(pipe_fd, F_GETFL) | O_NONBLOCK);
    return m;
  }
  if (s.ok()) {
    m->ioctl_fd_ = open_mount.ioctlfd;
    DevIoctl catatonic;
    catatonic.ioctlfd = m->ioctl_fd_;
    s = DevCommand(control, kCatatonic, &catatonic, "", "catatonic");
  }
  int fds[2] = {-1, -1};
  if (s.ok() && ::pipe2(fds, O_CLOEXEC) != 0) s = Status::FromErrno("pipe2", errno);
  if (s.ok()) {
    DevIoctl setpipe;
    setpipe.ioctlfd = m->ioctl_fd_;
    setpipe.arg1 = static_cast<uint32_t>(fds[1]);
    s = DevCommand(control, kSetPipeFd, &setpipe, "", "setpipefd");
    ::close(fds[1]);
    m->pipe_fd_ = fds[0];
  }
  ::close(control);
  if (!s.ok()) return s;  // the destructor closes what was opened
  ::fcntl(m->pipe_fd_, F_SETFL, ::fcntl(m->pipe_fd_, F_GETFL) | O_NONBLOCK);
  return m;
}

AutofsMount::~AutofsMount() {
  if (ioctl_fd_ >= 0) ::close(ioctl_fd_);
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
}

Status AutofsMount::Ready(uint32_t token) const {
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_READY, token) != 0) {
    return Status::FromErrno("autofs ready(" + path_ + ", " + std::to_string(token) + ")", errno);
  }
  return {};
}

Status AutofsMount::Fail(uint32_t token, int err) const {
  // The kernel's FAIL ioctl takes only the token; it reports ENOENT. Other
  // errors need the /dev/autofs interface (args_fail.status).
  (void)err;
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_FAIL, token) != 0) {
    return Status::FromErrno("autofs fail(" + path_ + ", " + std::to_string(token) + ")", errno);
  }
  return {};
}

Status AutofsMount::SetTimeout(unsigned long seconds) const {
  unsigned long t = seconds;
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_SETTIMEOUT, &t) != 0) {
    return Status::FromErrno("autofs settimeout(" + path_ + ")", errno);
  }
  return {};
}

Status AutofsMount::SetKeyTimeout(const std::string& name, unsigned long seconds) const {
  // Before protocol 5.06 the kernel ignores the name and would set the
  // timeout of the whole mount.
  int sub = 0;
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_PROTOSUBVER, &sub) != 0 || sub < 6) {
    return Status::Error(
        "per-key timeouts need autofs protocol 5.06 (Linux 6.13); this kernel has 5.0" +
            std::to_string(sub),
        std::errc::not_supported);
  }
  if (kind_ != AutofsKind::kIndirect || name.empty() || name.find('/') != std::string::npos) {
    return Status::Error("a key timeout needs a key of an indirect mount",
                         std::errc::invalid_argument);
  }
  int control = ::open("/dev/autofs", O_RDONLY | O_CLOEXEC);
  if (control < 0) return Status::FromErrno("open /dev/autofs", errno);
  DevIoctl timeout;
  timeout.ioctlfd = ioctl_fd_;
  uint64_t t = seconds;
  timeout.arg1 = static_cast<uint32_t>(t);
  timeout.arg2 = static_cast<uint32_t>(t >> 32);
  Status s = DevCommand(control, kTimeout, &timeout, name, "timeout");
  ::close(control);
  if (!s.ok()) return Status(s.code(), path_ + "/" + name + ": " + s.ToString());
  return {};
}

AutofsMount::ExpireResult AutofsMount::ExpireOne(bool immediate, Status* error) const {
  int how = immediate ? AUTOFS_EXP_IMMEDIATE : AUTOFS_EXP_NORMAL;
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_EXPIRE_MULTI, &how) == 0) return ExpireResult::kExpired;
  int err = errno;
  if (err == EAGAIN) return ExpireResult::kNothing;
  if (error != nullptr) *error = Status::FromErrno("autofs expire(" + path_ + ")", err);
  return ExpireResult::kError;
}

Status AutofsMount::Catatonic() const {
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_CATATONIC, 0) != 0) {
    return Status::FromErrno("autofs catatonic(" + path_ + ")", errno);
  }
  return {};
}

Result<bool> AutofsMount::MayUnmount() const {
  int may = 0;
  if (::ioctl(ioctl_fd_, AUTOFS_IOC_ASKUMOUNT, &may) != 0) {
    return Status::FromErrno("autofs askumount(" + path_ + ")", errno);
  }
  return may != 0;
}

Status AutofsMount::Unmount(bool detach) {
  if (ioctl_fd_ >= 0) {
    ::ioctl(ioctl_fd_, AUTOFS_IOC_CATATONIC, 0);
    ::close(ioctl_fd_);
    ioctl_fd_ = -1;
  }
  if (pipe_fd_ >= 0) {
    ::close(pipe_fd_);
    pipe_fd_ = -1;
  }
  if (::umount2(path_.c_str(), detach ? MNT_DETACH : 0) != 0) {
    return Status::FromErrno("umount(autofs " + path_ + ")", errno);
  }
  return {};
}

}  // namespace amd::kernel
