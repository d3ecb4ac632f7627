// How an Amd location becomes mount(2) arguments on Linux. Pure functions:
//  - SplitMountOptions: an opts string into MS_* flags and the data string
//    (amd's own options such as ping= or utimeout= removed);
//  - LinuxFsType: the kernel's name for an Amd type (ufs -> ext4, ...);
//  - SplitProgramCommand: a mount:=/unmount:= command as the original
//    splits it (spaces; single quotes group words but are kept);
//  - BuildNfsMount: source, type and text options for a kernel NFS mount.
#ifndef AMD_AMD_LINUX_MOUNT_OPTIONS_H_
#define AMD_AMD_LINUX_MOUNT_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "maps/variables.h"

namespace amd {

struct KernelMountOptions {
  unsigned long flags = 0;  // MS_RDONLY, MS_NOSUID, ...
  std::string data;         // what the file system parses
};

KernelMountOptions SplitMountOptions(std::string_view opts);

// True for options amd interprets itself and never passes to the kernel.
bool IsAmdOnlyOption(std::string_view name);

// Options that change how amd treats the mount.
struct AmdMountPolicy {
  std::optional<long> utimeout;  // utimeout=N
  bool unmount = false;          // "unmount"/"umount": allow expiry
  bool nounmount = false;        // "nounmount"/"noumount": never expire
};
AmdMountPolicy ReadAmdMountPolicy(std::string_view opts);

// The Linux file system type for an Amd device or local type; nullopt for
// types that are not mount(2) file systems (link, auto, program...).
std::optional<std::string> LinuxFsType(std::string_view amd_type);

std::vector<std::string> SplitProgramCommand(std::string_view command);

struct NfsMount {
  std::string source;  // host:/path
  std::string fstype;  // "nfs" or "nfs4"
  std::string data;    // vers=3,proto=tcp,addr=...,...
  unsigned long flags = 0;
};
// `options` is the chosen opts or remopts; `address` rhost's IPv4 address
// (host byte order). nfs_vers / nfs_proto (amd.conf) override, when set.
NfsMount BuildNfsMount(std::string_view rhost, std::string_view rfs, std::string_view options,
                       uint32_t address, std::string_view nfs_vers, std::string_view nfs_proto);

}  // namespace amd

#endif  // AMD_AMD_LINUX_MOUNT_OPTIONS_H_
