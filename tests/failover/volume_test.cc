// The failover decisions replayed against synthetic response-time traces:
// a simulated data path sends one metadata call at a time to the current
// replica and probes the others as the Volume asks, on a simulated clock
// in 5 ms steps; with readers, it also reads 1 MiB at a time from the
// current replica, and each probe reads 1 MiB too. Each replica's
// behaviour is a function of time: answering in some time (and reading at
// some cost per KiB), hung (no answer), or dead (connection refused).
#include "failover/volume.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <random>

namespace amd::failover {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Behaviour {
  enum Kind { kAnswers, kHung, kDead } kind = kAnswers;
  Duration rtt{1000};
  double read_us_per_kib = 1;
  // What reading `bytes` takes.
  Duration Read(uint64_t bytes) const {
    return rtt + Duration(static_cast<long>(read_us_per_kib * static_cast<double>(bytes) / 1024));
  }
};
Behaviour Answers(double ms, double read_us_per_kib = 1) {
  return {Behaviour::kAnswers, Duration(static_cast<long>(ms * 1000)), read_us_per_kib};
}
Behaviour Hung() { return {Behaviour::kHung, {}}; }
Behaviour Dead() { return {Behaviour::kDead, {}}; }

using Trace = std::function<Behaviour(double t)>;  // t: seconds since the start

class Sim {
 public:
  explicit Sim(std::vector<Trace> traces, Policy policy = Policy(), bool readers = false)
      : traces_(std::move(traces)),
        policy_(policy),
        readers_(readers),
        t0_(Clock::now()),
        now_(t0_),
        volume_(Names(traces_.size()), policy, t0_) {}

  // Runs until `seconds` since the start.
  void RunUntil(double until) {
    while (Seconds() < until) Step();
  }

  double Seconds() const { return std::chrono::duration<double>(now_ - t0_).count(); }
  Volume& volume() { return volume_; }
  struct Seen {
    double at;
    Switch sw;
  };
  const std::vector<Seen>& switches() const { return switches_; }
  double longest_stall() const { return longest_stall_; }
  size_t probes() const { return probes_; }

 private:
  static std::vector<std::string> Names(size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) out.push_back("r" + std::to_string(i));
    return out;
  }

  Behaviour At(size_t r) const { return traces_[r](Seconds()); }

  void Step() {
    now_ += milliseconds(5);
    // The call in flight.
    if (call_) {
      if (call_->done_at && now_ >= *call_->done_at) {
        if (call_->error) {
          volume_.OnError(call_->replica, now_);
        } else {
          volume_.OnCall(call_->replica, Work::kMetadata, call_->rtt, 0, now_,
                         read_ && read_->replica == call_->replica);
          Answered();
        }
        call_.reset();
      } else if (!call_->done_at && now_ - call_->sent >= call_->timeout) {
        volume_.OnTimeout(call_->replica, now_);
        call_.reset();  // sent again below, to whichever is current then
      }
    }
    if (!call_) Send(volume_.current());
    // The reader: 1 MiB at a time from the current replica.
    if (read_ && now_ >= read_->done_at) {
      volume_.OnCall(read_->replica, Work::kRead, read_->took, kRead, now_);
      read_.reset();
    }
    if (readers_ && !read_ && At(volume_.current()).kind == Behaviour::kAnswers) {
      Duration took = At(volume_.current()).Read(kRead);
      read_ = Read{volume_.current(), now_ + took, took};
    }
    // Probes.
    for (auto it = probes_due_.begin(); it != probes_due_.end();) {
      if (now_ >= it->second.at) {
        volume_.OnProbe(it->first, it->second.rtt, now_);
        if (it->second.rtt && readers_) {
          volume_.OnProbeRead(it->first, At(it->first).Read(kRead), kRead, now_);
        }
        it = probes_due_.erase(it);
      } else {
        ++it;
      }
    }
    for (size_t r : volume_.DueProbes(now_)) {
      ++probes_;
      Behaviour b = At(r);
      if (b.kind == Behaviour::kAnswers) {
        probes_due_[r] = {now_ + b.rtt, b.rtt};
      } else if (b.kind == Behaviour::kDead) {
        probes_due_[r] = {now_ + milliseconds(1), std::nullopt};
      } else {
        probes_due_[r] = {now_ + policy_.probe_timeout, std::nullopt};
      }
    }
    if (auto sw = volume_.Tick(now_)) {
      switches_.push_back({Seconds(), *sw});
      // A call hung on the old replica is sent again to the new one.
      if (call_ && call_->replica == sw->from) call_.reset();
    }
    longest_stall_ =
        std::max(longest_stall_, std::chrono::duration<double>(now_ - last_answer_).count());
  }

