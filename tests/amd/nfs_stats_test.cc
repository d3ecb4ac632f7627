#include "amd/nfs_stats.h"

#include <catch2/catch.hpp>
#include <string>

namespace amd {
namespace {

using namespace std::chrono_literals;

// mountstats of one NFS mount amd made (/a/alice) and one it did not
// (/mnt/other), `age` seconds old, with `getattr` GETATTRs of `exe_ms` ms
// in all.
std::string Stats(int age, int getattr, int exe_ms, int timeouts = 0) {
  auto n = [](long v) { return std::to_string(v); };
  std::string rec = "\tage:\t" + n(age) +
                    "\n\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n"
                    "\txprt:\ttcp 873 1 1 0 0 " +
                    n(getattr) + " " + n(getattr) +
                    " 0 0 0 2 0 0\n\tper-op statistics\n\t     GETATTR: " + n(getattr) + " " +
                    n(getattr) + " " + n(timeouts) + " 0 0 0 " + n(exe_ms) + " " + n(exe_ms) +
                    " 0\n";
  return "device srv:/e/alice mounted on /a/alice with fstype nfs statvers=1.1\n" + rec +
         "device srv:/e/x mounted on /mnt/other with fstype nfs statvers=1.1\n" + rec;
}
constexpr char kInfo[] =
    "50 22 0:50 / /a/alice ro - nfs srv:/e/alice ro,vers=3,port=2050,addr=10.0.2.2\n"
    "51 22 0:51 / /mnt/other ro - nfs srv:/e/x ro,vers=3,addr=10.0.2.3\n";

TEST_CASE("NFS stats: amd's mounts are measured from mountstats differences", "[unit]") {
  NfsStats s;
  std::map<std::string, std::string> watched = {{"/a/alice", "/home/alice"}};
  auto t0 = failover::Clock::now();
  CHECK(s.Update(Stats(10, 100, 100), kInfo, watched, t0).empty());
  auto v = s.Views();
  REQUIRE(v.size() == 1);  // /mnt/other is not amd's
  CHECK(v[0].node == "/home/alice");
  CHECK(v[0].device == "srv:/e/alice");
  CHECK_FALSE(v[0].short_term);  // one reading: no difference yet
  s.Update(Stats(15, 600, 2600), kInfo, watched, t0 + 5s);
  v = s.Views();
  REQUIRE(v[0].short_term);
  CHECK(*v[0].short_term == 5ms);  // 2500 ms over 500 ops
  CHECK(v[0].ops_per_s == Approx(100));
  CHECK(v[0].execute_ms == Approx(5));
  CHECK(v[0].health == "up");
  // Unmounted: it goes.
  s.Update("", "", watched, t0 + 10s);
  CHECK(s.Views().empty());
}

TEST_CASE("NFS stats: NULL probes go to the server of mountinfo's addr= and port=", "[unit]") {
  NfsStats s;
  std::map<std::string, std::string> watched = {{"/a", "/home/a"}};  // a host mount below
  auto t0 = failover::Clock::now();
  s.Update(Stats(10, 1, 1), kInfo, watched, t0);
  auto probes = s.DueProbes(t0);
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].mount_point == "/a/alice");
  CHECK(ntohs(probes[0].server.sin_port) == 2050);
  CHECK(probes[0].server.sin_addr.s_addr == htonl(0x0a000202));
  CHECK(probes[0].vers == 3);
  CHECK(s.DueProbes(t0).empty());  // in flight
  // A server that stops answering: down after missed probes.
  auto t = t0;
  for (int i = 0; i < 8; ++i) {
    s.OnProbe("/a/alice", std::nullopt, t);
    t += 1s;
    s.DueProbes(t);
  }
  CHECK(s.Views().at(0).health != "up");
  CHECK(s.Views().at(0).probes_failed >= 3);
}

TEST_CASE("NFS stats: an unreadable record is logged once while it lasts", "[unit]") {
  NfsStats s;
  std::string bad = "device s:/e mounted on /a/b with fstype nfs statvers=9.0\n";
  auto t0 = failover::Clock::now();
  auto first = s.Update(bad, "", {{"/a/b", "/h/b"}}, t0);
  REQUIRE(first.size() == 1);
  CHECK(first[0] ==
        "/proc/self/mountstats: line 1: /a/b: statvers=9.0 is not a version this amd reads (1.x)");
  CHECK(s.Update(bad, "", {{"/a/b", "/h/b"}}, t0 + 5s).empty());
}

}  // namespace
}  // namespace amd
