// Failover decisions for one replicated volume; see volume.h.
#include "failover/volume.h"

#include <algorithm>
#include <cstdio>

namespace amd::failover {
namespace {

std::string Ms(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// A read cost per KiB, as a rate: "195 MB/s".
std::string Rate(Duration per_kib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MB/s",
                1024.0 / std::max<double>(0.001, static_cast<double>(per_kib.count())));
  return buf;
}

// `d` for `bytes`, per KiB.
Duration PerKib(Duration d, uint64_t bytes) {
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * 1024.0 /
                                             static_cast<double>(std::max<uint64_t>(1, bytes))));
}

// Whether `mine` is over `ratio` times `theirs`, and at least `margin` more.
bool Slower(Duration mine, Duration theirs, double ratio, Duration margin) {
  return static_cast<double>(mine.count()) > ratio * static_cast<double>(theirs.count()) &&
         mine - theirs >= margin;
}

}  // namespace

const char* HealthName(Health h) {
  switch (h) {
    case Health::kUp:
      return "up";
    case Health::kDegraded:
      return "degraded";
    case Health::kDown:
      return "down";
    case Health::kProbing:
      return "probing";
  }
  return "?";
}

Volume::Replica::Replica(std::string n, const Policy& p)
    : name(std::move(n)),
      metadata(p.short_window, p.long_weight, p.outlier_cap),
      read_call(p.short_window, p.long_weight, p.outlier_cap),
      read_live(p.short_window, p.long_weight, p.outlier_cap),
      read_probe(p.short_window, p.long_weight, p.outlier_cap),
      probe(p.short_window, p.long_weight, p.outlier_cap),
      rto(p) {}

Volume::Volume(std::vector<std::string> replicas, Policy policy, TimePoint now, size_t current)
    : policy_(policy), current_(current) {
  for (auto& name : replicas) {
    replicas_.emplace_back(std::move(name), policy_);
    replicas_.back().next_probe = now;
    replicas_.back().up_since = now;
  }
  if (current_ >= replicas_.size()) current_ = 0;
}

void Volume::OnCall(size_t replica, Work work, Duration rtt, uint64_t bytes, TimePoint now,
                    bool loaded) {
  Replica& r = replicas_[replica];
  if (r.health == Health::kDown || r.health == Health::kProbing) MarkUp(replica, now);
  ++r.calls;
  r.failures_in_row = 0;
  r.rto.Sample(rtt);
  if (work == Work::kMetadata) {
    if (!loaded) {
      r.metadata.Add(rtt);
      r.last_metadata = now;
    }
  } else {
    r.read_call.Add(PerKib(rtt, bytes));
    AddReadInterval(r, rtt, bytes, now);
  }
  UpdateDegraded(r);
}

void Volume::AddReadInterval(Replica& r, Duration rtt, uint64_t bytes, TimePoint now) {
  uint64_t window = policy_.probe_read_bytes > 0 ? policy_.probe_read_bytes : uint64_t{1} << 20;
  // Small reads cost their round trips more than their bytes: they say
  // little of the rate the replica can read at.
  if (bytes < std::max<uint64_t>(4096, window / 16)) return;
  // Reads end in about the order they are told: the union of their
  // intervals grows by what each adds past the end so far.
  TimePoint start = now - rtt;
  if (!r.busy_until || start >= *r.busy_until) {
    r.busy += rtt;
  } else if (now > *r.busy_until) {
    r.busy += std::chrono::duration_cast<Duration>(now - *r.busy_until);
  }
  if (!r.busy_until || now > *r.busy_until) r.busy_until = now;
  r.busy_bytes += bytes;
  if (r.busy_bytes < window) return;
  r.read_live.Add(PerKib(r.busy, r.busy_bytes));
  r.last_live = now;
  r.busy = Duration(0);
  r.busy_bytes = 0;
}

void Volume::OnTimeout(size_t replica, TimePoint now) {
  Replica& r = replicas_[replica];
  ++r.timeouts;
  // Calls in flight together time out together: that is one backoff,
  // not one each (the RTO doubles at most once per RTO).
  if (!r.last_backoff || now - *r.last_backoff >= r.rto.value()) {
    r.rto.Backoff();
    r.last_backoff = now;
  }
  Fail(replica, now);
}

void Volume::OnError(size_t replica, TimePoint now) {
  ++replicas_[replica].errors;
  MarkDown(replica, now);
}

void Volume::Fail(size_t replica, TimePoint now) {
  Replica& r = replicas_[replica];
  if (++r.failures_in_row >= policy_.down_after) MarkDown(replica, now);
}

