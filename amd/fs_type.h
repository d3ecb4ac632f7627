// FsType: one Amd mount type as the daemon mounts it, the seam of the
// original's am_ops: the server it depends on and its mount. Its flags
// and its match (which options it needs, its mount info) are the map
// language's (maps/mount_types.h), which maps/ owns because evaluation and
// `amd --explain` need them without the daemon. Unmounting is the same
// for every type: the steps the mount recorded, undone in reverse
// (UnmountRecord); a type with its own unmount records it (program).
//
// Each type is one file under amd/fs_types/; fs_types/table.cc lists
// them. A new type is one file plus one row there.
//
// Threading: the table is immutable; `mount` runs on a worker thread.
#ifndef AMD_AMD_FS_TYPE_H_
#define AMD_AMD_FS_TYPE_H_

#include <string>
#include <string_view>

#include "amd/mount_run.h"
#include "maps/location_evaluator.h"

namespace amd {

struct FsType {
  std::string_view name;
  // Mounts `loc` for the key whose node is `node`, every step in `run`.
  Status (*mount)(MountRun& run, const std::string& node, const maps::LocationResult& loc);
  // The file server it talks to ("" for local types): attempts for one
  // server run on a lane of the worker pool capped per server.
  std::string (*server)(const maps::LocationResult& loc);
};

// The type named `name` (an effective type: nfsl is already link or nfs);
// nullptr for one this amd has no row for.
const FsType* FindFsType(std::string_view name);

// The servers of types: none (local), or the location's rhost.
std::string NoServer(const maps::LocationResult& loc);
std::string RhostServer(const maps::LocationResult& loc);

}  // namespace amd

#endif  // AMD_AMD_FS_TYPE_H_
