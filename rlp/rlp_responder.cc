// The RLP responder's logic; see rlp_responder.h.
#include "rlp/rlp_responder.h"

#include <algorithm>

namespace amd::rlp {
namespace {

std::string_view TrimSlashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

}  // namespace

bool Provided::Provides(const Resource& r) const {
  if (r.port() == kNfsPort) {
    std::string_view path = r.data();
    if (path.empty()) return !volumes.empty();
    for (const auto& v : volumes) {
      if (TrimSlashes(v) == TrimSlashes(path)) return true;
    }
  }
  return std::any_of(resources.begin(), resources.end(),
                     [&](const Resource& p) { return p.protocol == r.protocol && p.id == r.id; });
}

bool Responder::Bucket::Take(double rate, double burst, Clock::time_point now) {
  double seconds = std::chrono::duration<double>(now - last).count();
  tokens = std::min(burst, tokens + seconds * rate);
  last = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

bool Responder::Admit(uint32_t from, uint16_t port, Clock::time_point now) {
  if (limits_.rate <= 0) return true;
  double reserve_rate = limits_.rate / 8, reserve_burst = limits_.burst / 8;
  auto it = sources_.find(from);
  if (it == sources_.end()) {
    if (sources_.size() >= limits_.max_sources) {
      // Forget the sources idle longest: they would have full buckets anyway.
      std::vector<Clock::time_point> lasts;
      lasts.reserve(sources_.size());
      for (const auto& [a, s] : sources_) lasts.push_back(s.last);
      auto middle = lasts.begin() + static_cast<std::ptrdiff_t>(lasts.size() / 2);
      std::nth_element(lasts.begin(), middle, lasts.end());
      std::erase_if(sources_, [&](const auto& e) { return e.second.last <= *middle; });
    }
    Source fresh;
    fresh.bucket = Bucket{limits_.burst, now};
    for (auto& r : fresh.reserves) r.bucket = Bucket{reserve_burst, now};
    it = sources_.emplace(from, fresh).first;
  }
  Source& s = it->second;
  s.last = now;
  if (s.bucket.Take(limits_.rate, limits_.burst, now)) return true;
  // The port's reserve, or else the one used least recently, taken over.
  Source::Reserve* r = &s.reserves[0];
  for (auto& c : s.reserves) {
    if (c.port == port) {
      r = &c;
      break;
    }
    if (c.used < r->used) r = &c;
  }
  r->port = port;
  r->used = now;
  return r->bucket.Take(reserve_rate, reserve_burst, now);
}

Responder::Decision Responder::Handle(std::span<const uint8_t> datagram, uint32_t from,
                                      bool from_local, const Provided& provided,
                                      Clock::time_point now, uint16_t from_port) {
  ++stats_.received;
  Decision d;
  auto m = Decode(datagram);
  if (!m.ok()) {
    ++stats_.malformed;
    d.outcome = Outcome::kMalformed;
    d.why = m.status().context();
    return d;
  }
  if (!IsRequest(m->type)) {
    ++stats_.not_request;
    d.outcome = Outcome::kNotRequest;
    d.request = std::move(*m);
    return d;
  }
  if (m->local_only && !from_local) {
    ++stats_.not_local;
    d.outcome = Outcome::kNotLocal;
    d.request = std::move(*m);
    return d;
  }
  Message reply;
  reply.type = Type::kIProvide;
  reply.id = m->id;
  for (const auto& r : m->resources) {
    if (provided.Provides(r)) reply.resources.push_back(r);
  }
  bool broadcast = m->type == Type::kWhoProvides || m->type == Type::kWhoAnywhereProvides;
  if (broadcast && reply.resources.empty()) {
    ++stats_.silent;
    d.outcome = Outcome::kSilent;
    d.request = std::move(*m);
    return d;
  }
  if (!Admit(from, from_port, now)) {
    ++stats_.rate_limited;
    d.outcome = Outcome::kRateLimited;
    d.request = std::move(*m);
    return d;
  }
  auto bytes = Encode(reply);  // a subset of what decoded: it fits
  if (!bytes.ok()) {
    ++stats_.malformed;
    d.outcome = Outcome::kMalformed;
    d.why = bytes.status().context();
    return d;
  }
  ++stats_.answered;
  d.outcome = Outcome::kAnswer;
  d.reply = std::move(*bytes);
  d.request = std::move(*m);
  return d;
}

std::string Responder::StatsLine() const {
  return "received " + std::to_string(stats_.received) + ", answered " +
         std::to_string(stats_.answered) + ", silent " + std::to_string(stats_.silent) +
         ", not local " + std::to_string(stats_.not_local) + ", rate-limited " +
         std::to_string(stats_.rate_limited) + ", malformed " + std::to_string(stats_.malformed) +
         ", not requests " + std::to_string(stats_.not_request);
}

}  // namespace amd::rlp
