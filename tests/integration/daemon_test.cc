// Integration tests of the amd daemon against the real kernel autofs. Each
// test case runs in a private mount namespace of its own
// (tests/run-in-namespace.sh) and starts amd on a config of its own.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/fakes/skip.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/amd_daemon.h"

namespace amd::testing {
namespace {

struct Fixture {
  Fixture() : amd(dir) {
    src = dir.path() + "/src";
    home = dir.path() + "/home";
    dir.Write("src/alice/file", "alice's file\n");
    dir.Write("src/bob/file", "bob's file\n");
  }
  void Start(const std::string& map, const std::string& global_extra = "") {
    amd.WriteMap("amd.home", map);
    amd.WriteConf(global_extra, "[ " + home + " ]\nmap_name = amd.home\n");
    REQUIRE(amd.Start());
  }
  TempDir dir;
  AmdDaemon amd;
  std::string src, home;
};

TEST_CASE("wildcard lofs and link keys mount in place", "[root]") {
  Fixture f;
  f.Start(
      "/defaults type:=lofs\n"
      "link type:=link;fs:=" +
          f.src +
          "/bob\n"
          "* rfs:=" +
          f.src + "/${key}\n",
      "unmount_on_exit = yes\n");
  CHECK(ReadText(f.home + "/alice/file") == "alice's file\n");
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(ReadText(f.home + "/link/file") == "bob's file\n");
  CHECK(IsMountPoint(f.home + "/link"));  // autofs_use_lofs = yes: a bind mount
  INFO(f.amd.Log());
  CHECK(f.amd.Stop(SIGTERM) == 0);
  CHECK(MountCountUnder(f.home) == 0);  // unmount_on_exit = yes: everything unmounted
}

TEST_CASE("SIGTERM with unmount_on_exit = no leaves the mounts for the next amd", "[root]") {
  Fixture f;
  f.Start("/defaults type:=lofs;opts:=unmount\n* rfs:=" + f.src + "/${key}\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  CHECK(f.amd.Stop(SIGTERM) == 0);
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(ReadText(f.home + "/alice/file") == "alice's file\n");
  // Catatonic: a new key fails at once, without SIGPIPE (which would end
  // this test).
  CHECK(ErrnoOfStat(f.home + "/bob") == ENOENT);
  REQUIRE(f.amd.Start());
  INFO(f.amd.Log());
  CHECK(f.amd.Log().find("re-adopted the running automount point") != std::string::npos);
  CHECK(ReadText(f.home + "/bob/file") == "bob's file\n");
  CHECK(f.amd.Stop(SIGINT) == 0);  // SIGINT always unmounts
  CHECK(MountCountUnder(f.home) == 0);
}

TEST_CASE("utimeout= expires a mount on its own time", "[root]") {
  Fixture f;
  f.Start(
      "/defaults type:=lofs\n"
      "quick rfs:=" +
          f.src +
          "/alice;opts:=utimeout=1\n"
          "slow rfs:=" +
          f.src + "/bob;opts:=unmount\n",
      "cache_duration = 300\n");
  REQUIRE(ReadText(f.home + "/quick/file") == "alice's file\n");
  REQUIRE(ReadText(f.home + "/slow/file") == "bob's file\n");
  // The kernel hears of the mount before the engine logs it (and any
  // warning about it): wait for the log line.
  WaitUntil([&] { return f.amd.Log().find("/quick: mounted") != std::string::npos; },
            std::chrono::seconds(5));
  std::string log = f.amd.Log();
  if (log.find("utimeout=1 not applied") != std::string::npos) {
    AMD_SKIP("this kernel has no per-key autofs timeouts (Linux 6.13, autofs 5.06)");
  }
  bool expired =
      WaitUntil([&] { return !IsMountPoint(f.home + "/quick"); }, std::chrono::seconds(10));
  INFO(f.amd.Log());
  CHECK(expired);
  CHECK(IsMountPoint(f.home + "/slow"));  // cache_duration = 300 still holds for it
}

TEST_CASE("link keys are symlinks with autofs_use_lofs = no", "[root]") {
  Fixture f;
  f.Start("link type:=link;fs:=" + f.src + "/bob\n", "autofs_use_lofs = no\n");
  char buf[256] = {};
  ssize_t n = ::readlink((f.home + "/link").c_str(), buf, sizeof buf - 1);
  CHECK(n > 0);
  CHECK(std::string(buf) == f.src + "/bob");
  CHECK(ReadText(f.home + "/link/file") == "bob's file\n");
}

TEST_CASE("missing keys, failing locations and type:=error give ENOENT", "[root]") {
  Fixture f;
  f.Start(
      "bad type:=lofs;rfs:=/nonexistent/dir\n"
      "err type:=error\n"
      "none host==nowhere.example;type:=lofs;rfs:=/tmp\n"
      "twice type:=lofs;rfs:=/nonexistent/a type:=lofs;rfs:=/nonexistent/b\n");
  CHECK(ErrnoOfStat(f.home + "/nosuchkey") == ENOENT);
  CHECK(ErrnoOfStat(f.home + "/bad") == ENOENT);
  CHECK(ErrnoOfStat(f.home + "/err") == ENOENT);
  CHECK(ErrnoOfStat(f.home + "/none") == ENOENT);
  CHECK(ErrnoOfStat(f.home + "/twice") == ENOENT);
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(log.find("/nonexistent/a") != std::string::npos);  // both locations were tried
  CHECK(log.find("/nonexistent/b") != std::string::npos);
  CHECK(ErrnoOfStat(f.home + "/a;b") == ENOENT);
  CHECK(MountCountUnder(f.home) == 1);  // only the autofs mount itself
}

TEST_CASE("the second location is used when the first fails", "[root]") {
  Fixture f;
  f.Start("k type:=lofs;rfs:=/nonexistent/first type:=lofs;rfs:=" + f.src + "/alice\n");
  CHECK(ReadText(f.home + "/k/file") == "alice's file\n");
}

TEST_CASE("program mounts show ${fs} at the key", "[root]") {
  Fixture f;
  f.Start(
      "prog type:=program;fs:=${autodir}/prog;"
      "mount:=\"/bin/mount mount -t tmpfs amdprog ${fs}\";unmount:=\"/bin/umount umount ${fs}\"\n"
      "broken type:=program;fs:=${autodir}/broken;mount:=\"/bin/false false\"\n");
  std::ofstream(f.home + "/prog/written") << "x";
  CHECK(ReadText(f.dir.path() + "/a/prog/written") == "x");  // the key shows ${fs}
  CHECK(IsMountPoint(f.dir.path() + "/a/prog"));
  CHECK(ErrnoOfStat(f.home + "/broken") == ENOENT);
  INFO(f.amd.Log());
  CHECK(f.amd.Log().find("exited with 1") != std::string::npos);
  CHECK(f.amd.Stop(SIGINT) == 0);                       // SIGINT unmounts all
  CHECK_FALSE(IsMountPoint(f.dir.path() + "/a/prog"));  // the unmount program ran
}

TEST_CASE("type:=auto sub-maps mount nested autofs", "[root]") {
  Fixture f;
  f.Start(
      "sub type:=auto;fs:=${map};pref:=${key}/\n"
      "sub/* type:=lofs;rfs:=" +
      f.src + "/${/key}\n");
  CHECK(ReadText(f.home + "/sub/bob/file") == "bob's file\n");
  CHECK(IsMountPoint(f.home + "/sub"));
  CHECK(IsMountPoint(f.home + "/sub/bob"));
  CHECK(f.amd.Stop(SIGINT) == 0);  // SIGINT unmounts all
  CHECK(MountCountUnder(f.home) == 0);
}

TEST_CASE("tmpfs device mounts", "[root]") {
  Fixture f;
  f.Start("t type:=tmpfs;dev:=amdtmp;opts:=size=1m,mode=0700\n");
  struct stat st;
  REQUIRE(::stat((f.home + "/t").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(IsMountPoint(f.home + "/t"));
}

// A loop device over an image file, detached when the test ends.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& image) {
    std::string cmd = "/sbin/losetup --find --show " + image + " 2>/dev/null";
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[128] = {};
      if (std::fgets(buf, sizeof buf, p) != nullptr) device_ = buf;
      ::pclose(p);
    }
    while (!device_.empty() && (device_.back() == '\n' || device_.back() == ' '))
      device_.pop_back();
  }
  ~LoopDevice() {
    if (!device_.empty()) std::system(("/sbin/losetup -d " + device_ + " 2>/dev/null").c_str());
  }
  const std::string& device() const { return device_; }

 private:
  std::string device_;
};

TEST_CASE("ext4 on a loop device mounts with dev:=", "[root]") {
  Fixture f;
  std::string image = f.dir.path() + "/disk.img";
  if (std::system(
          ("truncate -s 16M " + image + " && mkfs.ext4 -q -F " + image + " > /dev/null 2>&1")
              .c_str()) != 0) {
    AMD_SKIP("mkfs.ext4 is not available");
  }
  LoopDevice loop(image);
  if (loop.device().empty()) AMD_SKIP("no loop device could be set up here");
  f.Start("disk type:=ext4;dev:=" + loop.device() +
          ";opts:=rw,noatime\n"
          "ro type:=ext2;dev:=/dev/nonexistent\n");
  std::ofstream(f.home + "/disk/hello") << "on ext4";
  CHECK(ReadText(f.home + "/disk/hello") == "on ext4");
  CHECK(IsMountPoint(f.home + "/disk"));
  CHECK(ErrnoOfStat(f.home + "/ro") == ENOENT);
  INFO(f.amd.Log());
  CHECK(f.amd.Stop(SIGINT) == 0);  // SIGINT unmounts all
  CHECK_FALSE(IsMountPoint(f.home + "/disk"));
}

TEST_CASE("unused mounts expire, nounmount ones stay", "[root]") {
  Fixture f;
  f.Start(
      "/defaults type:=lofs\n"
      "gone rfs:=" +
          f.src +
          "/alice;opts:=unmount\n"
          "kept rfs:=" +
          f.src +
          "/bob\n"
          "link type:=link;fs:=" +
          f.src + "/bob\n",
      "cache_duration = 1\n");
  CHECK(ReadText(f.home + "/gone/file") == "alice's file\n");
  CHECK(ReadText(f.home + "/kept/file") == "bob's file\n");
  CHECK(ReadText(f.home + "/link/file") == "bob's file\n");
  bool expired =
      WaitUntil([&] { return !IsMountPoint(f.home + "/gone") && !IsMountPoint(f.home + "/link"); },
                std::chrono::seconds(10));
  INFO(f.amd.Log());
  CHECK(expired);
  CHECK(IsMountPoint(f.home + "/kept"));  // lofs never times out without unmount/utimeout
  CHECK(ReadText(f.home + "/gone/file") == "alice's file\n");  // and mounts again on use
}

TEST_CASE("a busy mount is not expired", "[root]") {
  Fixture f;
  f.Start("busy type:=link;fs:=" + f.src + "/alice\n", "cache_duration = 1\n");
  int fd = ::open((f.home + "/busy/file").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(IsMountPoint(f.home + "/busy"));
  ::close(fd);
}

TEST_CASE("200 concurrent triggers of one key make one mount", "[root]") {
  Fixture f;
  // A mount program that takes a while, so every trigger arrives during it.
  // (Program commands are split on spaces and quotes are kept, as in the
  // original, so no sh -c '...' here.)
  std::string prog = f.dir.Write(
      "slowmount", "#!/bin/sh\nsleep 0.3\nexec /bin/mount -t tmpfs amdslow \"$1\"\n", 0755);
  f.Start("slow type:=program;fs:=${autodir}/slow;mount:=\"" + prog + " slowmount ${fs}\"\n");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&] {
      struct stat st;
      if (::stat((f.home + "/slow/.").c_str(), &st) == 0) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  INFO(f.amd.Log());
  CHECK(ok == 200);
  // One mount program ran: one tmpfs at ${fs}, one bind of it at the key.
  CHECK(MountCountUnder(f.dir.path() + "/a/slow") == 1);
  CHECK(MountCountUnder(f.home + "/slow") == 1);
}

TEST_CASE("SIGHUP re-reads a changed map, a broken map keeps the old one", "[root]") {
  Fixture f;
  f.Start("one type:=lofs;rfs:=" + f.src + "/alice\n");
  CHECK(ReadText(f.home + "/one/file") == "alice's file\n");
  CHECK(ErrnoOfStat(f.home + "/two") == ENOENT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  f.amd.WriteMap("amd.home", "one type:=lofs;rfs:=" + f.src +
                                 "/alice\n"
                                 "two type:=lofs;rfs:=" +
                                 f.src + "/bob\n");
  // A new mtime, even within the same second as the first write.
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ::utimensat(AT_FDCWD, (f.dir.path() + "/maps/amd.home").c_str(), now, 0);
  f.amd.Signal(SIGHUP);
  REQUIRE(f.amd.WaitReady());
  bool seen = WaitUntil([&] { return ReadText(f.home + "/two/file") == "bob's file\n"; },
                        std::chrono::seconds(5));
  CHECK(seen);
  // Now the map becomes unreadable: the old entries keep being served.
  ::chmod((f.dir.path() + "/maps/amd.home").c_str(), 0);
  ::rename((f.dir.path() + "/maps/amd.home").c_str(), (f.dir.path() + "/maps/gone").c_str());
  f.amd.Signal(SIGHUP);
  REQUIRE(f.amd.WaitReady());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(ReadText(f.home + "/one/file") == "alice's file\n");
  CHECK(ReadText(f.home + "/two/file") == "bob's file\n");
  INFO(f.amd.Log());
  CHECK(f.amd.Log().find("cannot read map") != std::string::npos);
}

TEST_CASE(
    "after kill -9 of every amd process a new amd re-adopts the mounts and manages them again",
    "[root]") {
  Fixture f;
  f.Start(
      "/defaults type:=lofs;opts:=unmount\n"
      "link type:=link;fs:=" +
          f.src +
          "/bob\n"
          "sub type:=auto;fs:=${map};pref:=${key}/\n"
          "sub/* rfs:=" +
          f.src +
          "/${/key}\n"
          "* rfs:=" +
          f.src + "/${key}\n",
      "cache_duration = 2\nlog_options = all\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  REQUIRE(ReadText(f.home + "/link/file") == "bob's file\n");
  REQUIRE(ReadText(f.home + "/sub/alice/file") == "alice's file\n");
  int held = ::open((f.home + "/alice/file").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  f.amd.KillAll();
  // The mounts outlive the daemon. An access to a new key in the gap fails
  // (the kernel writes to a pipe nobody reads: SIGPIPE, then ENOENT).
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(IsMountPoint(f.home + "/sub/alice"));
  auto old_handler = ::signal(SIGPIPE, SIG_IGN);
  CHECK(ErrnoOfStat(f.home + "/bob") != 0);
  ::signal(SIGPIPE, old_handler);
  REQUIRE(f.amd.Start());
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(log.find("re-adopted the running automount point") != std::string::npos);
  CHECK(log.find("re-adopted sub-map") != std::string::npos);
  char buf[64] = {};
  CHECK(::pread(held, buf, sizeof buf - 1, 0) > 0);  // the open file kept working
  CHECK(std::string(buf) == "alice's file\n");
  ::close(held);
  CHECK(ReadText(f.home + "/link/file") == "bob's file\n");     // adopted, not remounted
  CHECK(ReadText(f.home + "/bob/file") == "bob's file\n");      // new keys mount again
  CHECK(ReadText(f.home + "/sub/bob/file") == "bob's file\n");  // in the adopted sub-map too
  // The adopted mounts expire like any other.
  bool expired =
      WaitUntil([&] { return !IsMountPoint(f.home + "/alice") && !IsMountPoint(f.home + "/link"); },
                std::chrono::seconds(10));
  INFO(f.amd.Log());
  CHECK(expired);
  CHECK(f.amd.Stop(SIGINT) == 0);
  CHECK(MountCountUnder(f.home) == 0);
}

TEST_CASE("after kill -9 of amd its engine serves on, then hands over to the next amd", "[root]") {
  Fixture f;
  f.Start("/defaults type:=lofs;opts:=unmount\n* rfs:=" + f.src + "/${key}\n",
          "cache_duration = 2\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  pid_t engine = f.amd.EnginePid();
  REQUIRE(engine > 0);
  CHECK(f.amd.Stop(SIGKILL) == 128 + SIGKILL);
  CHECK(ReadText(f.home + "/bob/file") == "bob's file\n");  // served by the orphaned engine
  REQUIRE(f.amd.Start());
  // The new amd took the mounts over; the old engine saw its pipes closed
  // and left, unmounting nothing.
  bool gone = WaitUntil([&] { return ProcessGone(engine); }, std::chrono::seconds(5));
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(gone);
  CHECK(log.find("the supervisor process is gone") != std::string::npos);
  CHECK(log.find("every automount point was taken over") != std::string::npos);
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(IsMountPoint(f.home + "/bob"));
  CHECK(ReadText(f.home + "/carol/file").empty());  // no such source: ENOENT, not a hang
  CHECK(ReadText(f.home + "/bob/file") == "bob's file\n");
  bool expired =
      WaitUntil([&] { return !IsMountPoint(f.home + "/alice") && !IsMountPoint(f.home + "/bob"); },
                std::chrono::seconds(10));
  CHECK(expired);  // managed by the new amd
}

TEST_CASE("when the engine process is killed, no access fails and the mounts stay managed",
          "[root]") {
  Fixture f;
  // A mount program that takes a while, so the engine is killed while a
  // process waits for it.
  std::string prog = f.dir.Write(
      "slowmount", "#!/bin/sh\nsleep 0.5\nexec /bin/mount -t tmpfs amdslow \"$1\"\n", 0755);
  f.Start(
      "/defaults type:=lofs;opts:=unmount\n"
      "slow type:=program;fs:=${autodir}/slow;mount:=\"" +
          prog +
          " slowmount ${fs}\"\n"
          "sub type:=auto;fs:=${map};pref:=${key}/\n"
          "sub/* rfs:=" +
          f.src +
          "/${/key}\n"
          "* rfs:=" +
          f.src + "/${key}\n",
      "cache_duration = 2\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  REQUIRE(ReadText(f.home + "/sub/alice/file") == "alice's file\n");
  int held = ::open((f.home + "/alice/file").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  pid_t engine = f.amd.EnginePid();
  REQUIRE(engine > 0);
  std::atomic<int> slow_errno{-1};
  std::thread waiting([&] { slow_errno = ErrnoOfStat(f.home + "/slow/."); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the mount program runs
  REQUIRE(::kill(engine, SIGKILL) == 0);
  // Accesses right after the kill, before a new engine is up.
  int bob_errno = ErrnoOfStat(f.home + "/bob");
  int sub_errno = ErrnoOfStat(f.home + "/sub/bob");
  waiting.join();
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(log.find("killed by signal 9; starting a new one") != std::string::npos);
  CHECK(slow_errno == 0);  // read by the old engine, served by the new one
  CHECK(bob_errno == 0);   // queued in the pipe while no engine ran
  CHECK(sub_errno == 0);   // in a sub-map too
  CHECK(f.amd.EnginePid() != engine);
  CHECK(IsMountPoint(f.home + "/slow"));
  char buf[64] = {};
  CHECK(::pread(held, buf, sizeof buf - 1, 0) > 0);  // open files kept working
  ::close(held);
  // The new engine manages what the old one mounted: it expires.
  bool expired =
      WaitUntil([&] { return !IsMountPoint(f.home + "/alice"); }, std::chrono::seconds(10));
  CHECK(expired);
  int stopped = f.amd.Stop(SIGINT);
  std::string after = f.amd.Log();
  INFO("after SIGINT:\n" + after.substr(std::min(log.size(), after.size())));
  CHECK(stopped == 0);
  CHECK(MountCountUnder(f.home) == 0);
}

TEST_CASE("direct maps: each absolute key is an automount point of its own", "[root]") {
  Fixture f;
  std::string d1 = f.dir.path() + "/direct/one";
  std::string d2 = f.dir.path() + "/deep/er/two";
  f.amd.WriteMap("amd.direct", "/defaults type:=lofs;opts:=unmount\n" + d1 + " rfs:=" + f.src +
                                   "/alice\n" + d2 + " type:=link;fs:=" + f.src +
                                   "/bob\n"
                                   "relative rfs:=/tmp\n");
  f.amd.WriteConf("cache_duration = 1\n",
                  "[ /- ]\nmap_name = amd.direct\nmap_options = type:=direct\n");
  REQUIRE(f.amd.Start());
  INFO(f.amd.Log());
  CHECK(IsMountPoint(d1));  // the autofs direct mounts
  CHECK(IsMountPoint(d2));
  CHECK(ReadText(d1 + "/file") == "alice's file\n");
  CHECK(ReadText(d2 + "/file") == "bob's file\n");
  CHECK(MountCountUnder(d1) == 2);  // autofs, and the mount over it
  CHECK(f.amd.Log().find("\"relative\" is not an absolute path") != std::string::npos);
  bool expired = WaitUntil([&] { return MountCountUnder(d1) == 1 && MountCountUnder(d2) == 1; },
                           std::chrono::seconds(10));
  CHECK(expired);
  CHECK(ReadText(d1 + "/file") == "alice's file\n");  // mounts again
  CHECK(f.amd.Stop(SIGINT) == 0);                     // SIGINT unmounts all
  CHECK(MountCountUnder(d1) == 0);
  CHECK(MountCountUnder(d2) == 0);
  CHECK(ErrnoOfStat(d2) == ENOENT);  // the directories amd made are gone
}

TEST_CASE("SIGHUP re-reads amd.conf: mount points come and go, a bad file keeps the old one",
          "[root]") {
  Fixture f;
  std::string other = f.dir.path() + "/other";
  f.amd.WriteMap("amd.other", "* type:=lofs;rfs:=" + f.src + "/${key}\n");
  f.Start("* type:=lofs;rfs:=" + f.src + "/${key}\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  // Add /other, drop /home.
  f.amd.WriteConf("", "[ " + other + " ]\nmap_name = amd.other\n");
  f.amd.Signal(SIGHUP);
  REQUIRE(f.amd.WaitReady());
  bool moved = WaitUntil([&] { return MountCountUnder(f.home) == 0 && IsMountPoint(other); },
                         std::chrono::seconds(5));
  INFO(f.amd.Log());
  CHECK(moved);
  CHECK(ReadText(other + "/bob/file") == "bob's file\n");
  // A broken amd.conf: reported, and the old configuration keeps serving.
  f.amd.WriteConf("bogus_key = 1\n", "[ " + f.home + " ]\nmap_name = amd.home\n");
  f.amd.Signal(SIGHUP);
  REQUIRE(f.amd.WaitReady());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(f.amd.Log().find("unknown key \"bogus_key\"") != std::string::npos);
  CHECK(f.amd.Log().find("still serving the old one") != std::string::npos);
  CHECK(ReadText(other + "/alice/file") == "alice's file\n");
  CHECK_FALSE(IsMountPoint(f.home));
  CHECK(f.amd.Stop(SIGINT) == 0);  // SIGINT unmounts all
  CHECK(MountCountUnder(other) == 0);
}

TEST_CASE("log_file sends the log to a file", "[root]") {
  Fixture f;
  std::string file = f.dir.path() + "/amd-own.log";
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n",
          "log_file = " + file + "\nlog_options = all\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  bool seen = WaitUntil([&] { return ReadText(file).find("mounted lofs") != std::string::npos; },
                        std::chrono::seconds(5));
  INFO(ReadText(file));
  CHECK(seen);
  CHECK(ReadText(file).find("debug: ") != std::string::npos);    // log_options = all
  CHECK(f.amd.Log().find("mounted lofs") == std::string::npos);  // not on stderr
}

TEST_CASE("log_file = syslog:local3 sends the log to syslog", "[root]") {
  Fixture f;
  // A /dev/log of this test's own: an overlay over /dev (in this test's
  // mount namespace only), with a socket the test reads.
  std::string upper = f.dir.path() + "/dev-upper", work = f.dir.path() + "/dev-work";
  ::mkdir(upper.c_str(), 0755);
  ::mkdir(work.c_str(), 0755);
  std::string opts = "lowerdir=/dev,upperdir=" + upper + ",workdir=" + work;
  if (::mount("overlay", "/dev", "overlay", 0, opts.c_str()) != 0) {
    AMD_SKIP(std::string("cannot overlay /dev for a private /dev/log: ") + std::strerror(errno));
  }
  ::unlink("/dev/log");
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, "/dev/log");
  REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n", "log_file = syslog:local3\n");
  REQUIRE(ReadText(f.home + "/alice/file") == "alice's file\n");
  std::string got;
  WaitUntil(
      [&] {
        char buf[2048];
        ssize_t n;
        while ((n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT)) > 0)
          got.append(buf, size_t(n)).append("\n");
        return got.find("mounted lofs") != std::string::npos;
      },
      std::chrono::seconds(5));
  ::close(sock);
  INFO(got);
  // local3.info is priority 19*8+6 = 158; the ident is amd[pid].
  CHECK(got.find("<158>") != std::string::npos);
  CHECK(got.find("amd[" + std::to_string(f.amd.EnginePid()) + "]: ") != std::string::npos);
  CHECK(got.find("mounted lofs") != std::string::npos);
}

TEST_CASE("amd refuses to start with no usable automount point", "[root]") {
  TempDir dir;
  AmdDaemon amd(dir);
  amd.WriteConf("", "[ " + dir.path() + "/home ]\nmap_name = amd.none\n");
  CHECK_FALSE(amd.Start(std::chrono::seconds(5)));
  CHECK(amd.Log().find("cannot be read") != std::string::npos);
}

}  // namespace
}  // namespace amd::testing
