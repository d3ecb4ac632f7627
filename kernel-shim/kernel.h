// Kernel: every system call the mount engine makes, behind one interface
// so that the engine can be tested against a fake that records calls and
// fails the N-th one (tests/fakes/fake_kernel.h). SystemKernel is the real
// one. All methods may block and are called from worker threads, never
// from the engine thread. Errors carry their context ("mount(/a/b)").
//
// Ownership: endpoints and tables returned are the caller's.
#ifndef AMD_KERNEL_SHIM_KERNEL_H_
#define AMD_KERNEL_SHIM_KERNEL_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "kernel-shim/autofs_mount.h"
#include "kernel-shim/mountinfo.h"

namespace amd::kernel {

struct ProgramResult {
  int exit_status = 0;  // exit code, or 128+signal
  std::string output;   // standard output and error, at most 64 KiB
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // mount(2). `data` is the comma-separated option string.
  virtual Status Mount(const std::string& source, const std::string& target,
                       const std::string& fstype, unsigned long flags, const std::string& data) = 0;
  // umount2(2) with MNT_* flags.
  virtual Status Unmount(const std::string& target, int flags) = 0;
  virtual Status MakeDir(const std::string& path, mode_t mode) = 0;
  // mkdir -p; directories that exist are fine.
  virtual Status MakeDirs(const std::string& path, mode_t mode) = 0;
  virtual Status RemoveDir(const std::string& path) = 0;
  virtual Status Symlink(const std::string& target, const std::string& link) = 0;
  virtual Status Unlink(const std::string& path) = 0;
  // lstat(2) succeeds.
  virtual bool Exists(const std::string& path) = 0;
  // Runs the program at `path` with argument vector `argv` (argv[0]
  // included; no shell) and waits at most `timeout`.
  virtual Result<ProgramResult> Run(const std::string& path, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) = 0;
  // A new autofs mount on `path`, answering to process group `pgrp`.
  virtual Result<std::unique_ptr<AutofsEndpoint>> CreateAutofs(const std::string& path,
                                                               AutofsKind kind, pid_t pgrp,
                                                               const std::string& source) = 0;
  // An existing autofs mount, taken over from an earlier daemon. With
  // `pipe_fd` (the read end of the mount's own pipe, which the new
  // endpoint then owns) the daemon is of the same process group and
  // simply goes on; otherwise the mount gets a new pipe (see
  // AutofsMount::Adopt).
  virtual Result<std::unique_ptr<AutofsEndpoint>> AdoptAutofs(const std::string& path,
                                                              AutofsKind kind, dev_t dev,
                                                              int pipe_fd = -1) = 0;
  // The mount table (/proc/self/mountinfo).
  virtual Result<std::vector<MountInfoEntry>> MountTable() = 0;
  // The symbolic links directly in `dir` (name, target).
  virtual std::vector<std::pair<std::string, std::string>> SymlinksIn(const std::string& dir) = 0;
};

class SystemKernel : public Kernel {
 public:
  Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) override;
  Status Unmount(const std::string& target, int flags) override;
  Status MakeDir(const std::string& path, mode_t mode) override;
  Status MakeDirs(const std::string& path, mode_t mode) override;
  Status RemoveDir(const std::string& path) override;
  Status Symlink(const std::string& target, const std::string& link) override;
  Status Unlink(const std::string& path) override;
  bool Exists(const std::string& path) override;
  Result<ProgramResult> Run(const std::string& path, const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) override;
  Result<std::unique_ptr<AutofsEndpoint>> CreateAutofs(const std::string& path, AutofsKind kind,
                                                       pid_t pgrp,
                                                       const std::string& source) override;
  Result<std::unique_ptr<AutofsEndpoint>> AdoptAutofs(const std::string& path, AutofsKind kind,
                                                      dev_t dev, int pipe_fd = -1) override;
  Result<std::vector<MountInfoEntry>> MountTable() override;
  std::vector<std::pair<std::string, std::string>> SymlinksIn(const std::string& dir) override;
};

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_KERNEL_H_
