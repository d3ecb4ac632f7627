// Volume: the failover decisions for one replicated volume, sans I/O and
// driven by the caller's clock (like rlp::Query). The data path (the FUSE
// relay, or the kernel mount's statistics and probes) tells it what each
// call and probe took; it keeps per replica
//   - short- and long-term estimates of metadata calls and of the read
//     cost per KiB, apart (estimator.h). The read cost is measured the same
//     way on every replica by the probes' reads, and on the current one
//     also from its own reads (the time reads were in flight per KiB
//     read); metadata calls made while reads were in flight measure the
//     load as much as the replica, and feed the timeout only;
//   - an RPC timeout from those samples, in the manner of RFC 6298;
//   - a health state: up, degraded (slower than it was), down (timeouts in
//     a row, or a connection error), probing (down, a probe in flight);
// and says which replicas to probe now (DueProbes) and, at each Tick,
// whether to switch and why, with the numbers. Switches never flap: away
// from a down replica at once; away from a slow one only to one at least
// switch_ratio faster (in metadata or in reads) for slow_hold, and no
// sooner than min_dwell after the last; back to
// the preferred replica (the map's first) only after it has been up for
// return_dwell (policy.h).
//
// Validation of a candidate (same volume, revision, open files) is the
// data path's: it reports a candidate that fails with Reject, and the next
// Tick picks another.
//
// Threading: one thread at a time (its owner's). Ownership: views and
// switches returned are the caller's values.
#ifndef AMD_FAILOVER_VOLUME_H_
#define AMD_FAILOVER_VOLUME_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "failover/estimator.h"
#include "failover/policy.h"

namespace amd::failover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class Health { kUp, kDegraded, kDown, kProbing };
const char* HealthName(Health h);

enum class Work { kMetadata, kRead };

struct Switch {
  size_t from = 0, to = 0;
  TimePoint at;
  std::string reason;  // with its numbers: "down: 2 timeouts in a row (RTO 150 ms)"
};

struct ReplicaView {
  std::string name;
  Health health = Health::kUp;
  std::optional<Duration> metadata_short, metadata_long;
  std::optional<Duration> read_cost;   // per KiB, what decisions go by (ReadCost)
  std::optional<Duration> read_probe;  // per KiB, the probes' reads, short-term
  std::optional<Duration> read_live;   // per KiB, its own reads, short-term
  std::optional<Duration> probe;       // short-term probe RTT
  Duration rto{0};
  uint64_t calls = 0, timeouts = 0, errors = 0, probes_failed = 0;
  std::string rejected;  // why it failed validation; empty when it did not
};

class Volume {
 public:
  // `replicas` in the map's order (the first is the preferred one);
  // `current` is the one mounted first.
  Volume(std::vector<std::string> replicas, Policy policy, TimePoint now, size_t current = 0);

  // A call to `replica` completed in `rtt` (`bytes` read, for kRead).
  // `loaded`: reads were in flight at the replica meanwhile (a metadata
  // call's time then counts for the timeout, not the estimates).
  void OnCall(size_t replica, Work work, Duration rtt, uint64_t bytes, TimePoint now,
              bool loaded = false);
  // A call to `replica` was not answered within Rto(replica).
  void OnTimeout(size_t replica, TimePoint now);
  // A call or probe to `replica` met a connection error (refused, reset,
  // unreachable): it is down at once.
  void OnError(size_t replica, TimePoint now);
  // The replicas to probe now (each then has a probe in flight).
  std::vector<size_t> DueProbes(TimePoint now);
  // The kernel data path: the current replica is probed every
  // kernel_probe_interval (and again at once after a failed probe), with
  // ProbeTimeout's shorter timeouts; its own calls come as one sample
  // per `calls_every` (an interval of the kernel's counters), and the
  // latest says whether they agree that it is slow.
  void WatchCurrent(Duration calls_every) {
    watch_current_ = true;
    calls_every_ = calls_every;
  }
  // How long a probe of `replica` may take: probe_timeout, or when
  // watching the replica's RTO within min_rto and probe_timeout.
  Duration ProbeTimeout(size_t replica) const;
  // A probe's outcome: its RTT, or nullopt when it failed or took longer
  // than probe_timeout; `loaded` as for OnCall.
  void OnProbe(size_t replica, std::optional<Duration> rtt, TimePoint now, bool loaded = false);
  // A probe's read: `bytes` of the probe file (the same on every
  // replica), read in `took`.
  void OnProbeRead(size_t replica, Duration took, uint64_t bytes, TimePoint now);
  // A candidate failed validation (another volume, an older revision, an
  // open file that differs): not chosen again until it is down and back.
  void Reject(size_t replica, const std::string& why, TimePoint now);
  // The switch Tick or Force just made failed validation: it is undone
  // (current() is its origin again, as if it had not been made) and its
  // target rejected; the next Tick tries the next candidate.
  void Undo(const Switch& s, const std::string& why, TimePoint now);
  // The policy read again: its numbers apply from now on, to what has
  // been measured so far.
  void SetPolicy(const Policy& policy);
  const Policy& policy() const { return policy_; }
  // A replica found after start (RLP): its index. Probed before use.
  size_t Add(std::string name, TimePoint now);

