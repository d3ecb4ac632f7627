#include "amd/linux_mount_options.h"

#include <sys/mount.h>

#include <catch2/catch.hpp>

namespace amd {
namespace {

TEST_CASE("opts become MS_ flags and a data string, amd's own options are dropped", "[unit]") {
  auto k =
      SplitMountOptions("rw,nosuid,nodev,grpid,ping=30,utimeout=60,size=10m,defaults,browsable");
  CHECK(k.flags == (MS_NOSUID | MS_NODEV));
  CHECK(k.data == "grpid,size=10m");
  auto ro = SplitMountOptions("ro,noexec,sync,noatime");
  CHECK(ro.flags == (MS_RDONLY | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME));
  CHECK(ro.data.empty());
  CHECK(SplitMountOptions("ro,rw").flags == 0);  // the last one wins
}

TEST_CASE("amd's mount policy options", "[unit]") {
  auto p = ReadAmdMountPolicy("rw,utimeout=120,unmount");
  CHECK(p.utimeout == 120);
  CHECK(p.unmount);
  CHECK_FALSE(p.nounmount);
  CHECK(ReadAmdMountPolicy("nounmount").nounmount);
  CHECK_FALSE(ReadAmdMountPolicy("utimeout=x").utimeout);
}

TEST_CASE("Amd types map to Linux file system types", "[unit]") {
  CHECK(LinuxFsType("ufs") == "ext4");
  CHECK(LinuxFsType("ext3") == "ext3");
  CHECK(LinuxFsType("cdfs") == "iso9660");
  CHECK(LinuxFsType("pcfs") == "vfat");
  CHECK(LinuxFsType("udf") == "udf");
  CHECK(LinuxFsType("tmpfs") == "tmpfs");
  CHECK_FALSE(LinuxFsType("link"));
  CHECK_FALSE(LinuxFsType("nfs"));
}

TEST_CASE("program commands split on spaces, single quotes group and stay", "[unit]") {
  CHECK(SplitProgramCommand("/bin/mount mount -t tmpfs x /a") ==
        std::vector<std::string>{"/bin/mount", "mount", "-t", "tmpfs", "x", "/a"});
  CHECK(SplitProgramCommand("/p p 'a b'  c") == std::vector<std::string>{"/p", "p", "'a b'", "c"});
  CHECK(SplitProgramCommand("/p p x'y z'w") == std::vector<std::string>{"/p", "p", "x'y z'w"});
  CHECK(SplitProgramCommand("  ").empty());
}

TEST_CASE("NFS mount options for the kernel client", "[unit]") {
  auto m = BuildNfsMount("charm", "/home/charm", "rw,soft,timeo=14,retrans=3,intr,ping=10",
                         0xc0a80109, "", "");
  CHECK(m.source == "charm:/home/charm");
  CHECK(m.fstype == "nfs");
  CHECK(m.flags == 0);
  CHECK(m.data == "vers=3,proto=tcp,soft,timeo=14,retrans=3,intr,addr=192.168.1.9,nolock");
  auto v = BuildNfsMount("h", "/x", "ro,vers=4,proto=tcp,port=2049", 0x7f000001, "", "");
  CHECK(v.fstype == "nfs4");
  CHECK(v.flags == MS_RDONLY);
  CHECK(v.data == "vers=4,proto=tcp,port=2049,addr=127.0.0.1");
  auto old = BuildNfsMount("h", "/x", "nfsv2,mountport=635", 0x7f000001, "", "");
  CHECK(old.data == "vers=2,proto=udp,mountport=635,addr=127.0.0.1,nolock");
  // amd.conf nfs_vers / nfs_proto override the map.
  auto forced = BuildNfsMount("h", "/x", "vers=2,proto=udp,lock", 0x7f000001, "3", "tcp");
  CHECK(forced.data == "vers=3,proto=tcp,lock,addr=127.0.0.1");
}

}  // namespace
}  // namespace amd
