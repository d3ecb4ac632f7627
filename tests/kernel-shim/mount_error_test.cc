#include "kernel-shim/mount_error.h"

#include <catch2/catch.hpp>
#include <cerrno>

namespace amd::kernel {
namespace {

TEST_CASE("a file system the kernel lacks is named with what to do", "[unit]") {
  Status autofs = MountError("mount(autofs /home)", "autofs", ENODEV);
  CHECK(autofs.code() == std::errc::no_such_device);
  CHECK(autofs.ToString() ==
        "mount(autofs /home): No such device: this kernel has no autofs file system "
        "(CONFIG_AUTOFS_FS): "
        "load the autofs4 module (modprobe autofs4), or serve this map with mount_type = nfs");
  CHECK(MountError("mount(a:/x on /n/x, nfs)", "nfs", ENODEV).hint() ==
        "this kernel has no NFS client (CONFIG_NFS_FS): load the nfs module (modprobe nfs)");
  CHECK(MountError("m", "nfs4", ENODEV).hint() == MissingFileSystemHint("nfs"));
  CHECK(MountError("m", "xfs", ENODEV).hint() ==
        "this kernel has no xfs file system: load its module (modprobe xfs)");
}

TEST_CASE("other mount errors carry no hint", "[unit]") {
  Status busy = MountError("mount(autofs /home)", "autofs", EBUSY);
  CHECK(busy.hint().empty());
  CHECK(busy.ToString() == "mount(autofs /home): Device or resource busy");
  CHECK(MountError("mount(/a on /b)", "", ENODEV).hint().empty());  // a bind mount names no type
}

}  // namespace
}  // namespace amd::kernel
