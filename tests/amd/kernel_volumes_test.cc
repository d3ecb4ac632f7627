#include "amd/kernel_volumes.h"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

namespace amd {
namespace {

using namespace std::chrono_literals;

KernelVolumes::Mounted Dist() {
  KernelVolumes::Mounted m;
  m.volume = "dist";
  m.node = "/home/dist";
  m.mount_point = "/home/dist";
  m.replicas = {"alpha:/vol", "beta:/vol"};
  m.revision = 7;
  return m;
}

// Every due probe answered: `alpha` in `a`, `beta` in `b` (nullopt: no answer).
void AnswerProbes(KernelVolumes& v, failover::TimePoint now, std::optional<failover::Duration> a,
                  std::optional<failover::Duration> b) {
  for (const auto& p : v.DueProbes(now)) v.OnProbe(p.id, p.replica, p.replica == 0 ? a : b, now);
}

// Both replicas answered in 2 ms for 5 s; then the probe of the one in
// use that is due (`t` moved on to it).
std::vector<KernelVolumes::Probe> Settled(KernelVolumes& v, failover::TimePoint& t) {
  for (int i = 0; i < 10; ++i, t += 500ms) AnswerProbes(v, t, 2ms, 2ms);
  t += 500ms;
  auto due = v.DueProbes(t);
  REQUIRE(due.size() == 1);
  return due;
}

TEST_CASE("kernel volumes: a dead replica in use is left for a live one", "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t);
  CHECK(v.Find("/home/dist") == id);
  CHECK(v.Find("dist") == id);
  for (int i = 0; i < 10; ++i, t += 500ms) {
    AnswerProbes(v, t, 1ms, 1ms);
    CHECK(v.Tick(t).empty());
  }
  std::vector<KernelVolumes::Order> orders;
  for (int i = 0; i < 20 && orders.empty(); ++i, t += 250ms) {
    AnswerProbes(v, t, std::nullopt, 1ms);
    orders = v.Tick(t);
  }
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].from == "alpha:/vol");
  CHECK(orders[0].to == "beta:/vol");
  CHECK(orders[0].sw.reason.starts_with("down"));
  CHECK(v.Down(id, 0));
  CHECK(v.Tick(t).empty());  // under way
  v.Done(orders[0], 7);
  CHECK(v.Get(id)->current == 1);
  auto j = nlohmann::json::parse(v.StatesJson("/home/dist", t));
  REQUIRE(j.size() == 1);
  CHECK(j[0]["datapath"] == "kernel");
  CHECK(j[0]["replica"] == "beta:/vol");
  CHECK(j[0]["revision"] == 7);
  CHECK(j[0]["switches"] == 1);
  CHECK(j[0]["replicas"][1]["in_use"] == true);
  CHECK(j[0]["history"].size() == 1);
  CHECK(nlohmann::json::parse(v.StatesJson("/elsewhere", t)).empty());
}

TEST_CASE("kernel volumes: a switch that failed is undone and its target refused", "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t);
  AnswerProbes(v, t, 1ms, 1ms);
  auto forced = v.Force(id, "beta", t);
  REQUIRE(forced.ok());
  CHECK(forced->to == "beta:/vol");
  CHECK_FALSE(v.Force(id, "", t).ok());  // one at a time
  v.Failed(*forced, "revision 6 is older than 7", t);
  CHECK(v.Get(id)->current == 0);
  auto j = nlohmann::json::parse(v.StatesJson("", t));
  CHECK(j[0]["replica"] == "alpha:/vol");
  CHECK(j[0]["replicas"][1]["rejected"] == "revision 6 is older than 7");
  CHECK_FALSE(v.Force(id, "gamma", t).ok());
}