  void Send(size_t r) {
    Behaviour b = At(r);
    Call c;
    c.replica = r;
    c.sent = now_;
    c.timeout = volume_.Rto(r);
    if (b.kind == Behaviour::kAnswers) {
      c.done_at = now_ + b.rtt;
      c.rtt = b.rtt;
    } else if (b.kind == Behaviour::kDead) {
      c.done_at = now_ + milliseconds(1);
      c.error = true;
    }
    call_ = c;
  }

  void Answered() { last_answer_ = now_; }

  struct Call {
    size_t replica = 0;
    TimePoint sent;
    Duration timeout{0};
    std::optional<TimePoint> done_at;  // nullopt: hung
    Duration rtt{0};
    bool error = false;
  };
  struct Probe {
    TimePoint at;
    std::optional<Duration> rtt;
  };
  struct Read {
    size_t replica = 0;
    TimePoint done_at;
    Duration took{0};
  };
  static constexpr uint64_t kRead = 1 << 20;
  std::vector<Trace> traces_;
  Policy policy_;
  bool readers_;
  std::optional<Read> read_;
  TimePoint t0_, now_;
  TimePoint last_answer_ = now_;
  Volume volume_;
  std::optional<Call> call_;
  std::map<size_t, Probe> probes_due_;
  std::vector<Seen> switches_;
  double longest_stall_ = 0;
  size_t probes_ = 0;
};

Trace Steady(double ms) {
  return [ms](double) { return Answers(ms); };
}

// `ms` (and 1 us per KiB read) with noise: uniform between half and one
// and a half times, and one call in 50 ten times slower.
Trace Noisy(double ms, unsigned seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [ms, rng](double) {
    std::uniform_real_distribution<double> u(0.5, 1.5);
    double v = ms * u(*rng), read = u(*rng);
    if ((*rng)() % 50 == 0) v *= 10;
    if ((*rng)() % 50 == 0) read *= 10;
    return Answers(v, read);
  };
}

TEST_CASE("failover trace: a dead replica is left at once, for the fastest one up", "[unit]") {
  Sim sim({[](double t) { return t < 5 ? Answers(1) : Dead(); }, Steady(1.2), Steady(0.9)});
  sim.RunUntil(20);
  REQUIRE(sim.switches().size() == 1);
  CHECK(sim.switches()[0].at >= 5);
  CHECK(sim.switches()[0].at < 5.1);
  CHECK(sim.switches()[0].sw.to == 2);
  CHECK(sim.switches()[0].sw.reason.rfind("down:", 0) == 0);
  CHECK(sim.longest_stall() < 0.2);
  CHECK(sim.volume().health(0) == Health::kDown);
}

TEST_CASE("failover trace: a hung replica is noticed in a few round trips", "[unit]") {
  Sim sim({[](double t) { return t < 5 ? Answers(1) : Hung(); }, Steady(1), Steady(1.5)});
  sim.RunUntil(20);
  REQUIRE(sim.switches().size() == 1);
  double detected = sim.switches()[0].at - 5;
  INFO("detected after " << detected << " s: " << sim.switches()[0].sw.reason);
  CHECK(detected < 1.0);  // NFS's own major timeout is 60 s
  CHECK(sim.switches()[0].sw.to == 1);
  CHECK(sim.longest_stall() < 1.0);
}

TEST_CASE("failover trace: a 5x slower replica is left, a 1.5x slower one kept", "[unit]") {
  SECTION("5x") {
    Sim sim({[](double t) { return Answers(t < 5 ? 1 : 5); }, Steady(1), Steady(1.1)});
    sim.RunUntil(60);
    REQUIRE(sim.switches().size() == 1);
    CHECK(sim.switches()[0].at - 5 < 15);
    CHECK(sim.switches()[0].sw.to == 1);
    CHECK(sim.switches()[0].sw.reason.rfind("slow:", 0) == 0);
  }
  SECTION("1.5x") {
    Sim sim({[](double t) { return Answers(t < 5 ? 1 : 1.5); }, Steady(1), Steady(1.1)});
    sim.RunUntil(60);
    CHECK(sim.switches().empty());
  }
}

