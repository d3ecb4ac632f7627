#include "maps/mount_options.h"

#include <catch2/catch.hpp>

namespace amd::maps {
namespace {

TEST_CASE("addopts merge, the manual's example", "[unit]") {
  CHECK(MergeMountOptions("rw,nosuid,intr,rsize=1024,wsize=1024,quota,posix",
                          "grpid,suid,ro,rsize=2048,quota,nointr") ==
        "wsize=1024,posix,grpid,suid,ro,rsize=2048,quota,nointr");
  CHECK(MergeMountOptions("", "ro") == "ro");
  CHECK(MergeMountOptions("soft,bg", "hard,fg") == "hard,fg");
}

TEST_CASE("option inverses and look-ups", "[unit]") {
  CHECK(ReverseOption("nosuid") == "suid");
  CHECK(ReverseOption("quota") == "noquota");
  CHECK(ReverseOption("ro") == "rw");
  CHECK(HasMountOption("rw,port=20049", "port"));
  CHECK_FALSE(HasMountOption("rw,noport", "port"));
  CHECK(MountOptionValue("vers=3,proto=tcp", "proto") == "tcp");
  CHECK_FALSE(MountOptionValue("vers=3", "proto"));
}

}  // namespace
}  // namespace amd::maps
