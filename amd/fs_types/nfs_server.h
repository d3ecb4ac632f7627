// What the NFS types (nfs.cc, host.cc) share: the file server a location
// names, resolved, and one kernel NFS mount with what its failures mean.
// Worker threads.
//
// Ownership: values returned are the caller's.
#ifndef AMD_AMD_FS_TYPES_NFS_SERVER_H_
#define AMD_AMD_FS_TYPES_NFS_SERVER_H_

#include <cstdint>
#include <string>

#include "amd/linux_mount_options.h"
#include "amd/mount_run.h"

namespace amd::fs_types {

// The file server of an NFS location: its name, address and the options
// chosen for it (opts or remopts).
struct NfsServer {
  std::string rhost;
  uint32_t address = 0;
  std::string options;
};
Result<NfsServer> ResolveServer(const MountRun& run, const maps::LocationResult& loc,
                                const char* type);

// One kernel NFS mount at `dir` (a kernel without an NFS client is said
// by the kernel shim).
Status MountNfsAt(MountRun& run, const NfsMount& nfs, const std::string& dir);

}  // namespace amd::fs_types

#endif  // AMD_AMD_FS_TYPES_NFS_SERVER_H_