TEST_CASE("failover trace: a replica that reads 5x slower is left, 1.5x slower kept", "[unit]") {
  // Metadata as fast as ever: only the bytes come slower (a rate limit).
  SECTION("5x") {
    Sim sim({[](double t) { return Answers(0.3, t < 5 ? 1 : 5); },
             [](double) { return Answers(0.3, 1); }, [](double) { return Answers(0.3, 1.1); }},
            Policy(), true);
    sim.RunUntil(60);
    REQUIRE(sim.switches().size() == 1);
    INFO(sim.switches()[0].sw.reason);
    CHECK(sim.switches()[0].at - 5 < 15);
    CHECK(sim.switches()[0].sw.to == 1);
    CHECK(sim.switches()[0].sw.reason.rfind("slow: reads ", 0) == 0);
    CHECK(sim.volume().ReadCost(1) < Duration(2));
  }
  SECTION("1.5x") {
    Sim sim({[](double t) { return Answers(0.3, t < 5 ? 1 : 1.5); },
             [](double) { return Answers(0.3, 1); }, [](double) { return Answers(0.3, 1.1); }},
            Policy(), true);
    sim.RunUntil(60);
    CHECK(sim.switches().empty());
  }
}

TEST_CASE("failover: a replica's own reads count by the time they were in flight per KiB",
          "[unit]") {
  Policy p;
  auto t = Clock::now();
  Volume v({"a", "b"}, p, t);
  // Four 256 KiB reads at once, each taking 4 ms: 1 MiB in 4 ms.
  for (int round = 0; round < 8; ++round) {
    t += std::chrono::milliseconds(4);
    for (int i = 0; i < 4; ++i)
      v.OnCall(0, Work::kRead, std::chrono::milliseconds(4), 256 << 10, t);
  }
  REQUIRE(v.ReadCost(0));
  CHECK(*v.ReadCost(0) == Duration(3));  // 4 ms / 1024 KiB, in whole microseconds
  // Small reads (4 KiB) say nothing of the rate.
  Volume w({"a", "b"}, p, t);
  for (int i = 0; i < 1024; ++i) {
    t += std::chrono::milliseconds(1);
    w.OnCall(0, Work::kRead, std::chrono::milliseconds(1), 4096, t);
  }
  CHECK_FALSE(w.ReadCost(0));
  // Metadata calls timed while reads were in flight feed the timeout only.
  Volume m({"a", "b"}, p, t);
  for (int i = 0; i < 20; ++i)
    m.OnCall(0, Work::kMetadata, std::chrono::milliseconds(50), 0, t, true);
  CHECK_FALSE(m.View()[0].metadata_short);
  CHECK(m.Rto(0) > std::chrono::milliseconds(50));
}

TEST_CASE("failover trace: two equal replicas with noisy latency do not flap", "[unit]") {
  SECTION("metadata") {
    Sim sim({Noisy(1, 1), Noisy(1, 2)});
    sim.RunUntil(300);
    CHECK(sim.switches().size() <= 1);
  }
  SECTION("metadata and reads") {
    Sim sim({Noisy(1, 1), Noisy(1, 2)}, Policy(), true);
    sim.RunUntil(300);
    CHECK(sim.switches().size() <= 1);
  }
}

TEST_CASE("failover trace: the preferred replica is returned to only after a dwell", "[unit]") {
  Sim sim({[](double t) { return t >= 5 && t < 20 ? Dead() : Answers(1); }, Steady(1)});
  sim.RunUntil(79);
  REQUIRE(sim.switches().size() == 1);  // away at 5 s; back not yet
  CHECK(sim.volume().current() == 1);
  sim.RunUntil(100);
  REQUIRE(sim.switches().size() == 2);
  CHECK(sim.switches()[1].sw.to == 0);
  CHECK(sim.switches()[1].at >= 20 + 60);
  CHECK(sim.switches()[1].at < 20 + 62);
}

