// Cgroups for programs amd runs and must be able to stop whole (exec map
// programs): a child cgroup per run, below the cgroup v2 that systemd
// delegated to amd (Delegate=yes in amd.service). Whatever the program
// starts stays in that cgroup, even a child that left its process group
// (setsid, a daemon), so that killing the cgroup (cgroup.kill, or every
// process in cgroup.procs before Linux 5.14) leaves nothing behind.
//
// Without a delegated cgroup (no systemd, no Delegate=yes, cgroup v1
// only) there is none: callers fall back to the program's process group.
//
// Threading: any thread; RunCgroup calls block. Ownership: a cgroup made for a
// run is the caller's to kill and remove.
#ifndef AMD_BASE_RUN_CGROUP_H_
#define AMD_BASE_RUN_CGROUP_H_

#include <optional>
#include <string>

#include "base/status.h"

namespace amd {

// This process's cgroup v2 directory (under the cgroup2 mount); nullopt
// without a cgroup v2 hierarchy.
std::optional<std::string> OwnCgroup();

// This process's cgroup v2 directory when it is delegated to us: marked
// with the xattr trusted.delegate or user.delegate = "1" (as systemd marks
// a unit's cgroup with Delegate=yes). Looked up on each call (a test may
// move the process).
std::optional<std::string> DelegatedCgroup();

// One run's cgroup: a new directory below `parent`, removed (after
// everything in it is killed) by KillAll or the destructor.
class RunCgroup {
 public:
  static Result<RunCgroup> Create(const std::string& parent);
  RunCgroup(RunCgroup&& other) noexcept;
  RunCgroup& operator=(RunCgroup&&) = delete;
  RunCgroup(const RunCgroup&) = delete;
  ~RunCgroup();

  // An O_DIRECTORY descriptor of it, for clone3's CLONE_INTO_CGROUP.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // SIGKILL to every process in it, waits (at most 2 s) until it is
  // empty, and removes it.
  void KillAll();

 private:
  RunCgroup(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace amd

#endif  // AMD_BASE_RUN_CGROUP_H_
