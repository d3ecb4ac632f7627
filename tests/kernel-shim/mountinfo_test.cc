#include "kernel-shim/mountinfo.h"

#include <catch2/catch.hpp>

namespace amd::kernel {
namespace {

constexpr char kTable[] =
    "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "40 22 0:35 / /home rw,relatime shared:20 - autofs amd rw,fd=5,pgrp=7,timeout=300,"
    "minproto=5,maxproto=5,indirect\n"
    "41 40 0:21 /srv/jsp /home/jsp rw - ext4 /dev/vda1 rw\n"
    "42 40 0:36 / /home/with\\040space rw - tmpfs tmpfs rw\n"
    "43 41 0:37 / /home/jsp/sub rw - tmpfs tmpfs rw\n"
    "garbage line\n"
    "44 22 0:38 / /homeless rw - tmpfs tmpfs rw\n";

TEST_CASE("mountinfo lines parse, octal escapes decoded", "[unit]") {
  auto t = ParseMountInfo(kTable);
  REQUIRE(t.size() == 6);
  CHECK(t[1].fstype == "autofs");
  CHECK(t[1].source == "amd");
  CHECK(t[1].mount_point == "/home");
  CHECK(t[1].super_options.find("indirect") != std::string::npos);
  CHECK(t[2].root == "/srv/jsp");
  CHECK(t[3].mount_point == "/home/with space");
  CHECK(t[1].major == 0);
  CHECK(t[1].minor == 35);
}

TEST_CASE("mounts under a directory, deepest first", "[unit]") {
  auto under = MountsUnder(ParseMountInfo(kTable), "/home");
  REQUIRE(under.size() == 4);
  CHECK(under[0].mount_point == "/home/with space");
  CHECK(under[1].mount_point == "/home/jsp/sub");
  CHECK(under.back().mount_point == "/home");
}

TEST_CASE("this process's mountinfo reads", "[unit]") {
  auto t = ReadMountInfo();
  REQUIRE(t.ok());
  CHECK_FALSE(t->empty());
}

}  // namespace
}  // namespace amd::kernel
