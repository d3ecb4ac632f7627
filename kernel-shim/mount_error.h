// MountError: the Status of a failed mount(2), with what an admin can do
// about it where the kernel lacks the file system (ENODEV): "this kernel
// has no autofs file system (CONFIG_AUTOFS_FS): load the autofs4 module,
// ...". Pure; any thread.
//
// Ownership: the Status returned is the caller's.
#ifndef AMD_KERNEL_SHIM_MOUNT_ERROR_H_
#define AMD_KERNEL_SHIM_MOUNT_ERROR_H_

#include <string>

#include "base/status.h"

namespace amd::kernel {

// The Status for mount(2) of `fstype` that failed with errno `err`, in
// `context` ("mount(autofs /home)").
Status MountError(std::string context, const std::string& fstype, int err);

// What to say when the kernel has no `fstype` file system.
std::string MissingFileSystemHint(const std::string& fstype);

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_MOUNT_ERROR_H_
