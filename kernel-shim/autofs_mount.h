// AutofsMount: one autofs file system that this daemon serves. It owns the
// read end of the packet pipe and an ioctl descriptor on the mount, and
// speaks the kernel's autofs v5 control protocol: READY / FAIL answers,
// the expire timeout, EXPIRE_MULTI, CATATONIC, ASKUMOUNT.
//
// Thread-safety: Ready/Fail/SetTimeout may be called from any thread;
// ExpireOne blocks until the daemon has answered the expire packet it
// causes, so it must never run on the thread that reads the pipe.
#ifndef AMD_KERNEL_SHIM_AUTOFS_MOUNT_H_
#define AMD_KERNEL_SHIM_AUTOFS_MOUNT_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/status.h"

namespace amd::kernel {

enum class AutofsKind { kIndirect, kDirect, kOffset };

// What the engine needs of an autofs mount; AutofsMount is the real one,
// tests/fakes has a recording fake.
class AutofsEndpoint {
 public:
  virtual ~AutofsEndpoint() = default;
  virtual const std::string& path() const = 0;
  virtual AutofsKind kind() const = 0;
  // The packet pipe's read end, or -1 when packets are delivered otherwise.
  virtual int pipe_fd() const = 0;
  virtual Status Ready(uint32_t token) const = 0;
  virtual Status Fail(uint32_t token, int err = ENOENT) const = 0;
  // What key `name` shows once mounted, told before Ready: the classic
  // NFS front end answers with a symbolic link to it; "" once it is
  // unmounted. An autofs mount shows the mount itself and ignores it.
  virtual void ShowTarget(const std::string& /*name*/, const std::string& /*target*/) const {}
  virtual Status SetTimeout(unsigned long seconds) const = 0;
  // The idle time of one key of an indirect mount (its own, instead of
  // the mount's). Needs Linux 6.13 (autofs protocol 5.06); older kernels
  // get ENOTSUP, never the whole mount's timeout changed.
  virtual Status SetKeyTimeout(const std::string& name, unsigned long seconds) const = 0;
  enum class ExpireResult { kExpired, kNothing, kError };
  // Asks the kernel to expire one unused entry (it sends an expire packet
  // and waits for the answer). kNothing when nothing could be expired.
  virtual ExpireResult ExpireOne(bool immediate, Status* error) const = 0;
  virtual Status Catatonic() const = 0;
  // Whether the autofs mount is unused (no mounts beneath, no open files).
  virtual Result<bool> MayUnmount() const = 0;
  // Closes the descriptors and unmounts the autofs file system (lazily when
  // `detach`); the mount becomes catatonic first.
  virtual Status Unmount(bool detach) = 0;
};

class AutofsMount : public AutofsEndpoint {
 public:
  ~AutofsMount() override;
  AutofsMount(const AutofsMount&) = delete;
  AutofsMount& operator=(const AutofsMount&) = delete;

  // Mounts a new autofs file system on `path` (which must exist) whose
  // packets go to a new pipe; `pgrp` is the process group whose accesses
  // do not trigger (the daemon's own). `source` is what /proc/mounts shows.
  static Result<std::unique_ptr<AutofsMount>> Create(const std::string& path, AutofsKind kind,
                                                     pid_t pgrp, const std::string& source);
  // Takes over an existing autofs mount on `path` (device `dev`, as
  // /proc/self/mountinfo gives it) left by an earlier daemon: through
  // /dev/autofs it opens the mount even when covered, makes it catatonic,
  // and gives it a new pipe, whose packets now come to this process
  // group. Mounts beneath it are not touched. Given `pipe_fd` (the read
  // end of the mount's current pipe, kept by a process of the same group;
  // the new object owns it) the mount is only opened: no request waiting
  // in the pipe is lost.
  static Result<std::unique_ptr<AutofsMount>> Adopt(const std::string& path, AutofsKind kind,
                                                    dev_t dev, int pipe_fd = -1);

  const std::string& path() const override { return path_; }
  AutofsKind kind() const override { return kind_; }
  // The pipe's read end (non-blocking, close-on-exec); owned by this object.
  int pipe_fd() const override { return pipe_fd_; }
  // st_dev of the autofs file system, as the kernel's packets give it.
  dev_t device() const { return dev_; }

  Status Ready(uint32_t token) const override;
  Status Fail(uint32_t token, int err = ENOENT) const override;
  Status SetTimeout(unsigned long seconds) const override;
  Status SetKeyTimeout(const std::string& name, unsigned long seconds) const override;
  ExpireResult ExpireOne(bool immediate, Status* error) const override;
  Status Catatonic() const override;
  Result<bool> MayUnmount() const override;
  Status Unmount(bool detach) override;

 private:
  AutofsMount(std::string path, AutofsKind kind) : path_(std::move(path)), kind_(kind) {}

  std::string path_;
  AutofsKind kind_;
  int pipe_fd_ = -1;
  int ioctl_fd_ = -1;
  dev_t dev_ = 0;
};

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_AUTOFS_MOUNT_H_
