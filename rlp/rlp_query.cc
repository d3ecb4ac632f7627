// The RLP requester; see rlp_query.h.
#include "rlp/rlp_query.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "base/interfaces.h"

namespace amd::rlp {
namespace {

bool SameResource(const Resource& a, const Resource& b) {
  return a.protocol == b.protocol && a.id == b.id;
}

void AddResource(std::vector<Resource>& to, const Resource& r) {
  for (const auto& have : to) {
    if (SameResource(have, r)) return;
  }
  Resource copy = r;
  copy.hosts.clear();
  to.push_back(std::move(copy));
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

Query::Query(QueryOptions options, std::vector<uint32_t> broadcasts, Clock::time_point start,
             uint16_t first_id)
    : options_(std::move(options)), start_(start), next_id_(first_id) {
  if (options_.resources.empty())
    status_ = Status::Error("RLP: a query names at least one resource");
  Message probe;
  probe.resources = options_.resources;
  if (auto e = Encode(probe); !e.ok()) status_ = e.status();
  if (options_.broadcast) {
    for (uint32_t b : broadcasts) targets_.push_back(Target{b, true, 0, start, false});
  }
  for (uint32_t h : options_.hosts) targets_.push_back(Target{h, false, 0, start, false});
  if (!status_.ok()) targets_.clear();
}

std::vector<Query::Datagram> Query::Due(Clock::time_point now) {
  std::vector<Datagram> out;
  if (now >= start_ + options_.max_wait) return out;
  for (size_t t = 0; t < targets_.size(); ++t) {
    Target& target = targets_[t];
    if (target.answered || target.sends > options_.retries || now < target.next_send) continue;
    Message m;
    m.type = target.broadcast
                 ? (options_.anywhere ? Type::kWhoAnywhereProvides : Type::kWhoProvides)
                 : (options_.anywhere ? Type::kDoesAnyoneProvide : Type::kDoYouProvide);
    m.local_only = target.broadcast && options_.local_only;
    m.id = next_id_++;
    m.resources = options_.resources;
    auto bytes = Encode(m);
    if (!bytes.ok()) continue;  // the constructor checked the resources
    sent_[m.id] = Sent{t, now};
    out.push_back(Datagram{target.address, std::move(*bytes)});
    target.next_send = now + options_.first_retry * (1 << target.sends);
    ++target.sends;
    ++sent_count_;
    if (target.broadcast) last_broadcast_send_ = now;
  }
  return out;
}

Provider& Query::ProviderFor(uint32_t address) {
  for (auto& p : providers_) {
    if (p.address == address) return p;
  }
  providers_.push_back(Provider{});
  providers_.back().address = address;
  return providers_.back();
}

void Query::OnDatagram(uint32_t from, std::span<const uint8_t> bytes, Clock::time_point now) {
  auto m = Decode(bytes);
  if (!m.ok() || IsRequest(m->type)) {
    ++ignored_;
    return;
  }
  auto sent = sent_.find(m->id);
  if (sent == sent_.end()) {
    ++ignored_;
    return;
  }
  ++replies_;
  Target& target = targets_[sent->second.target];
  target.answered = true;
  if (target.broadcast) {
    broadcast_answered_ = true;
    last_broadcast_reply_ = now;
  }
  auto asked = [&](const Resource& r) {
    return std::any_of(options_.resources.begin(), options_.resources.end(),
                       [&](const Resource& a) { return SameResource(a, r); });
  };
  Provider& p = ProviderFor(from);
  if (!p.rtt_ms) p.rtt_ms = Ms(now - sent->second.at);
  if (!target.broadcast) p.asked_directly = true;
  if (m->type == Type::kIProvide) {
    for (const auto& r : m->resources) {
      if (asked(r)) AddResource(p.resources, r);
    }
    return;
  }
  // They-Provide: the hosts it names. (ProviderFor may grow providers_,
  // so `p` is not used past this point.)
  for (const auto& r : m->resources) {
    if (!asked(r)) continue;
    for (uint32_t h : r.hosts) {
      Provider& named = ProviderFor(h);
      AddResource(named.resources, r);
      if (std::find(named.named_by.begin(), named.named_by.end(), from) == named.named_by.end()) {
        named.named_by.push_back(from);
      }
    }
  }
}

bool Query::Done(Clock::time_point now) const {
  if (targets_.empty() || now >= start_ + options_.max_wait) return true;
  bool broadcasts = false;
  for (const auto& t : targets_) {
    if (t.broadcast)
      broadcasts = true;
    else if (!t.answered)
      return false;
  }
  if (!broadcasts) return true;
  // The broadcasts are over once one was answered and neither a reply
  // nor a retransmission of theirs has come for the quiet gap.
  if (!broadcast_answered_) return false;
  return now - std::max(last_broadcast_reply_, last_broadcast_send_) >= options_.quiet;
}

Clock::time_point Query::NextWake() const {
  Clock::time_point wake = start_ + options_.max_wait;
  for (const auto& t : targets_) {
    if (!t.answered && t.sends <= options_.retries) wake = std::min(wake, t.next_send);
  }
  if (broadcast_answered_)
    wake = std::min(wake, std::max(last_broadcast_reply_, last_broadcast_send_) + options_.quiet);
  return wake;
}

QueryResult Query::Result(Clock::time_point now) const {
  QueryResult r;
  r.providers = providers_;
  std::stable_sort(r.providers.begin(), r.providers.end(),
                   [](const Provider& a, const Provider& b) {
                     if (a.rtt_ms.has_value() != b.rtt_ms.has_value()) return a.rtt_ms.has_value();
                     return a.rtt_ms.value_or(0) < b.rtt_ms.value_or(0);
                   });
  for (const auto& t : targets_) {
    if (!t.broadcast && !t.answered) r.no_answer.push_back(t.address);
  }
  r.sent = sent_count_;
  r.replies = replies_;
  r.ignored = ignored_;
  r.elapsed_ms = Ms(now - start_);
  return r;
}

Result<std::vector<uint32_t>> BroadcastAddresses(const QueryOptions& options) {
  std::vector<uint32_t> out;
  if (!options.broadcast) return out;
  auto add = [&](uint32_t a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  auto interfaces = Ipv4Interfaces();
  if (options.interfaces.empty() && options.broadcasts.empty()) {
    for (const auto& i : interfaces) {
      if (i.up && !i.loopback && i.broadcast != 0) add(i.broadcast);
    }
  }
  for (const auto& name : options.interfaces) {
    bool found = false;
    for (const auto& i : interfaces) {
      if (i.name == name && i.up && i.broadcast != 0) {
        add(i.broadcast);
        found = true;
      }
    }
    if (!found)
      return Status::Error("RLP: no IPv4 broadcast address on interface " + name,
                           std::errc::no_such_device);
  }
  for (uint32_t b : options.broadcasts) add(b);
  return out;
}

Result<QueryResult> Ask(const QueryOptions& options) {
  auto broadcasts = BroadcastAddresses(options);
  if (!broadcasts.ok()) return broadcasts.status();
  if (broadcasts->empty() && options.hosts.empty()) {
    return Status::Error("RLP: nowhere to ask: no broadcast interface and no host named",
                         std::errc::network_unreachable);
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::FromErrno("RLP: socket", errno);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
    Status s = Status::FromErrno("RLP: bind", errno);
    ::close(fd);
    return s;
  }
  std::random_device random;
  Query q(options, *broadcasts, Clock::now(), static_cast<uint16_t>(random()));
  if (!q.status().ok()) {
    ::close(fd);
    return q.status();
  }
  Status send_error;
  int send_ok = 0;
  while (!q.Done(Clock::now())) {
    for (const auto& d : q.Due(Clock::now())) {
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(options.port);
      to.sin_addr.s_addr = htonl(d.to);
      if (::sendto(fd, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                   sizeof to) < 0) {
        send_error = Status::FromErrno("RLP: send to " + Ipv4ToString(d.to), errno);
      } else {
        ++send_ok;
      }
    }
    auto wait = std::chrono::ceil<milliseconds>(q.NextWake() - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::clamp<long>(wait, 0, 60000))) <= 0) continue;
    uint8_t buf[kMaxDatagram];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      if (ntohs(from.sin_port) != options.port) continue;  // not from an RLP responder
      q.OnDatagram(ntohl(from.sin_addr.s_addr),
                   std::span<const uint8_t>(buf, static_cast<size_t>(n)), Clock::now());
    }
  }
  ::close(fd);
  if (send_ok == 0 && !send_error.ok()) return send_error;
  return q.Result(Clock::now());
}

}  // namespace amd::rlp
