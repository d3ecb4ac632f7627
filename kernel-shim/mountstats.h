// /proc/self/mountstats: the NFS client's counters of each NFS mount
// (fs/nfs/super.c nfs_show_stats, net/sunrpc/stats.c), and the figures
// nfs-utils' nfsiostat derives from two samples of them.
//
// ParseMountStats is pure: every NFS mount's record (statvers 1.x; per-op
// lines of 8 fields, or 9 with the error count of RPC iostats 1.1), other
// mounts skipped; a record it cannot read is left out and named, with its
// line, in the errors. IoStat takes the difference of two samples of one
// mount as nfsiostat does: per op, ops/s, kB/s, kB/op, retransmissions
// (transmissions less ops), average RTT, execute and queue time per op (ms),
// major timeouts and errors; per class (LOOKUP+GETATTR+ACCESS, READ, the
// rest) the same sums; the RPC sends and backlog of the transport.
//
// Threading: any thread; ReadMountStats blocks. Ownership: values.
#ifndef AMD_KERNEL_SHIM_MOUNTSTATS_H_
#define AMD_KERNEL_SHIM_MOUNTSTATS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace amd::kernel {

// One operation's counters (include/linux/sunrpc/metrics.h): cumulative
// since the mount, times in milliseconds.
struct RpcOpCounters {
  uint64_t ops = 0;         // completed
  uint64_t ntrans = 0;      // transmissions (>= ops)
  uint64_t timeouts = 0;    // major timeouts
  uint64_t bytes_sent = 0;  // RPC headers included
  uint64_t bytes_recv = 0;
  uint64_t queue_ms = 0;    // backlog wait
  uint64_t rtt_ms = 0;      // reply less last transmission
  uint64_t execute_ms = 0;  // completion less start
  uint64_t errors = 0;      // ops that ended in an error (9-field lines only)
};

struct NfsMountStats {
  std::string device;                          // "server:/export"
  std::string mount_point;                     // escapes decoded
  std::string fstype;                          // "nfs" or "nfs4"
  std::string statvers;                        // "1.1"
  std::string options;                         // the "opts:" line
  uint64_t age = 0;                            // seconds since the mount
  std::string iostats_version;                 // "RPC iostats version"
  std::string protocol;                        // the transport: tcp, udp, rdma
  uint64_t sends = 0, recvs = 0, backlog = 0;  // xprt: RPCs sent, replies, backlog use
  bool has_errors = false;                     // per-op lines had 9 fields
  std::map<std::string, RpcOpCounters> ops;    // by op name: "READ", "GETATTR"
};

struct MountStatsTable {
  std::vector<NfsMountStats> mounts;  // in the file's order
  std::vector<std::string> errors;    // "line N: ..." for records left out
};

MountStatsTable ParseMountStats(std::string_view text);
// The file's text (it is read at once; the kernel makes it as it is read).
Result<std::string> ReadMountStats(const std::string& path = "/proc/self/mountstats");

// What nfsiostat prints for one op (or a sum of ops) over an interval.
struct OpFigures {
  uint64_t ops = 0, retrans = 0, timeouts = 0, errors = 0;
  double ops_per_s = 0, kib_per_s = 0, kib_per_op = 0;
  double rtt_ms = 0, execute_ms = 0, queue_ms = 0;  // averages per op (0 without ops)
  double kib_recv = 0;                              // received, for a cost per KiB
};

struct IoStatFigures {
  double seconds = 0;  // the interval
  double sends_per_s = 0, backlog = 0;
  std::map<std::string, OpFigures> ops;  // every op with a difference
  OpFigures metadata;                    // LOOKUP, GETATTR and ACCESS together
  OpFigures read;                        // READ
  OpFigures other;                       // every other op
  bool has_errors = false;
};

// `before` and `after` are two samples of one mount, `seconds` apart
// (nfsiostat: the difference of their ages when 0; at least 1). nullopt
// when a counter went back (another superblock: a new mount).
std::optional<IoStatFigures> IoStat(const NfsMountStats& before, const NfsMountStats& after,
                                    double seconds = 0);
// The figures of one op's (or class's) counter difference.
OpFigures Figures(const RpcOpCounters& delta, double seconds);

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_MOUNTSTATS_H_
