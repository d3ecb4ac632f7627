// Mounter: does and undoes the mount of one selected location at its node
// (a directory the daemon creates inside an autofs mount), through the
// Kernel interface. Every step it takes is recorded so that unmounting, or
// a failure half-way, undoes exactly those steps in reverse. Blocking;
// worker threads only.
//
// In place on the node: link/linkx (a bind mount, or a symlink when
// autofs_use_lofs = no), lofs (bind of rfs), device types (mount of dev),
// nfs, host (every export of rhost at its own path below the node). With
// a sublink, the file system is mounted at ${fs} and the node
// shows ${fs}/sublink. program runs its mount command for ${fs} and binds
// ${fs} onto the node, so the key shows ${fs}.
#ifndef AMD_AMD_MOUNTER_H_
#define AMD_AMD_MOUNTER_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "kernel-shim/kernel.h"
#include "maps/location_evaluator.h"
#include "maps/world.h"

namespace amd {

struct MountAction {
  enum class Kind { kMadeDir, kMounted, kSymlinked, kProgram };
  Kind kind = Kind::kMadeDir;
  std::string path;                       // the directory, mount point or link
  std::vector<std::string> unmount_command;  // kProgram: path, then argv
};

struct MountRecord {
  std::string type;        // the effective Amd type
  std::string mount_info;  // e.g. "host:/path", a device, a link target
  std::string target;      // what the node shows
  bool expires = true;     // false for types that never time out, or nounmount
  std::optional<long> utimeout;  // opts utimeout=N: this mount's own idle time
  std::chrono::system_clock::time_point mounted_at = std::chrono::system_clock::now();
  std::chrono::microseconds mount_time{0};  // from the first request to mounted
  uint64_t requests = 0;                    // kernel requests this mount answered
  std::vector<MountAction> actions;  // in the order they were done
  // What went wrong without failing the mount (type:=host: exports that
  // could not be mounted), for the log.
  std::vector<std::string> warnings;
};

struct MountContext {
  bool use_lofs = true;  // autofs_use_lofs
  std::string nfs_vers;  // amd.conf nfs_vers, "" for the default
  std::string nfs_proto;
  maps::World* world = nullptr;  // for rhost addresses
  std::chrono::milliseconds program_timeout{std::chrono::seconds(40)};
};

Result<MountRecord> MountLocation(const std::string& node_path, const maps::LocationResult& loc,
                                  const MountContext& ctx, kernel::Kernel& kernel);

// Whether a mount of this location may expire: types that never time out
// only with unmount/utimeout in opts; never with nounmount.
bool LocationExpires(const maps::LocationResult& loc);

// A program location's unmount command (path, then argv): unmount:= or
// umount:=, else "/bin/umount umount ${fs}".
std::vector<std::string> ProgramUnmountCommand(const maps::LocationResult& loc);

// Undoes the record's actions in reverse. Stops at the first that fails
// (typically EBUSY) and leaves the rest, so the record stays valid for a
// later attempt: on failure `record` holds what is still to be undone.
Status UnmountRecord(MountRecord* record, kernel::Kernel& kernel, bool detach);

}  // namespace amd

#endif  // AMD_AMD_MOUNTER_H_
