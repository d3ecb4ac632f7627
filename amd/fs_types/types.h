// The mount function of each type in amd/fs_types/, for the table
// (table.cc). One file per type; see amd/fs_type.h.
//
// Threading: worker threads (each function mounts; see amd/fs_type.h).
// Ownership: steps recorded in the MountRun the caller owns.
#ifndef AMD_AMD_FS_TYPES_TYPES_H_
#define AMD_AMD_FS_TYPES_TYPES_H_

#include "amd/fs_type.h"

namespace amd::fs_types {

using MountFn = Status(MountRun& run, const std::string& node, const maps::LocationResult& loc);

MountFn MountLink;        // link.cc: link, linkx
MountFn MountLofs;        // lofs.cc
MountFn MountDevice;      // device.cc: ufs, xfs, ext2-4, cdfs, pcfs, tmpfs, udf, lustre
MountFn MountProgram;     // program.cc
MountFn MountNfs;         // nfs.cc
MountFn MountReplicated;  // replicated.cc: nfs, and replicated volumes (volume:=)
MountFn MountHost;        // host.cc
MountFn MountByEngine;    // auto.cc: auto, direct, toplvl (the engine makes the point)
MountFn Refuse;           // refused.cc: error, union, nfsx

}  // namespace amd::fs_types

namespace amd {
// Where amd-relay answers for the relay mounted on `dir` (replicated.cc):
// a socket in RelayDirectory() ($AMD_RELAY_DIR, else /run/amd/relay).
std::string RelayDirectory();
std::string RelaySocket(const std::string& dir);
// A name for a mount point in amd's own directories: 16 hex digits of
// its FNV-1a hash.
std::string MountPointHash(const std::string& dir);
bool KernelHasFuse();
}  // namespace amd

#endif  // AMD_AMD_FS_TYPES_TYPES_H_
