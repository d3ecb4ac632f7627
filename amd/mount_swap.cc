// Swapping a replicated volume's kernel mount; see mount_swap.h.
#include "amd/mount_swap.h"

#include <sys/mount.h>

#include <cerrno>

#include "base/files.h"
#include "base/strings.h"

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

Result<std::optional<uint64_t>> ReadRevision(const std::string& dir, const std::string& file) {
  if (file.empty()) return std::optional<uint64_t>();
  std::string error;
  auto text = ReadWholeFile(dir + "/" + file, &error);
  if (!text) return std::optional<uint64_t>();
  auto n = ParseInteger(TrimSpace(*text));
  if (!n || *n < 0) return Status::Error(dir + "/" + file + ": not a revision number");
  return std::optional<uint64_t>(static_cast<uint64_t>(*n));
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