void Volume::MarkDown(size_t replica, TimePoint now) {
  Replica& r = replicas_[replica];
  if (r.health != Health::kDown) r.next_probe = now;  // probe it from now on
  r.health = Health::kDown;
  r.rejected = false;  // measured and validated anew when it is back
  r.rejected_why.clear();
}

void Volume::MarkUp(size_t replica, TimePoint now) {
  Replica& r = replicas_[replica];
  r.health = Health::kUp;
  r.up_since = now;
  r.failures_in_row = 0;
  // What it did before it went down says nothing of it now.
  r.metadata.Reset();
  r.read_call.Reset();
  r.read_live.Reset();
  r.read_probe.Reset();
  r.probe.Reset();
}

void Volume::UpdateDegraded(Replica& r) {
  if (r.health != Health::kUp && r.health != Health::kDegraded) return;
  auto s = r.metadata.short_term();
  auto l = r.metadata.long_term();
  if (!s || !l || r.metadata.samples() < policy_.short_window) return;
  double ratio =
      static_cast<double>(s->count()) / std::max<double>(1, static_cast<double>(l->count()));
  if (r.health == Health::kUp && ratio > policy_.degraded_ratio &&
      *s - *l >= policy_.degraded_margin) {
    r.health = Health::kDegraded;
  } else if (r.health == Health::kDegraded && ratio <= policy_.recovered_ratio) {
    r.health = Health::kUp;
  }
}

std::vector<size_t> Volume::DueProbes(TimePoint now) {
  Health cur = replicas_[current_].health;
  bool urgent = cur == Health::kDegraded || cur == Health::kDown || cur == Health::kProbing ||
                suspect_ || slow_since_;
  std::vector<size_t> due;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    Replica& r = replicas_[i];
    if (r.probe_in_flight || now < r.next_probe) continue;
    bool fast = urgent || r.health == Health::kDown;
    Duration every = policy_.probe_interval;
    if (watch_current_ && i == current_) {
      every = std::min(every, policy_.kernel_probe_interval);
      fast = fast || r.failures_in_row > 0;
    }
    r.next_probe = now + (fast ? std::min(every, policy_.urgent_probe_interval) : every);
    r.probe_in_flight = true;
    if (r.health == Health::kDown) r.health = Health::kProbing;
    due.push_back(i);
  }
  return due;
}

Duration Volume::ProbeTimeout(size_t replica) const {
  if (!watch_current_) return policy_.probe_timeout;
  return std::clamp(Rto(replica), std::min(policy_.min_rto, policy_.probe_timeout),
                    policy_.probe_timeout);
}

void Volume::OnProbe(size_t replica, std::optional<Duration> rtt, TimePoint now, bool loaded) {
  Replica& r = replicas_[replica];
  r.probe_in_flight = false;
  if (!rtt) {
    ++r.probes_failed;
    if (r.health == Health::kProbing) {
      r.health = Health::kDown;
    } else {
      Fail(replica, now);
      // Watched, the replica in use is asked again at once: it is down
      // after down_after failures, and only probes can tell.
      if (watch_current_ && replica == current_) r.next_probe = now;
    }
    return;
  }
  if (r.health == Health::kDown || r.health == Health::kProbing) MarkUp(replica, now);
  if (!loaded) r.probe.Add(*rtt);
  // A replica known by its probes only gets a timeout from them, not the
  // initial one (a hedge sent to it would wait that long).
  r.rto.Sample(*rtt);
  r.failures_in_row = 0;
}

void Volume::OnProbeRead(size_t replica, Duration took, uint64_t bytes, TimePoint /*now*/) {
  if (bytes > 0) replicas_[replica].read_probe.Add(PerKib(took, bytes));
}

void Volume::Reject(size_t replica, const std::string& why, TimePoint /*now*/) {
  replicas_[replica].rejected = true;
  replicas_[replica].rejected_why = why;
}

void Volume::Undo(const Switch& s, const std::string& why, TimePoint now) {
  Reject(s.to, why, now);
  if (current_ != s.to) return;
  current_ = s.from;
  last_switch_ = previous_switch_;
  if (!history_.empty()) history_.pop_back();
  if (switches_ > 0) --switches_;
}

void Volume::SetPolicy(const Policy& policy) {
  policy_ = policy;
  for (Replica& r : replicas_) {
    for (RttEstimator* e : {&r.metadata, &r.read_call, &r.read_live, &r.read_probe, &r.probe})
      e->Configure(policy_.short_window, policy_.long_weight, policy_.outlier_cap);
    r.rto.Configure(policy_);
  }
}

size_t Volume::Add(std::string name, TimePoint now) {
  replicas_.emplace_back(std::move(name), policy_);
  replicas_.back().next_probe = now;
  replicas_.back().up_since = now;
  // Unknown until a probe answers: probed at once, chosen only then.
  replicas_.back().health = Health::kDown;
  return replicas_.size() - 1;
}

