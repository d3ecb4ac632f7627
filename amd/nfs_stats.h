// NfsStats: the response time of every kernel NFS mount amd made.
//
// Every nfs_stats_interval seconds the engine process reads
// /proc/self/mountstats and /proc/self/mountinfo on a worker and hands the
// text here (Update, on the engine's thread): for each NFS mount below a
// node of amd's it takes the difference with the last reading as
// nfsiostat does (kernel-shim/mountstats.h) and feeds the same failover/
// estimators as the relay: LOOKUP, GETATTR and ACCESS as metadata calls
// (their average execute time), READ as read calls (their average RTT and
// size), major timeouts as timeouts. The kernel's counters only move when
// a call ends, so a server that hangs shows nothing; active probes back
// them up: DueProbes says which mounts' servers to probe now (an NFS NULL
// call, then a GETATTR of an export's root; the probe's own timeout is
// the policy's), OnProbe takes the outcome, and a server that misses them
// is down.
//
// Threading: one thread (the engine's). Ownership: views are values.
#ifndef AMD_AMD_NFS_STATS_H_
#define AMD_AMD_NFS_STATS_H_

#include <netinet/in.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failover/policy.h"
#include "failover/volume.h"
#include "kernel-shim/mountstats.h"

namespace amd {

class NfsStats {
 public:
  explicit NfsStats(failover::Policy policy = {}) : policy_(std::move(policy)) {}

  // One reading at `now`. `watched` maps the mount points amd is
  // responsible for (a node's mount point; NFS mounts at or below one
  // belong to it) to their amq node path. Returns what to log: records
  // that could not be read (each error once while it lasts).
  // `on_figures` gets each mount's figures of this interval (a replicated
  // volume's KernelVolumes entry takes them).
  using FiguresFn =
      std::function<void(const std::string& mount_point, const kernel::IoStatFigures&)>;
  std::vector<std::string> Update(std::string_view mountstats, std::string_view mountinfo,
                                  const std::map<std::string, std::string>& watched,
                                  failover::TimePoint now, const FiguresFn& on_figures = {});

  struct Probe {
    std::string mount_point;
    sockaddr_in server{};  // the NFS service (mountinfo's addr= and port=)
    uint32_t vers = 3;
    std::string device;       // server:/export, for a GETATTR of its root
    uint16_t mount_port = 0;  // mountinfo's mountport=, 0 when not shown
  };
  // The NULL probes to send now; each then has a probe in flight.
  std::vector<Probe> DueProbes(failover::TimePoint now);
  // A probe's outcome: its RTT, or nullopt (no answer within the policy's
  // probe_timeout, or an error).
  void OnProbe(const std::string& mount_point, std::optional<failover::Duration> rtt,
               failover::TimePoint now);
  failover::Duration probe_timeout() const { return policy_.probe_timeout; }

  struct View {
    std::string node;                                         // the amq node it belongs to
    std::string mount_point;                                  // the NFS mount
    std::string device;                                       // server:/export
    std::string health;                                       // up, degraded, down, probing
    std::optional<failover::Duration> short_term, long_term;  // metadata calls
    std::optional<failover::Duration> read_per_kib;           // READ RTT per KiB, short-term
    std::optional<failover::Duration> probe;                  // NULL probes, short-term
    double ops_per_s = 0;                                     // the last interval's, all ops
    double rtt_ms = 0, execute_ms = 0;                        // the last interval's, all ops
    uint64_t retrans = 0, timeouts = 0, errors = 0;           // since amd watched it
    uint64_t probes_failed = 0;
  };
  std::vector<View> Views() const;

 private:
  struct Entry {
    Entry(std::string n, const failover::Policy& p, failover::TimePoint now)
        : node(std::move(n)), volume({"kernel"}, p, now) {}
    std::string node;
    std::optional<kernel::NfsMountStats> last;
    std::optional<kernel::IoStatFigures> figures;
    sockaddr_in server{};
    uint32_t vers = 3;
    uint16_t mount_port = 0;
    failover::Volume volume;
    uint64_t retrans = 0, timeouts = 0, errors = 0;
    bool seen = false;  // in this reading
  };
  failover::Policy policy_;
  std::map<std::string, Entry> mounts_;  // by mount point
  std::vector<std::string> errors_;      // the last reading's
};

}  // namespace amd

#endif  // AMD_AMD_NFS_STATS_H_
