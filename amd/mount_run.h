// MountRun: the steps of one mount attempt, each done through
// kernel::Kernel and recorded in a MountRecord so that a failure half-way,
// or the unmount later, undoes exactly those steps in reverse (mounter.h).
// The mount types (fs_type.h) are written in its terms.
//
// Threading: one attempt, one worker thread; blocking. The record it
// returns is the caller's.
#ifndef AMD_AMD_MOUNT_RUN_H_
#define AMD_AMD_MOUNT_RUN_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "amd/mounter.h"
#include "maps/location_evaluator.h"

namespace amd {

class MountRun {
 public:
  MountRun(const MountContext& ctx, kernel::Kernel& k) : ctx_(ctx), k_(k) {}

  // One mkdir in the common case; the parents only when they are missing,
  // each recorded so that it is removed again (when nothing else is in it).
  Status MakeDir(const std::string& path);
  Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data);
  // A bind mount, made read-only by a remount when opts say ro.
  Status Bind(const std::string& source, const std::string& target, std::string_view opts);
  Status Symlink(const std::string& target, const std::string& link);
  // The node shows `target`: a bind mount or a symlink (a front end that
  // shows keys as links shows it itself).
  Status Show(const std::string& target, const std::string& node, std::string_view opts);
  // Mounts with `mount_fn(dir)` on the node, or on ${fs} and then shows
  // the sublink when there is one. Where keys are links into ${autodir},
  // at ${fs}, shared with every other key mounted there.
  Status MountThenShow(const std::string& node, const maps::LocationResult& loc,
                       const std::function<Status(const std::string& dir)>& mount_fn);

  MountRecord& record() { return record_; }
  kernel::Kernel& kernel() { return k_; }
  const MountContext& ctx() const { return ctx_; }

 private:
  const MountContext& ctx_;
  kernel::Kernel& k_;
  MountRecord record_;
};

// Runs a program command: the first word is the program's path, the rest
// its argument vector, argv[0] included (the original's rule). `what`
// names it in errors ("mount program").
Status RunCommand(kernel::Kernel& k, const std::vector<std::string>& command,
                  std::chrono::milliseconds timeout, const char* what);

}  // namespace amd

#endif  // AMD_AMD_MOUNT_RUN_H_
