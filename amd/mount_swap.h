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
// (MNT_FORCE: the NFS client ends the calls in flight, and blocked
// readers get EIO instead of hanging); where it is still busy the caller
// forces it again later (calls made since would hang on a hard mount) or
// has it go lazily (MNT_DETACH: the mount goes when its last file is
// closed), as it does at once when its server is up.
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
// replica's mount, `retired` an empty directory; `staging` and `retired`
// in a private area (MakePrivateArea). On failure nothing has moved, or
// what moved is moved back. Where the key's parent is a shared mount
// (mount propagation; systemd makes / shared) the kernel moves no mount
// out of it: ReplaceUnderSharedParent is used.
Status ReplaceMount(kernel::Kernel& kernel, const std::string& key, const std::string& staging,
                    const std::string& retired);
// The old mount is bound at `retired` (the same NFS superblock: its
// forced unmount ends the calls of every process on the old one), then
// detached from the key (in every peer of the parent too), and the new
// one moved in, which propagates to the peers.
Status ReplaceUnderSharedParent(kernel::Kernel& kernel, const std::string& key,
                                const std::string& staging, const std::string& retired);
// `dir` (made when missing) as a private mount: bound on itself first
// unless it is a mount point. A mount under a shared one cannot be moved.
Status MakePrivateArea(kernel::Kernel& kernel, const std::string& dir);

// The revision of the replica mounted at `dir`: the number in its
// revision `file` (failover policy's revision_file), nullopt without the
// file (or with `file` empty); an error when it holds no number.
Result<std::optional<uint64_t>> ReadRevision(const std::string& dir, const std::string& file);

// kBusy: forced, still mounted (files open on it); only when
// `detach_busy` is false.
enum class Retired { kUnmounted, kForced, kDetached, kBusy };
// Unmounts the mount at `retired` (forced when `server_dead`); what it
// took.
Result<Retired> Retire(kernel::Kernel& kernel, const std::string& retired, bool server_dead,
                       bool detach_busy = true);

}  // namespace amd

#endif  // AMD_AMD_MOUNT_SWAP_H_