  // The decision at `now`: a switch (already made: current() is its
  // target), or nothing.
  std::optional<Switch> Tick(TimePoint now);
  // amq: a switch to `target`, or to the best replica when nullopt; an
  // error (and no switch) when that one is not up, or is the current one.
  Result<Switch> Force(std::optional<size_t> target, TimePoint now);

  size_t current() const { return current_; }
  size_t size() const { return replicas_.size(); }
  // How long a call of `work` (reading `bytes`) to `replica` is expected
  // to take: its long-term estimate (the short-term one before there is
  // a long-term one); nullopt before any sample.
  std::optional<Duration> Expected(size_t replica, Work work, uint64_t bytes) const;
  // When to hedge such a call (send a copy to another replica): after
  // hedge_ratio times the expected time, at least hedge_after; nullopt
  // when hedging is off or nothing is expected yet.
  std::optional<Duration> HedgeDelay(size_t replica, Work work, uint64_t bytes) const;
  // The timeout for the next call to `replica`.
  Duration Rto(size_t replica) const { return replicas_[replica].rto.value(); }
  Health health(size_t replica) const { return replicas_[replica].health; }
  // The metadata estimate the decisions go by: the short-term probe RTT,
  // the same work on every replica (the current one's calls depend on
  // what is asked, and on its load; when they are slower than another
  // replica's probes, probes come more often).
  std::optional<Duration> Estimate(size_t replica) const;
  // The read cost per KiB that the decisions go by: the short-term
  // estimate of the probes' reads, or for the current one the lower of
  // that and its own reads' (each is at least what the replica can do:
  // its own reads may be few and small, and a probe of it competes with
  // them).
  std::optional<Duration> ReadCost(size_t replica) const;
  // Every replica but the current one that is up, fastest first (the
  // metadata estimate plus the read cost of a probe read).
  std::vector<size_t> Ranked() const;
  std::vector<ReplicaView> View() const;
  const std::deque<Switch>& history() const { return history_; }
  uint64_t switches() const { return switches_; }

 private:
  struct Replica {
    Replica(std::string n, const Policy& p);
    std::string name;
    Health health = Health::kUp;
    RttEstimator metadata, read_call, read_live, read_probe, probe;
    // The union of this replica's read intervals since the last
    // read_live sample: its length, the bytes in it, and its end.
    Duration busy{0};
    uint64_t busy_bytes = 0;
    std::optional<TimePoint> busy_until;
    TimePoint last_live;      // read_live's newest sample
    TimePoint last_metadata;  // metadata's newest sample
    failover::Rto rto;
    int failures_in_row = 0;  // timeouts and failed probes
    bool probe_in_flight = false;
    bool rejected = false;
    std::string rejected_why;
    TimePoint next_probe;
    TimePoint up_since;
    uint64_t calls = 0, timeouts = 0, errors = 0, probes_failed = 0;
    std::optional<TimePoint> last_backoff;
  };
  void Fail(size_t replica, TimePoint now);
  void MarkDown(size_t replica, TimePoint now);
  void MarkUp(size_t replica, TimePoint now);
  void UpdateDegraded(Replica& r);
  void AddReadInterval(Replica& r, Duration rtt, uint64_t bytes, TimePoint now);
  // The time of a probe (its metadata estimate and its read).
  std::optional<Duration> Score(size_t replica) const;
  std::optional<size_t> Best() const;
  Switch SwitchTo(size_t to, TimePoint now, std::string reason);

  Policy policy_;
  std::vector<Replica> replicas_;
  size_t current_;
  std::optional<TimePoint> last_switch_, previous_switch_;
  std::optional<TimePoint> slow_since_;  // since when a candidate is switch_ratio faster
  bool watch_current_ = false;
  Duration calls_every_{0};
  bool suspect_ = false;        // the current one's own reads are that much slower
  std::deque<Switch> history_;  // the last 16
  uint64_t switches_ = 0;
};

}  // namespace amd::failover

#endif  // AMD_FAILOVER_VOLUME_H_
