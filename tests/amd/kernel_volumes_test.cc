#include "amd/kernel_volumes.h"

#include <catch2/catch.hpp>
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

}  // namespace
}  // namespace amd
