// The hints for file systems a kernel lacks. mount(2) says ENODEV when the
// type is neither built in nor loadable; the admin's remedies differ per
// type, so each of amd's two front ends names the other as the way out.
#include "kernel-shim/mount_error.h"

#include <cerrno>

namespace amd::kernel {

std::string MissingFileSystemHint(const std::string& fstype) {
  if (fstype == "autofs") {
    return "this kernel has no autofs file system (CONFIG_AUTOFS_FS): load the autofs4 module "
           "(modprobe autofs4), or serve this map with mount_type = nfs";
  }
  if (fstype == "nfs" || fstype == "nfs4") {
    return "this kernel has no NFS client (CONFIG_NFS_FS): load the nfs module (modprobe nfs)";
  }
  return "this kernel has no " + fstype + " file system: load its module (modprobe " + fstype + ")";
}

Status MountError(std::string context, const std::string& fstype, int err) {
  Status st = Status::FromErrno(std::move(context), err);
  if (err == ENODEV && !fstype.empty())
    return std::move(st).WithHint(MissingFileSystemHint(fstype));
  return st;
}

}  // namespace amd::kernel