std::optional<Duration> Volume::Expected(size_t replica, Work work, uint64_t bytes) const {
  const Replica& r = replicas_[replica];
  const RttEstimator& e = work == Work::kRead ? r.read_call : r.metadata;
  std::optional<Duration> d = e.long_term() ? e.long_term() : e.short_term();
  if (!d) return std::nullopt;
  if (work == Work::kRead) {
    return Duration(static_cast<Duration::rep>(static_cast<double>(d->count()) *
                                               static_cast<double>(std::max<uint64_t>(1, bytes)) /
                                               1024.0));
  }
  return d;
}

std::optional<Duration> Volume::HedgeDelay(size_t replica, Work work, uint64_t bytes) const {
  if (policy_.hedge_ratio <= 0) return std::nullopt;
  auto e = Expected(replica, work, bytes);
  if (!e) return std::nullopt;
  auto d =
      Duration(static_cast<Duration::rep>(policy_.hedge_ratio * static_cast<double>(e->count())));
  return std::max(d, policy_.hedge_after);
}

std::optional<Duration> Volume::Estimate(size_t replica) const {
  const Replica& r = replicas_[replica];
  return r.probe.short_term();
}

std::optional<Duration> Volume::ReadCost(size_t replica) const {
  const Replica& r = replicas_[replica];
  std::optional<Duration> p = r.read_probe.short_term();
  if (replica == current_) {
    auto l = r.read_live.short_term();
    if (l && (!p || *l < *p)) return l;
  }
  return p;
}

std::optional<Duration> Volume::Score(size_t replica) const {
  auto e = Estimate(replica);
  auto c = ReadCost(replica);
  if (e && c)
    *e += Duration(c->count() * static_cast<Duration::rep>(policy_.probe_read_bytes) / 1024);
  return e;
}