TEST_CASE("failover trace: with every replica down it stays, keeps probing, and resumes",
          "[unit]") {
  // r1 hangs from the start (its probes find it down by 3 s); r0 dies at
  // 5 s; r1 comes back at 15 s.
  Sim sim({[](double t) { return t < 5 ? Answers(1) : Dead(); },
           [](double t) { return t < 15 ? Hung() : Answers(1); }});
  sim.RunUntil(14);
  CHECK(sim.switches().empty());
  CHECK(sim.volume().current() == 0);
  size_t probes_by_14 = sim.probes();
  CHECK(probes_by_14 > 20);  // both probed every 250 ms while it is down
  sim.RunUntil(20);
  REQUIRE(sim.switches().size() == 1);
  CHECK(sim.switches()[0].sw.to == 1);
  CHECK(sim.switches()[0].at >= 15);
  CHECK(sim.switches()[0].at < 17);
}

TEST_CASE("failover: a forced switch goes to a replica that is up, and only then", "[unit]") {
  Sim sim({Steady(1), Steady(2), [](double t) { return t < 1 ? Answers(1) : Dead(); }});
  sim.RunUntil(5);
  auto to_best = sim.volume().Force(std::nullopt, Clock::now());
  REQUIRE(to_best.ok());
  CHECK(to_best->to == 1);
  CHECK(to_best->reason == "forced by amq");
  CHECK_FALSE(sim.volume().Force(1, Clock::now()).ok());  // already in use
  CHECK_FALSE(sim.volume().Force(2, Clock::now()).ok());  // down
  CHECK_FALSE(sim.volume().Force(7, Clock::now()).ok());
}

TEST_CASE("failover: the RPC timeout follows the samples, and backs off", "[unit]") {
  Policy p;
  Rto rto(p);
  CHECK(rto.value() == p.initial_rto);
  for (int i = 0; i < 20; ++i) rto.Sample(milliseconds(1));
  CHECK(rto.value() == p.min_rto);  // 1 ms RTTs: the floor
  for (int i = 0; i < 50; ++i) rto.Sample(milliseconds(100));
  CHECK(rto.value() >= milliseconds(100));
  CHECK(rto.value() < milliseconds(200));
  Duration before = rto.value();
  rto.Backoff();
  CHECK(rto.value() == before * 2);
  for (int i = 0; i < 20; ++i) rto.Backoff();
  CHECK(rto.value() == p.max_rto);
}

TEST_CASE(
    "failover: calls that time out together back the timeout off once, and hedge after "
    "a multiple of the expected time",
    "[unit]") {
  Policy p;
  auto t = Clock::now();
  Volume v({"a", "b"}, p, t);
  for (int i = 0; i < 20; ++i) v.OnCall(0, Work::kMetadata, milliseconds(1), 0, t);
  CHECK(v.Rto(0) == p.min_rto);
  // Eight calls in flight time out at once: one doubling, and it is down.
  for (int i = 0; i < 8; ++i) v.OnTimeout(0, t);
  CHECK(v.Rto(0) == p.min_rto * 2);
  CHECK(v.health(0) == Health::kDown);
  // A later timeout, once the doubled RTO has passed, doubles it again.
  v.OnTimeout(0, t + p.min_rto * 2);
  CHECK(v.Rto(0) == p.min_rto * 4);
  // Hedging: hedge_ratio times the expected time, at least hedge_after.
  CHECK(v.HedgeDelay(0, Work::kMetadata, 0) == p.hedge_after);
  CHECK_FALSE(v.HedgeDelay(1, Work::kMetadata, 0));  // nothing expected of b yet
  for (int i = 0; i < 20; ++i) v.OnCall(1, Work::kMetadata, milliseconds(10), 0, t);
  CHECK(v.HedgeDelay(1, Work::kMetadata, 0) == milliseconds(40));
}

TEST_CASE("failover: estimates shrug off outliers", "[unit]") {
  RttEstimator e(8, 64, 3);
  for (int i = 0; i < 100; ++i) e.Add(milliseconds(1));
  e.Add(seconds(5));  // one stray call
  CHECK(*e.short_term() == milliseconds(1));
  CHECK(*e.long_term() < milliseconds(2));
  for (int i = 0; i < 8; ++i) e.Add(milliseconds(5));
  CHECK(*e.short_term() == milliseconds(5));  // a real change shows at once
}

}  // namespace
}  // namespace amd::failover
