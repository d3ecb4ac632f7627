// amq's output, byte for byte as am-utils 6.2's amq prints it (reference
// section 6.3), from the decoded AMQ results; and the same as JSON for
// scripts (--json). Pure: no I/O.
//
// Threading: any thread. Ownership: text returned is the caller's.
#ifndef AMD_AMQ_AMQ_FORMAT_H_
#define AMD_AMQ_AMQ_FORMAT_H_

#include <string>

#include "rpc/amq_prot.h"

namespace amd::amq {

// The default listing (EXPORT): directory, type, mount info, mount point.
std::string FormatTree(const amq_mount_tree_list& list);
// `amq dir` (MNTTREE): per-node statistics under a "What" header.
std::string FormatStats(const amq_mount_tree* tree);
// amq -m (GETMNTFS).
std::string FormatMounts(const amq_mount_info_list& list);
// amq -s (STATS).
std::string FormatGlobalStats(const amq_mount_stats& s);
// amq -i (GETMAPINFO).
std::string FormatMaps(const amq_map_info_list& list);
// MM/DD/YYYY HH:MM:SS in local time.
std::string FormatTime(int seconds);
// amq -w: `cwd` rewritten through the tree's nodes (the original's
// show_pwd, to a fixed point).
std::string TranslatePath(const amq_mount_tree_list& list, std::string cwd);

// amq --mount-stats (version 2): per mount, how long mounting took and how
// many kernel requests it answered.
// `nfs` (nullptr from an amd without it): each NFS mount's response
// times, a second table (text) or an "nfs" array in its node's object
// (JSON).
std::string FormatMountStats(const amq2_mount_stats_list& list,
                             const amq2_nfs_stats_list* nfs = nullptr);
std::string MountStatsJson(const amq2_mount_stats_list& list,
                           const amq2_nfs_stats_list* nfs = nullptr);
// --replicas: the relays' states (AMQ2PROC_REPLICAS's JSON array) as a
// listing; "" when `json` does not parse.
std::string FormatReplicas(const std::string& json);

std::string TreeJson(const amq_mount_tree_list& list);
std::string StatsJson(const amq_mount_tree* tree);
std::string MountsJson(const amq_mount_info_list& list);
std::string GlobalStatsJson(const amq_mount_stats& s);
std::string MapsJson(const amq_map_info_list& list);

}  // namespace amd::amq

#endif  // AMD_AMQ_AMQ_FORMAT_H_
