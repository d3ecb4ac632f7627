// Policy: the numbers the failover decisions are made with, per replicated
// volume. The defaults meet the product's bars (DESIGN.md): a dead or hung
// replica left within 2 s, a 5x slower one within 15 s, a 1.5x slower one
// kept, no flapping between equal replicas, and a return to the preferred
// replica only after it has been well for a while. A policy file
// (policy_file.h) may set any of them, for every volume or for one.
//
// A value type; any thread.
#ifndef AMD_FAILOVER_POLICY_H_
#define AMD_FAILOVER_POLICY_H_

#include <chrono>
#include <cstddef>
#include <string>

namespace amd::failover {

using Duration = std::chrono::microseconds;

struct Policy {
  // Estimates. The short-term estimate is the median of the last
  // `short_window` samples; the long-term one an average that moves by
  // 1/`long_weight` of each sample, a sample counted at most
  // `outlier_cap` times the long-term estimate (one stray RPC moves it
  // little).
  size_t short_window = 8;
  double long_weight = 64;
  double outlier_cap = 3;
  // RPC timeout (RFC 6298): SRTT + 4 RTTVAR, within these bounds, doubled
  // after each timeout until a call completes.
  Duration min_rto = std::chrono::milliseconds(150);
  Duration max_rto = std::chrono::seconds(10);
  Duration initial_rto = std::chrono::seconds(1);
  // Health. A replica is down after `down_after` timeouts in a row, or at
  // once on a connection error; degraded when its short-term metadata
  // estimate is over `degraded_ratio` times its long-term one and at least
  // `degraded_margin` more (a replica that was fast and became slow); up
  // again under `recovered_ratio` times.
  int down_after = 2;
  double degraded_ratio = 3;
  Duration degraded_margin = std::chrono::milliseconds(2);
  double recovered_ratio = 1.5;
  // Switching. Away from a down replica at once, to the best one up. Away
  // from a slow one when a candidate's metadata estimate, or its read
  // cost per KiB, has been under 1/`switch_ratio` of the current one's,
  // and at least `switch_margin` less (for reads: over a probe read),
  // for `slow_hold` (a pause of a few calls is not slowness), and no
  // sooner than `min_dwell` after the last switch. Back to the preferred replica
  // (the map's first) once it has been up for `return_dwell` and is no
  // slower than the current one by more than `return_tolerance`.
  double switch_ratio = 2;
  Duration switch_margin = std::chrono::milliseconds(1);
  Duration slow_hold = std::chrono::seconds(2);
  Duration min_dwell = std::chrono::seconds(10);
  Duration return_dwell = std::chrono::seconds(60);
  double return_tolerance = 1.25;
  // Probes of every replica (NULL, then GETATTR of the volume root, then
  // while files are open a read of `probe_read_bytes` of the largest
  // one, in four reads at once): every `probe_interval` while all is
  // well, every `urgent_probe_interval` while the current one is
  // degraded, down, or reads slower than another; a probe not answered
  // within `probe_timeout` failed (a read that takes longer counts as
  // taking that long).
  Duration probe_interval = std::chrono::seconds(2);
  Duration urgent_probe_interval = std::chrono::milliseconds(250);
  Duration probe_timeout = std::chrono::seconds(1);
  uint64_t probe_read_bytes = 1 << 20;
  // Hedging: a call to the current replica still unanswered after
  // `hedge_ratio` times its expected time (the RTO's smoothed part), and
  // at least `hedge_after`, is sent to the best other replica too, and
  // the first answer is taken. 0: never.
  double hedge_ratio = 4;
  Duration hedge_after = std::chrono::milliseconds(20);
  // Validation: a file at the volume's root whose contents (a number) is
  // its revision; a replica with a lower one is never used, nor one
  // without the file when the current replica has it. Empty: none.
  std::string revision_file = ".amd-revision";
  // Discovery by RLP (Who-Provides? on the local networks, Do-You-Provide?
  // to `rlp_hosts`): when the volume is mounted, when the current replica
  // is degraded or down, and every `discover_interval` (0: never).
  bool discover_at_mount = true;
  bool discover_on_degraded = true;
  Duration discover_interval = std::chrono::minutes(10);
  // The kernel data path (datapath:=kernel): a replica's mount left by a
  // switch stays for processes that hold files on it; after this long it
  // is unmounted, forced when its server is down (blocked readers then
  // get EIO), lazily where it is still busy.
  Duration unmount_grace = std::chrono::seconds(10);
  // The kernel data path sees no calls of its own as they happen: the
  // replica in use is probed every `kernel_probe_interval`, each probe
  // timing out after its RTO (within min_rto and probe_timeout), so a
  // dead or hung server is found within about two of them.
  Duration kernel_probe_interval = std::chrono::milliseconds(500);
  // How long the kernel may cache names and attributes (the volume is
  // read-only; a new revision shows after this).
  Duration attr_timeout = std::chrono::seconds(30);
};

}  // namespace amd::failover

#endif  // AMD_FAILOVER_POLICY_H_
