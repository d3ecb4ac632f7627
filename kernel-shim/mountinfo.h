// /proc/self/mountinfo: the mount table as the kernel sees it (proc(5)).
// ParseMountInfo is pure; ReadMountInfo reads this process's table.
//
// Threading: any thread; ReadMountInfo blocks. Ownership: the entries returned
// are the caller's.
#ifndef AMD_KERNEL_SHIM_MOUNTINFO_H_
#define AMD_KERNEL_SHIM_MOUNTINFO_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace amd::kernel {

struct MountInfoEntry {
  int id = 0;
  int parent = 0;
  unsigned major = 0, minor = 0;
  std::string root;         // the root of the mount within its file system
  std::string mount_point;  // octal escapes (\040) decoded
  std::string options;      // per-mount options
  std::string fstype;
  std::string source;
  std::string super_options;
};

// A field of mountinfo or mountstats with its octal escapes (\040 for a
// space) decoded.
std::string UnescapeMountField(std::string_view s);

// Lines that do not parse are skipped.
std::vector<MountInfoEntry> ParseMountInfo(std::string_view text);
Result<std::vector<MountInfoEntry>> ReadMountInfo();

// Entries mounted at `dir` or below it, deepest first (the order to
// unmount them in).
std::vector<MountInfoEntry> MountsUnder(const std::vector<MountInfoEntry>& table,
                                        const std::string& dir);

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_MOUNTINFO_H_
