#include "kernel-shim/mountstats.h"

#include <catch2/catch.hpp>
#include <string>

namespace amd::kernel {
namespace {

// As Linux 6.1 prints it (RPC iostats 1.1: 9 counters per op), between two
// other file systems; the second sample is 10 s later.
std::string Sample(int age, int getattr, int read, int read_rtt, int read_kib, int lookup_retrans) {
  auto n = [](long v) { return std::to_string(v); };
  return "device proc mounted on /proc with fstype proc\n"
         "device 10.0.2.2:/export/alice mounted on /home/al\\040ice with fstype nfs statvers=1.1\n"
         "\topts:\tro,vers=3,rsize=1048576,wsize=1048576,namlen=255,soft,proto=tcp,port=2049,"
         "timeo=50,retrans=1,sec=sys,mountaddr=10.0.2.2,mountvers=3,mountport=20048\n"
         "\tage:\t" +
         n(age) +
         "\n"
         "\tcaps:\tcaps=0x3fef,wtmult=512,dtsize=32768,bsize=0,namlen=255\n"
         "\tsec:\tflavor=1,pseudoflavor=1\n"
         "\tevents:\t3 20 0 0 2 4 26 0 0 1 0 0 0 0 1 0 0 1 0 0 0 0 0 0 0 0 0\n"
         "\tbytes:\t12 0 0 0 12 0 1 0\n"
         "\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n"
         "\txprt:\ttcp 873 1 1 0 0 " +
         n(100 + getattr + read) + " " + n(100 + getattr + read) + " 0 " + n(getattr) + " " +
         n(2 * read) +
         " 2 0 0\n"
         "\tper-op statistics\n"
         "\t        NULL: 1 1 0 44 24 0 0 0 0\n"
         "\t     GETATTR: " +
         n(getattr) + " " + n(getattr) + " 0 " + n(getattr * 128) + " " + n(getattr * 112) + " 0 " +
         n(getattr * 2) + " " + n(getattr * 3) +
         " 0\n"
         "\t      LOOKUP: 10 " +
         n(10 + lookup_retrans) +
         " 1 1400 2400 5 30 50 2\n"
         "\t        READ: " +
         n(read) + " " + n(read) + " 0 " + n(read * 140) + " " + n(read_kib * 1024) + " " +
         n(read) + " " + n(read_rtt) + " " + n(read_rtt + read) +
         " 0\n"
         "\n"
         "device sysfs mounted on /sys with fstype sysfs\n";
}

TEST_CASE("mountstats: NFS records parse, other file systems are skipped", "[unit]") {
  auto t = ParseMountStats(Sample(100, 40, 20, 60, 2048, 0));
  CHECK(t.errors.empty());
  REQUIRE(t.mounts.size() == 1);
  const NfsMountStats& m = t.mounts[0];
  CHECK(m.device == "10.0.2.2:/export/alice");
  CHECK(m.mount_point == "/home/al ice");
  CHECK(m.fstype == "nfs");
  CHECK(m.statvers == "1.1");
  CHECK(m.iostats_version == "1.1");
  CHECK(m.age == 100);
  CHECK(m.protocol == "tcp");
  CHECK(m.sends == 160);
  CHECK(m.backlog == 40);
  CHECK(m.has_errors);
  CHECK(m.options.find("mountport=20048") != std::string::npos);
  REQUIRE(m.ops.count("LOOKUP") == 1);
  CHECK(m.ops.at("LOOKUP").timeouts == 1);
  CHECK(m.ops.at("LOOKUP").errors == 2);
  CHECK(m.ops.at("READ").bytes_recv == 2048 * 1024);
}

TEST_CASE("mountstats: 8-counter op lines (RPC iostats 1.0) parse without errors", "[unit]") {
  std::string text =
      "device srv:/e mounted on /m with fstype nfs4 statvers=1.0\n"
      "\tage:\t5\n"
      "\tRPC iostats version: 1.0  p/v: 100003/4 (nfs)\n"
      "\txprt:\tudp 800 1 7 7 0 0 3\n"
      "\tper-op statistics\n"
      "\t        READ: 7 7 0 980 70000 1 14 16\n"
      "\t     GETATTR: 3 3 0 300 300 0 3 3\n";
  auto t = ParseMountStats(text);
  CHECK(t.errors.empty());
  REQUIRE(t.mounts.size() == 1);
  CHECK_FALSE(t.mounts[0].has_errors);
  CHECK(t.mounts[0].protocol == "udp");
  CHECK(t.mounts[0].sends == 7);
  CHECK(t.mounts[0].backlog == 3);
  CHECK(t.mounts[0].ops.at("READ").execute_ms == 16);
}

TEST_CASE("mountstats: a record it cannot read is named with its line, the others kept", "[unit]") {
  std::string good = Sample(100, 40, 20, 60, 2048, 0);
  std::string text =
      "device a:/x mounted on /bad1 with fstype nfs statvers=2.0\n"
      "\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n"
      "device a:/y mounted on /bad2 with fstype nfs statvers=1.1\n"
      "\tage:\t1\n"
      "\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n"
      "\tper-op statistics\n"
      "\t        READ: 1 1 0 1 1 1 1 1 0\n"
      "\t     GETATTR: 1 1 0 1 1 1 1 1\n"
      "device a:/z mounted on /bad3 with fstype nfs statvers=1.1\n"
      "\tage:\t1\n"
      "\tper-op statistics\n"
      "\t        READ: 1 1 x 1 1 1 1 1 0\n" +
      good;
  auto t = ParseMountStats(text);
  REQUIRE(t.mounts.size() == 1);
  CHECK(t.mounts[0].mount_point == "/home/al ice");
  REQUIRE(t.errors.size() == 3);
  CHECK(t.errors[0] == "line 1: /bad1: statvers=2.0 is not a version this amd reads (1.x)");
  CHECK(t.errors[1] == "line 8: /bad2: GETATTR: 8 counters where the ops before have 9");
  CHECK(t.errors[2] == "line 12: /bad3: READ: counter 3 is not a number");
}

TEST_CASE("mountstats: truncated and hostile text never throws", "[unit]") {
  std::string s = Sample(100, 40, 20, 60, 2048, 0);
  for (size_t cut = 0; cut < s.size(); cut += 7) {
    auto t = ParseMountStats(s.substr(0, cut));
    CHECK(t.mounts.size() <= 1);
  }
  auto t = ParseMountStats(
      "device a:/x mounted on /m with fstype nfs statvers=1.1\n\tage:\t99999999999999999999999\n"
      "\txprt:\ttcp\n\t READ: 18446744073709551616 1 1 1 1 1 1 1\n");
  CHECK(t.mounts.empty());
  CHECK(t.errors.size() == 1);
}

TEST_CASE("mountstats: nfsiostat's figures from two samples", "[unit]") {
  auto a = ParseMountStats(Sample(100, 40, 20, 60, 2048, 0)).mounts.at(0);
  auto b = ParseMountStats(Sample(110, 90, 120, 560, 12288, 4)).mounts.at(0);
  auto f = IoStat(a, b);
  REQUIRE(f);
  CHECK(f->seconds == 10);  // the difference of the ages
  // READ: 100 ops, 10240 KiB received, RTT 500 ms, execute 600 ms.
  const OpFigures& r = f->ops.at("READ");
  CHECK(r.ops == 100);
  CHECK(r.ops_per_s == Approx(10));
  CHECK(r.kib_per_s == Approx((100 * 140 + 10240 * 1024) / 1024.0 / 10));
  CHECK(r.rtt_ms == Approx(5));
  CHECK(r.execute_ms == Approx(6));
  CHECK(r.queue_ms == Approx(1));
  CHECK(r.kib_recv == Approx(10240));
  CHECK(f->read.rtt_ms == Approx(5));
  // GETATTR: 50 ops of 2 ms RTT, 3 ms execute; LOOKUP: no new op but 4
  // transmissions more.
  CHECK(f->ops.at("GETATTR").rtt_ms == Approx(2));
  CHECK(f->ops.at("LOOKUP").ops == 0);
  CHECK(f->ops.at("LOOKUP").retrans == 4);
  CHECK(f->metadata.ops == 50);
  CHECK(f->metadata.retrans == 4);
  CHECK(f->metadata.execute_ms == Approx(3));
  CHECK(f->ops.count("NULL") == 0);  // no difference
  CHECK(f->other.ops == 0);
  CHECK(f->sends_per_s == Approx(15));
  CHECK(f->backlog == Approx((240.0 - 40) / 150 / 10));
  // An interval given overrides the ages.
  CHECK(IoStat(a, b, 5)->ops.at("READ").ops_per_s == Approx(20));
  // A counter that went back: another mount; no figures.
  CHECK_FALSE(IoStat(b, a));
}

}  // namespace
}  // namespace amd::kernel