TEST_CASE("kernel volumes: the mount's own figures feed the replica in use", "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t);
  kernel::IoStatFigures f;
  f.seconds = 1;
  f.metadata.ops = 100;
  f.metadata.execute_ms = 3;
  for (int i = 0; i < 5; ++i, t += 1s) v.OnFigures(id, f, t);
  auto j = nlohmann::json::parse(v.StatesJson("", t));
  CHECK(j[0]["replicas"][0]["metadata_short_ms"] == Approx(3));
  CHECK(j[0]["replicas"][1]["metadata_short_ms"] == -1);
  v.Remove(id);
  CHECK_FALSE(v.Find("dist"));
}

TEST_CASE("kernel volumes: the replica in use is watched closely, the others probed as usual",
          "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  auto m = Dist();
  m.options = {"ro,port=2101,mountport=2102", "ro"};
  int id = v.Add(m, failover::Policy{}, t);
  std::map<size_t, int> probes;
  for (int i = 0; i < 40; ++i, t += 100ms) {  // 4 s
    for (const auto& p : v.DueProbes(t)) {
      ++probes[p.replica];
      if (p.replica == 0) CHECK(p.options == "ro,port=2101,mountport=2102");
      v.OnProbe(p.id, p.replica, 2ms, t);
    }
  }
  CHECK(probes[0] == 8);  // every kernel_probe_interval (500 ms)
  CHECK(probes[1] == 2);  // every probe_interval (2 s)
  // Answered in 2 ms, its timeout is the RTO's floor, not probe_timeout.
  auto due = v.DueProbes(t + 1s);
  REQUIRE_FALSE(due.empty());
  CHECK(due[0].timeout == failover::Policy{}.min_rto);
  CHECK(v.Get(id)->current == 0);
}

TEST_CASE("kernel volumes: a hung replica in use is down after two probes, asked again at once",
          "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t);
  auto due = Settled(v, t);
  t += due[0].timeout;  // no answer within it
  v.OnProbe(id, 0, std::nullopt, t);
  CHECK(v.Tick(t).empty());  // one failure is not enough
  due = v.DueProbes(t);      // the next probe goes at once
  REQUIRE(due.size() == 1);
  CHECK(due[0].replica == 0);
  t += due[0].timeout;
  v.OnProbe(id, 0, std::nullopt, t);
  auto orders = v.Tick(t);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].to == "beta:/vol");
}

TEST_CASE("kernel volumes: a refused connection is down at once", "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t);
  auto due = Settled(v, t);
  v.OnProbe(id, 0, std::nullopt, t, /*refused=*/true);
  CHECK(v.Down(id, 0));
  auto orders = v.Tick(t);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].sw.reason.starts_with("down"));
}

TEST_CASE("kernel volumes: a replica in use 5x slower is left once its own calls agree", "[unit]") {
  KernelVolumes v;
  auto t = failover::Clock::now();
  int id = v.Add(Dist(), failover::Policy{}, t, 1s);
  kernel::IoStatFigures fast, slow;
  fast.seconds = slow.seconds = 1;
  fast.metadata.ops = slow.metadata.ops = 50;
  fast.metadata.execute_ms = 2;
  slow.metadata.execute_ms = 10;
  // 20 s of equal replicas, the mount busy: no switch.
  for (int i = 0; i < 200; ++i, t += 100ms) {
    AnswerProbes(v, t, 2ms, 2ms);
    if (i % 10 == 0) v.OnFigures(id, fast, t);
    REQUIRE(v.Tick(t).empty());
  }
  // alpha answers in 10 ms from now on, probes and the kernel's calls.
  auto start = t;
  std::vector<KernelVolumes::Order> orders;
  for (int i = 0; i < 150 && orders.empty(); ++i, t += 100ms) {
    AnswerProbes(v, t, 10ms, 2ms);
    if (i % 10 == 0) v.OnFigures(id, slow, t);
    orders = v.Tick(t);
  }
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].sw.reason.starts_with("slow"));
  CHECK(t - start < 10s);
}

}  // namespace
}  // namespace amd
