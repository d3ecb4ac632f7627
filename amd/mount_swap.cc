// Swapping a replicated volume's kernel mount; see mount_swap.h.
#include "amd/mount_swap.h"

#include <sys/mount.h>

#include <cerrno>

namespace amd {

Status ReplaceMount(kernel::Kernel& kernel, const std::string& key, const std::string& staging,
                    const std::string& retired) {
  if (Status s = kernel.Mount(key, retired, "", MS_MOVE, ""); !s.ok()) return s;
  if (Status s = kernel.Mount(staging, key, "", MS_MOVE, ""); !s.ok()) {
    Status back = kernel.Mount(retired, key, "", MS_MOVE, "");
    if (!back.ok()) {
      return Status(s.code(), s.context() + "; and the old mount stays at " + retired + ": " +
                                  back.ToString());
    }
    return s;
  }
  return {};
}

Result<Retired> Retire(kernel::Kernel& kernel, const std::string& retired, bool server_dead) {
  Retired how = Retired::kUnmounted;
  if (server_dead) {
    Status forced = kernel.Unmount(retired, MNT_FORCE);
    if (forced.ok()) return Retired::kForced;
    how = Retired::kForced;  // the calls in flight were ended; the mount is busy still
  } else if (kernel.Unmount(retired, 0).ok()) {
    return Retired::kUnmounted;
  }
  if (Status s = kernel.Unmount(retired, MNT_DETACH); !s.ok()) return s;
  return how == Retired::kForced ? Retired::kForced : Retired::kDetached;
}

}  // namespace amd
