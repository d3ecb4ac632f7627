// KernelVolumes: the failover decisions for the replicated volumes amd
// serves with the kernel's NFS client (datapath:=kernel, or the default
// where the kernel has no FUSE; amd-maps(5)), sans I/O and driven by the
// caller's clock, as the relay's are (failover/volume.h).
//
// For each such volume mounted, a failover::Volume over its replicas
// ("host:/path", the map's order) is fed by
//   - the kernel's counters of the mount in use (OnFigures: the interval's
//     figures NfsStats took from /proc/self/mountstats),
//   - probes of every replica (DueProbes, OnProbe: the engine's NULL and
//     GETATTR of the replica's root, amd/engine_process.cc),
// and Tick says which volumes to switch now, to which replica and why.
// The engine performs a switch (a mount of the new replica, its
// revision checked, mount_swap.h's moves) and says how it went (Done or
// Failed); a failed one is undone and its target refused until it has
// been down and back, as the relay does.
//
// Threading: one thread (the engine's). Ownership: views are values.
#ifndef AMD_AMD_KERNEL_VOLUMES_H_
#define AMD_AMD_KERNEL_VOLUMES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/volume.h"
#include "kernel-shim/mountstats.h"

namespace amd {

// Feeds `volume`'s replica `replica` with one interval of a kernel mount's
// figures: the metadata class's average execute time as a metadata
// call, READ's RTT over the KiB it brought as one read, major timeouts as
// timeouts (at most 4 an interval). Shared with NfsStats.
void FeedVolume(failover::Volume& volume, size_t replica, const kernel::IoStatFigures& f,
                failover::TimePoint now);

class KernelVolumes {
 public:
  struct Mounted {
    std::string volume;                 // volume:=
    std::string node;                   // the amq node: where it is reached
    std::string mount_point;            // the NFS mount: the node, or its ${fs}
    std::vector<std::string> replicas;  // "host:/path", the map's order
    std::vector<std::string> options;   // each one's mount options (port=, mountport=)
    size_t current = 0;                 // the one mounted
    std::optional<uint64_t> revision;   // its revision file's number
  };
  // A volume mounted; its id.
  // `figures_every`: how often OnFigures comes (nfs_stats_interval).
  int Add(Mounted m, const failover::Policy& policy, failover::TimePoint now,
          failover::Duration figures_every = std::chrono::seconds(5));
  // Unmounted (expiry, amq -u, shutdown).
  void Remove(int id);
  // The volume whose NFS mount or node is `path`.
  std::optional<int> Find(const std::string& path) const;
  const Mounted* Get(int id) const;

  // One interval of the mount in use.
  void OnFigures(int id, const kernel::IoStatFigures& f, failover::TimePoint now);

  struct Probe {
    int id = 0;
    size_t replica = 0;
    std::string name;     // host:/path
    std::string options;  // its mount options: port= and mountport= say where
    failover::Duration timeout{0};
  };
  // The probes due now; the replica in use is watched closely (the
  // policy's kernel_probe_interval, failover::Volume::WatchCurrent).
  std::vector<Probe> DueProbes(failover::TimePoint now);
  // A probe's outcome: its RTT, or nullopt when it failed; `refused`:
  // the server refused or reset the connection, so it is down at once.
  void OnProbe(int id, size_t replica, std::optional<failover::Duration> rtt,
               failover::TimePoint now, bool refused = false);

  struct Order {
    int id = 0;
    failover::Switch sw;   // sw.from, sw.to: replica indexes
    std::string from, to;  // their names
  };
  // The switches decided now. The Volume counts each made; the engine
  // answers Done or Failed. A volume with a switch under way is not
  // ticked.
  std::vector<Order> Tick(failover::TimePoint now);
  void Done(const Order& o, std::optional<uint64_t> revision);
  void Failed(const Order& o, const std::string& why, failover::TimePoint now);
  // amq --switch: to `replica` (its name, or its host), or to the best
  // one when empty; an error when it cannot be.
  Result<Order> Force(int id, const std::string& replica, failover::TimePoint now);
  bool Down(int id, size_t replica) const;

  // amq --replicas: a JSON array of objects, the relay's fields
  // (relay/relay.cc StatusJson) with "datapath": "kernel".
  std::string StatesJson(const std::string& path, failover::TimePoint now) const;

 private:
  struct Entry {
    Entry(Mounted m, const failover::Policy& p, failover::TimePoint now,
          failover::Duration figures_every)
        : mounted(std::move(m)), volume(mounted.replicas, p, now, mounted.current) {
      volume.WatchCurrent(figures_every);
      mounted.options.resize(mounted.replicas.size());
    }
    Mounted mounted;
    failover::Volume volume;
    bool switching = false;
  };
  std::map<int, Entry> volumes_;
  int next_id_ = 1;
};

}  // namespace amd

#endif  // AMD_AMD_KERNEL_VOLUMES_H_
