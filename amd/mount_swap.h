// Swapping the kernel NFS mount of a replicated volume (datapath:=kernel,
// amd-maps(5)) for another replica's: the building blocks of failover on
// kernel mounts (amd(8), FAILOVER).
//
// ReplaceMount puts the new replica's mount, made beforehand at a staging
// directory, in the place of the mount at the key: the old mount moves to
// a retired directory of amd's (MS_MOVE), out of every path a new lookup
// takes, and the new one moves to the key. Processes that hold files, a
// current directory or a mapping on the old mount keep them: it is still
// mounted, at the retired directory. Between the two moves the key shows
// the directory beneath for some microseconds; under autofs a walk there
// asks amd, which holds the request until the swap is done, and in the
// classic front end the key is a link amd repoints only afterwards.
//
// Retire ends a retired mount: with its server dead, a forced unmount
// first (MNT_FORCE: the NFS client ends the calls in flight, and blocked
// readers get EIO instead of hanging), then a lazy one where it is still
// busy (MNT_DETACH: the mount goes when its last file is closed).
//
// Threading: blocking system calls; workers only. Ownership: none kept.
#ifndef AMD_AMD_MOUNT_SWAP_H_
#define AMD_AMD_MOUNT_SWAP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "kernel-shim/kernel.h"

namespace amd {

// `key` is a mount point (the old replica's mount), `staging` the new
// replica's mount, `retired` an empty directory. On failure nothing has
// moved, or what moved is moved back.
Status ReplaceMount(kernel::Kernel& kernel, const std::string& key, const std::string& staging,
                    const std::string& retired);

// The revision of the replica mounted at `dir`: the number in its
// revision `file` (failover policy's revision_file), nullopt without the
// file (or with `file` empty); an error when it holds no number.
Result<std::optional<uint64_t>> ReadRevision(const std::string& dir, const std::string& file);

enum class Retired { kUnmounted, kForced, kDetached };
// Unmounts the mount at `retired` (forced first when `server_dead`);
// what it took.
Result<Retired> Retire(kernel::Kernel& kernel, const std::string& retired, bool server_dead);

}  // namespace amd

#endif  // AMD_AMD_MOUNT_SWAP_H_
