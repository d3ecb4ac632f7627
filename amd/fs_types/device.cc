// The device types (ufs, xfs, ext2-4, cdfs, pcfs, tmpfs, udf) and lustre: a mount of
// dev with the kernel file system LinuxFsType names.
#include "amd/fs_types/types.h"
#include "amd/linux_mount_options.h"
#include "maps/variables.h"

namespace amd::fs_types {

Status MountDevice(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  auto fstype = LinuxFsType(loc.effective_type);
  if (!fstype) return Refuse(run, node, loc);
  std::string dev(loc.options.Value(maps::Option::kDev));
  KernelMountOptions k = SplitMountOptions(loc.options.Value(maps::Option::kOpts));
  return run.MountThenShow(node, loc, [&](const std::string& dir) {
    return run.Mount(dev, dir, *fstype, k.flags, k.data);
  });
}

}  // namespace amd::fs_types
