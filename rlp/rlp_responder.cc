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

bool Responder::Admit(uint32_t from, Clock::time_point now) {
  if (limits_.rate <= 0) return true;
  auto it = buckets_.find(from);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.max_sources) {
      // Forget the sources idle longest: they would have a full bucket anyway.
      std::vector<Clock::time_point> lasts;
      lasts.reserve(buckets_.size());
      for (const auto& [a, b] : buckets_) lasts.push_back(b.last);
      auto middle = lasts.begin() + static_cast<std::ptrdiff_t>(lasts.size() / 2);
      std::nth_element(lasts.begin(), middle, lasts.end());
      std::erase_if(buckets_, [&](const auto& e) { return e.second.last <= *middle; });
    }
    it = buckets_.emplace(from, Bucket{limits_.burst, now}).first;
  }
  Bucket& b = it->second;
  double seconds = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(limits_.burst, b.tokens + seconds * limits_.rate);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

Responder::Decision Responder::Handle(std::span<const uint8_t> datagram, uint32_t from, bool from_local,
                                      const Provided& provided, Clock::time_point now) {
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
  if (!Admit(from, now)) {
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
  return "received " + std::to_string(stats_.received) + ", answered " + std::to_string(stats_.answered) +
         ", silent " + std::to_string(stats_.silent) + ", not local " + std::to_string(stats_.not_local) +
         ", rate-limited " + std::to_string(stats_.rate_limited) + ", malformed " +
         std::to_string(stats_.malformed) + ", not requests " + std::to_string(stats_.not_request);
}

}  // namespace amd::rlp
