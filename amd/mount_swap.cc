// Swapping a replicated volume's kernel mount; see mount_swap.h.
#include "amd/mount_swap.h"

#include <sys/mount.h>

#include <cerrno>

#include "base/files.h"
#include "base/strings.h"

namespace amd {

Status ReplaceMount(kernel::Kernel& kernel, const std::string& key, const std::string& staging,
                    const std::string& retired) {
  Status moved = kernel.Mount(key, retired, "", MS_MOVE, "");
  if (!moved.ok() && moved.code() == std::make_error_code(std::errc::invalid_argument)) {
    return ReplaceUnderSharedParent(kernel, key, staging, retired);
  }
  if (!moved.ok()) return moved;
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

Status ReplaceUnderSharedParent(kernel::Kernel& kernel, const std::string& key,
                                const std::string& staging, const std::string& retired) {
  if (Status s = kernel.Mount(key, retired, "", MS_BIND, ""); !s.ok()) return s;
  if (Status s = kernel.Unmount(key, MNT_DETACH); !s.ok()) {
    kernel.Unmount(retired, MNT_DETACH);
    return s;
  }
  if (Status s = kernel.Mount(staging, key, "", MS_MOVE, ""); !s.ok()) {
    Status back = kernel.Mount(retired, key, "", MS_BIND, "");
    if (!back.ok()) {
      return Status(s.code(), s.context() + "; and the old mount stays at " + retired + ": " +
                                  back.ToString());
    }
    kernel.Unmount(retired, MNT_DETACH);
    return s;
  }
  return {};
}

Status MakePrivateArea(kernel::Kernel& kernel, const std::string& dir) {
  if (Status s = kernel.MakeDirs(dir, 0700); !s.ok()) return s;
  if (kernel.Mount("", dir, "", MS_PRIVATE, "").ok()) return {};  // a mount point already
  if (Status s = kernel.Mount(dir, dir, "", MS_BIND, ""); !s.ok()) return s;
  return kernel.Mount("", dir, "", MS_PRIVATE, "");
}

Result<std::optional<uint64_t>> ReadRevision(const std::string& dir, const std::string& file) {
  if (file.empty()) return std::optional<uint64_t>();
  std::string error;
  auto text = ReadWholeFile(dir + "/" + file, &error);
  if (!text) return std::optional<uint64_t>();
  auto n = ParseInteger(TrimSpace(*text));
  if (!n || *n < 0) return Status::Error(dir + "/" + file + ": not a revision number");
  return std::optional<uint64_t>(static_cast<uint64_t>(*n));
}

Result<Retired> Retire(kernel::Kernel& kernel, const std::string& retired, bool server_dead,
                       bool detach_busy) {
  Retired how = Retired::kUnmounted;
  if (server_dead) {
    Status forced = kernel.Unmount(retired, MNT_FORCE);
    if (forced.ok()) return Retired::kForced;
    if (!detach_busy) return Retired::kBusy;
    how = Retired::kForced;  // the calls in flight were ended; the mount is busy still
  } else if (kernel.Unmount(retired, 0).ok()) {
    return Retired::kUnmounted;
  }
  if (Status s = kernel.Unmount(retired, MNT_DETACH); !s.ok()) return s;
  return how == Retired::kForced ? Retired::kForced : Retired::kDetached;
}

}  // namespace amd
