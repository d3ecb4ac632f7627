// AutofsPoints: the autofs front end's automount points (FrontEnd): each
// is an autofs mount made through kernel::Kernel (a fake in tests), keys
// are mounted in place, and the kernel checks a key is unused before it
// asks amd to expire it. An earlier amd's autofs mount at a point's path
// is taken over, with its pipe when the supervisor held it (no request
// waiting in it is lost). Reading the pipes is AutofsFrontEnd's.
//
// Threading: blocking; engine start-up and worker threads. Thread-safe
// (the held pipes are guarded).
//
// Endpoints returned are the caller's; the held pipes are owned here until
// used or StartDone.
#ifndef AMD_AMD_AUTOFS_POINTS_H_
#define AMD_AMD_AUTOFS_POINTS_H_

#include <sys/types.h>

#include <map>
#include <mutex>
#include <string>

#include "amd/front_end.h"
#include "kernel-shim/kernel.h"

namespace amd {

class AutofsPoints : public FrontEnd {
 public:
  // `held_pipes`: pipes (by path) of autofs mounts an earlier engine of
  // this daemon left; owned here from now on.
  AutofsPoints(kernel::Kernel& kernel, pid_t pgrp, std::map<std::string, int> held_pipes);
  ~AutofsPoints() override;

  std::string_view name() const override { return "autofs"; }
  Shows shows() const override { return Shows::kInPlace; }
  bool serves_direct() const override { return true; }
  bool expiry_checks_use() const override { return true; }
  Result<Opened> OpenPoint(const std::string& path, kernel::AutofsKind kind,
                           const std::vector<kernel::MountInfoEntry>& table,
                           ListKeys browsable) override;
  Result<std::unique_ptr<kernel::AutofsEndpoint>> OpenSubMap(const std::string& path,
                                                             ListKeys browsable) override;
  Result<std::unique_ptr<kernel::AutofsEndpoint>> AdoptSubMap(
      const std::string& path, const kernel::MountInfoEntry& entry) override;
  Status CloseSubMap(kernel::AutofsEndpoint& point) override;
  Result<bool> Leave(kernel::AutofsEndpoint& point, bool top_level) override;
  void StartDone() override;

 private:
  int TakeHeldPipe(const std::string& path);

  kernel::Kernel& kernel_;
  const pid_t pgrp_;
  mutable std::mutex mu_;
  std::map<std::string, int> held_pipes_;  // guarded by mu_
};

// The topmost autofs mount of an earlier amd at `path` in `table`, if any.
const kernel::MountInfoEntry* AmdAutofsAt(const std::vector<kernel::MountInfoEntry>& table,
                                          const std::string& path);

}  // namespace amd

#endif  // AMD_AMD_AUTOFS_POINTS_H_
