// Swapping a replicated volume's kernel mount (amd/mount_swap.h) with real
// mounts in this test's private mount namespace: tmpfs stands in for two
// replicas' NFS mounts (this host has no NFS client; the forced unmount
// of a dead server's mount is the kernel lab's to show).
#include "amd/mount_swap.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/amd_daemon.h"

namespace amd::testing {
namespace {

struct Replicas {
  TempDir dir;
  std::string key = dir.path() + "/key", staging = dir.path() + "/staging",
              retired = dir.path() + "/retired";
  kernel::SystemKernel kernel;
  Replicas() {
    for (const auto& d : {key, staging, retired}) std::filesystem::create_directories(d);
    REQUIRE(::mount("old", key.c_str(), "tmpfs", 0, "size=1m") == 0);
    std::ofstream(key + "/file") << "old replica";
    REQUIRE(::mount("new", staging.c_str(), "tmpfs", 0, "size=1m") == 0);
    std::ofstream(staging + "/file") << "new replica";
  }
  ~Replicas() {
    for (int i = 0; i < 3; ++i) {
      for (const auto& d : {key, staging, retired}) ::umount2(d.c_str(), MNT_DETACH);
    }
  }
};

std::string ReadFd(int fd) {
  char buf[64] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_CASE("mount swap: the new replica takes the key, open files keep the old one", "[root]") {
  Replicas r;
  int held = ::open((r.key + "/file").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  REQUIRE(ReplaceMount(r.kernel, r.key, r.staging, r.retired).ok());
  CHECK(ReadText(r.key + "/file") == "new replica");  // new lookups
  CHECK(ReadFd(held) == "old replica");               // an open file
  CHECK(IsMountPoint(r.retired));
  CHECK_FALSE(IsMountPoint(r.staging));
  // Busy: it is detached, and the open file still reads.
  auto how = Retire(r.kernel, r.retired, false);
  REQUIRE(how.ok());
  CHECK(*how == Retired::kDetached);
  CHECK_FALSE(IsMountPoint(r.retired));
  CHECK(ReadFd(held) == "old replica");
  ::close(held);
}

TEST_CASE("mount swap: an unused retired mount is unmounted, forced when its server is dead",
          "[root]") {
  Replicas r;
  REQUIRE(ReplaceMount(r.kernel, r.key, r.staging, r.retired).ok());
  auto how = Retire(r.kernel, r.retired, true);
  REQUIRE(how.ok());
  CHECK(*how == Retired::kForced);
  CHECK_FALSE(IsMountPoint(r.retired));
  CHECK(ReadText(r.key + "/file") == "new replica");
}

TEST_CASE("mount swap: a busy retired mount of a dead server is forced and kept, then detached",
          "[root]") {
  Replicas r;
  int held = ::open((r.key + "/file").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  REQUIRE(ReplaceMount(r.kernel, r.key, r.staging, r.retired).ok());
  auto how = Retire(r.kernel, r.retired, true, /*detach_busy=*/false);
  REQUIRE(how.ok());
  CHECK(*how == Retired::kBusy);  // forced again later by the engine
  CHECK(IsMountPoint(r.retired));
  how = Retire(r.kernel, r.retired, true);
  REQUIRE(how.ok());
  CHECK(*how == Retired::kForced);
  CHECK_FALSE(IsMountPoint(r.retired));
  ::close(held);
}

TEST_CASE("mount swap: under a shared parent the old mount is bound aside, the new one moved in",
          "[root]") {
  TempDir dir;
  std::string parent = dir.path() + "/parent", area = dir.path() + "/area";
  std::filesystem::create_directories(parent);
  REQUIRE(::mount("parent", parent.c_str(), "tmpfs", 0, "size=1m") == 0);
  REQUIRE(::mount(nullptr, parent.c_str(), nullptr, MS_SHARED, nullptr) == 0);
  std::string key = parent + "/key", staging = area + "/staging", retired = area + "/retired";
  kernel::SystemKernel kernel;
  REQUIRE(MakePrivateArea(kernel, area).ok());
  REQUIRE(MakePrivateArea(kernel, area).ok());  // again: already one
  for (const auto& d : {key, staging, retired}) std::filesystem::create_directories(d);
  REQUIRE(::mount("old", key.c_str(), "tmpfs", 0, "size=1m") == 0);
  std::ofstream(key + "/file") << "old replica";
  REQUIRE(::mount("new", staging.c_str(), "tmpfs", 0, "size=1m") == 0);
  std::ofstream(staging + "/file") << "new replica";
  int held = ::open((key + "/file").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  // The kernel moves no mount out of a shared parent.
  CHECK(::mount(key.c_str(), retired.c_str(), nullptr, MS_MOVE, nullptr) == -1);
  REQUIRE(ReplaceMount(kernel, key, staging, retired).ok());
  CHECK(ReadText(key + "/file") == "new replica");
  CHECK(ReadFd(held) == "old replica");
  CHECK(ReadText(retired + "/file") == "old replica");  // the same file system, bound
  CHECK_FALSE(IsMountPoint(staging));
  auto how = Retire(kernel, retired, false);
  REQUIRE(how.ok());
  CHECK_FALSE(IsMountPoint(retired));
  CHECK(ReadFd(held) == "old replica");
  ::close(held);
  for (const auto& d : {key, staging, retired, parent, area}) ::umount2(d.c_str(), MNT_DETACH);
  ::umount2(parent.c_str(), MNT_DETACH);
}

TEST_CASE("mount swap: when the new mount cannot move, the old one is back at the key", "[root]") {
  Replicas r;
  REQUIRE(::umount2(r.staging.c_str(), 0) == 0);  // nothing to move
  Status s = ReplaceMount(r.kernel, r.key, r.staging, r.retired);
  CHECK_FALSE(s.ok());
  CHECK(ReadText(r.key + "/file") == "old replica");
  CHECK(IsMountPoint(r.key));
  CHECK_FALSE(IsMountPoint(r.retired));
}

}  // namespace
}  // namespace amd::testing