std::vector<size_t> Volume::Ranked() const {
  std::vector<std::pair<Duration, size_t>> up;  // each score made once
  for (size_t i = 0; i < replicas_.size(); ++i) {
    const Replica& r = replicas_[i];
    if (i == current_ || r.health != Health::kUp || r.rejected) continue;
    if (auto e = Score(i)) up.emplace_back(*e, i);
  }
  std::stable_sort(up.begin(), up.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> out;
  for (const auto& [estimate, i] : up) out.push_back(i);
  return out;
}

std::optional<size_t> Volume::Best() const {
  auto ranked = Ranked();
  if (ranked.empty()) return std::nullopt;
  return ranked.front();
}

Switch Volume::SwitchTo(size_t to, TimePoint now, std::string reason) {
  Switch s{current_, to, now, std::move(reason)};
  current_ = to;
  previous_switch_ = last_switch_;
  last_switch_ = now;
  slow_since_.reset();
  suspect_ = false;
  // Its own reads are measured anew from now.
  Replica& r = replicas_[to];
  r.read_live.Reset();
  r.busy = Duration(0);
  r.busy_bytes = 0;
  ++switches_;
  history_.push_back(s);
  while (history_.size() > 16) history_.pop_front();
  return s;
}

std::optional<Switch> Volume::Tick(TimePoint now) {
  const Replica& cur = replicas_[current_];
  auto best = Best();
  if (cur.health == Health::kDown || cur.health == Health::kProbing) {
    if (!best) return std::nullopt;  // all down: stay, and keep probing
    return SwitchTo(*best, now,
                    "down: " + std::to_string(cur.failures_in_row) + " failures in a row, " +
                        std::to_string(cur.errors) + " connection errors (RTO " +
                        Ms(cur.rto.value()) + "); " + replicas_[*best].name + " answers in " +
                        Ms(*Estimate(*best)));
  }
  // Its own reads count while it is read from: when they stop (the
  // kernel's cache serves them), the probes' reads tell.
  Replica& me = replicas_[current_];
  if (!me.read_live.empty() && now - me.last_live > 2 * policy_.probe_interval) {
    me.read_live.Reset();
  }
  auto mine = Estimate(current_);
  // While we read from it, the replica in use is busier than the others
  // for our sake, and its probes say so: its metadata is judged slow only
  // if its own recent calls (made with no read in flight) agree, as for
  // reads. Otherwise its reads, and timeouts, tell.
  Duration recent = 2 * policy_.probe_interval;
  if (watch_current_) recent = std::max(recent, 2 * calls_every_);
  bool recent_calls = !me.metadata.empty() && now - me.last_metadata <= recent;
  Duration mine_slow = Duration::max();  // max: not judged
  if (mine && recent_calls) {
    auto own = watch_current_ ? me.metadata.last() : me.metadata.short_term();
    mine_slow = std::min(*mine, own.value_or(*mine));
  } else if (mine && me.read_live.empty()) {
    mine_slow = *mine;
  }
  auto my_reads = ReadCost(current_);
  std::string slow;  // why the current one is slower than the best, with the numbers
  suspect_ = false;
  if (best) {
    auto theirs = Estimate(*best);
    auto their_reads = ReadCost(*best);
    Duration read_margin =
        PerKib(policy_.switch_margin, std::max<uint64_t>(1, policy_.probe_read_bytes));
    if (mine_slow != Duration::max() && theirs &&
        Slower(mine_slow, *theirs, policy_.switch_ratio, policy_.switch_margin)) {
      slow = "metadata " + Ms(mine_slow) + " against " + Ms(*theirs);
    } else if (my_reads && their_reads &&
               Slower(*my_reads, *their_reads, policy_.switch_ratio, read_margin)) {
      slow = "reads " + Rate(*my_reads) + " against " + Rate(*their_reads);
    }
    // Its own calls, or its last probe, alone say so: probe often, to
    // know soon.
    auto calls =
        me.metadata.samples() >= policy_.short_window ? me.metadata.short_term() : std::nullopt;
    auto live = me.read_live.short_term();
    auto probed = me.read_probe.last();
    suspect_ =
        (theirs && calls && Slower(*calls, *theirs, policy_.switch_ratio, policy_.switch_margin)) ||
        (their_reads &&
         ((live && Slower(*live, *their_reads, policy_.switch_ratio, read_margin)) ||
          (probed && Slower(*probed, *their_reads, policy_.switch_ratio, read_margin))));
  }
  if (slow.empty()) slow_since_.reset();
  if (!slow.empty() && !slow_since_) slow_since_ = now;
  if (last_switch_ && now - *last_switch_ < policy_.min_dwell) return std::nullopt;
  if (!slow.empty() && now - *slow_since_ >= policy_.slow_hold) {
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.1f", policy_.switch_ratio);
    return SwitchTo(*best, now,
                    "slow: " + slow + " at " + replicas_[*best].name + " for " +
                        Ms(std::chrono::duration_cast<Duration>(now - *slow_since_)) +
                        " (switch at " + ratio + "x)");
  }
  const Replica& pref = replicas_[0];
  if (current_ != 0 && pref.health == Health::kUp && !pref.rejected &&
      now - pref.up_since >= policy_.return_dwell) {
    auto p = Estimate(0);
    auto p_reads = ReadCost(0);
    bool reads_ok = !p_reads || !my_reads ||
                    static_cast<double>(p_reads->count()) <=
                        policy_.return_tolerance * static_cast<double>(my_reads->count());
    if (p && mine && reads_ok &&
        static_cast<double>(p->count()) <=
            policy_.return_tolerance * static_cast<double>(mine->count())) {
      return SwitchTo(
          0, now,
          "back to the preferred replica, up for " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::seconds>(now - pref.up_since).count()) +
              " s: " + Ms(*p) + " against " + Ms(*mine));
    }
  }
  return std::nullopt;
}

Result<Switch> Volume::Force(std::optional<size_t> target, TimePoint now) {
  size_t to = 0;
  if (target) {
    if (*target >= replicas_.size()) return Status::Error("no such replica");
    to = *target;
  } else {
    auto best = Best();
    if (!best) return Status::Error("no other replica is up");
    to = *best;
  }
  if (to == current_) return Status::Error(replicas_[to].name + " is the replica in use");
  const Replica& r = replicas_[to];
  if (r.health != Health::kUp || r.rejected) {
    return Status::Error(r.name + " is " + (r.rejected ? "rejected" : HealthName(r.health)),
                         std::errc::host_unreachable);
  }
  return SwitchTo(to, now, "forced by amq");
}

std::vector<ReplicaView> Volume::View() const {
  std::vector<ReplicaView> out;
  for (const Replica& r : replicas_) {
    ReplicaView v;
    v.name = r.name;
    v.health = r.health;
    v.metadata_short = r.metadata.short_term();
    v.metadata_long = r.metadata.long_term();
    v.read_cost = ReadCost(out.size());
    v.read_probe = r.read_probe.short_term();
    v.read_live = r.read_live.short_term();
    v.probe = r.probe.short_term();
    v.rto = r.rto.value();
    v.calls = r.calls;
    v.timeouts = r.timeouts;
    v.errors = r.errors;
    v.probes_failed = r.probes_failed;
    if (r.rejected) v.rejected = r.rejected_why.empty() ? "rejected" : r.rejected_why;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace amd::failover
