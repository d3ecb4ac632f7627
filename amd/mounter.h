// Mounter: does and undoes the mount of one selected location at its node
// (a directory the daemon creates inside an autofs mount), through the
// Kernel interface. Each type's mount is its row in the FsType table
// (amd/fs_type.h, one file per type under amd/fs_types/); every step it
// takes is recorded (MountRun, amd/mount_run.h) so that unmounting, or a
// failure half-way, undoes exactly those steps in reverse. Blocking;
// worker threads only. Records returned are the caller's.
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
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "failover/policy.h"
#include "kernel-shim/kernel.h"
#include "maps/location_evaluator.h"
#include "maps/world.h"

namespace amd {

class SharedMounts;

struct MountAction {
  // kShared: a reference to a file system several keys share (below).
  enum class Kind { kMadeDir, kMounted, kSymlinked, kProgram, kShared };
  Kind kind = Kind::kMadeDir;
  std::string path;                          // the directory, mount point or link
  std::vector<std::string> unmount_command;  // kProgram: path, then argv
  std::shared_ptr<SharedMounts> shared;      // kShared
};

// A replicated volume mounted with the kernel's NFS client
// (datapath:=kernel): what failing it over takes (kernel_volumes.h).
struct ReplicatedMount {
  std::string volume;                        // volume:=
  std::string policy;                        // policy:=, "" for the volume's own
  std::vector<std::string> replicas;         // "host:/path", the map's order
  size_t current = 0;                        // the one mounted
  std::string dir;                           // the NFS mount: the key's directory, or ${fs}
  std::string options;                       // the chosen location's mount options
  std::vector<std::string> replica_options;  // each replica's own (port=, mountport=)
  std::string nfs_vers, nfs_proto;           // amd.conf's
  failover::Policy failover_policy;          // its section of /etc/amd/failover.yaml
  std::optional<uint64_t> revision;          // the mounted replica's revision file
};

struct MountRecord {
  std::string type;              // the effective Amd type
  std::string mount_info;        // e.g. "host:/path", a device, a link target
  std::string target;            // what the node shows
  bool expires = true;           // false for types that never time out, or nounmount
  std::optional<long> utimeout;  // opts utimeout=N: this mount's own idle time
  std::chrono::system_clock::time_point mounted_at = std::chrono::system_clock::now();
  std::chrono::microseconds mount_time{0};  // from the first request to mounted
  uint64_t requests = 0;                    // kernel requests this mount answered
  std::vector<MountAction> actions;         // in the order they were done
  // What went wrong without failing the mount (type:=host: exports that
  // could not be mounted), for the log.
  std::vector<std::string> warnings;
  std::shared_ptr<const ReplicatedMount> replicated;  // datapath:=kernel volumes
};

struct MountContext {
  // A front end that shows keys as links (FrontEnd::Shows::
  // kLinkIntoAutodir): every file system is mounted at ${fs} (under
  // ${autodir}) and the key shows it as a symbolic link that the front end
  // serves; nothing is made at the node.
  bool link_into_autodir = false;
  // File systems mounted at the same ${fs} for several keys (links).
  std::shared_ptr<SharedMounts> shared;
  bool use_lofs = true;  // autofs_use_lofs
  std::string nfs_vers;  // amd.conf nfs_vers, "" for the default
  std::string nfs_proto;
  maps::World* world = nullptr;  // for rhost addresses
  std::chrono::milliseconds program_timeout{std::chrono::seconds(40)};
};

// File systems that several keys share: in the classic front end every
// key whose location has the same ${fs} (as with sublink:=${key}) uses one
// mount, made by the first key and undone with the last. Mounts found at
// start-up (left by an earlier amd) are taken over by the first key that
// asks for them. Thread-safe: a second key waits while the first mounts.
class SharedMounts {
 public:
  // The file system at `target` mounted from `source`: taken over when it
  // is there (from `source`, or from anything when it was found at
  // start-up with no source known), else mounted with `mount`, which
  // records its steps in `steps`.
  Status Acquire(const std::string& target, const std::string& source,
                 const std::function<Status(std::vector<MountAction>* steps)>& mount);
  // Lets go of one reference; the last one undoes the steps with `undo`.
  // When that fails, the reference stays.
  Status Release(const std::string& target,
                 const std::function<Status(std::vector<MountAction>* steps)>& undo);
  // A mount an earlier amd left (source "" when it cannot be compared).
  void Found(const std::string& target, const std::string& source);
  size_t users(const std::string& target) const;

 private:
  struct Entry {
    std::string source;
    int refs = 0;
    bool busy = false;  // being mounted or unmounted
    bool found = false;
    std::vector<MountAction> steps;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
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
