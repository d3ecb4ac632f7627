// The FUSE relay; see relay.h.
#include "relay/relay.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <future>
#include <list>
#include <nlohmann/json.hpp>
#include "relay/volume_json.h"

namespace amd::relay {
namespace {

using failover::Clock;
using failover::Duration;
using failover::Work;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr size_t kMaxReplicas = 64;

bool Transient(const Status& s) {
  static const std::errc kTransient[] = {
      std::errc::timed_out,          std::errc::connection_reset, std::errc::connection_refused,
      std::errc::connection_aborted, std::errc::host_unreachable, std::errc::network_unreachable,
      std::errc::broken_pipe,        std::errc::not_connected,    std::errc::bad_message,
      std::errc::network_down,       std::errc::message_size,     std::errc::protocol_not_supported,
  };
  return std::any_of(std::begin(kTransient), std::end(kTransient),
                     [&](std::errc e) { return s.code() == std::make_error_code(e); });
}

// The status word every NFSv3 result begins with.
nfs3::Stat FirstStat(std::span<const uint8_t> results) {
  uint32_t v = 0;
  rpc::XdrReader r(results);
  if (!r.U32(&v)) return nfs3::kServerfault;
  return static_cast<nfs3::Stat>(v);
}

mode_t TypeBits(nfs3::Ftype t) {
  switch (t) {
    case nfs3::Ftype::kReg:
      return S_IFREG;
    case nfs3::Ftype::kDir:
      return S_IFDIR;
    case nfs3::Ftype::kBlk:
      return S_IFBLK;
    case nfs3::Ftype::kChr:
      return S_IFCHR;
    case nfs3::Ftype::kLnk:
      return S_IFLNK;
    case nfs3::Ftype::kSock:
      return S_IFSOCK;
    case nfs3::Ftype::kFifo:
      return S_IFIFO;
  }
  return S_IFREG;
}

// Counts a READ in flight to a replica while it lives (none for other work).
class Reading {
 public:
  Reading(ReplicaLink& l, Work work)
      : l_(l), n_(work == Work::kRead ? &l.reads_in_flight : nullptr) {
    if (n_) {
      ++*n_;
      ++l.reads_sent;
    }
  }
  ~Reading() {
    if (!n_) return;
    l_.read_ended = Clock::now().time_since_epoch().count();
    --*n_;
  }
  Reading(const Reading&) = delete;
  Reading& operator=(const Reading&) = delete;

 private:
  ReplicaLink& l_;
  std::atomic<int>* n_;
};

// Whether READs to a replica were in flight at any time between its
// construction and loaded(), or ended less than kReadQuiet before: a call
// timed meanwhile measures our own load as much as the replica (its reply
// queues behind theirs, at the server and on the link).
constexpr Duration kReadQuiet = std::chrono::milliseconds(250);

class LoadWatch {
 public:
  explicit LoadWatch(const ReplicaLink& l)
      : l_(l),
        busy_(l.reads_in_flight > 0 ||
              Clock::now().time_since_epoch().count() - l.read_ended <
                  std::chrono::duration_cast<Clock::duration>(kReadQuiet).count()),
        sent_(l.reads_sent) {}
  bool loaded() const { return busy_ || l_.reads_in_flight > 0 || l_.reads_sent != sent_; }

 private:
  const ReplicaLink& l_;
  bool busy_;
  uint64_t sent_;
};

Status Differs(const std::string& what) { return Status::Error(what, std::errc::io_error); }

}  // namespace

Relay::Relay(RelayOptions o)
    : o_(std::move(o)),
      volume_(o_.replicas, o_.policy, Clock::now()),
      policy_(std::make_shared<const failover::Policy>(o_.policy)),
      started_wall_(std::chrono::system_clock::now()),
      started_(Clock::now()) {
  links_.reserve(kMaxReplicas);
}

Result<std::unique_ptr<Relay>> Relay::Open(RelayOptions o) {
  if (o.replicas.empty()) return Status::Error("volume " + o.volume + ": no replicas");
  if (o.replicas.size() > kMaxReplicas)
    return Status::Error("volume " + o.volume + ": over 64 replicas");
  std::unique_ptr<Relay> relay(new Relay(std::move(o)));
  for (const auto& name : relay->o_.replicas) {
    auto link = ReplicaLink::Parse(name);
    if (!link.ok()) return link.status();
    relay->links_.push_back(std::move(*link));
  }
  // The first replica that answers, in the map's order.
  Status last;
  auto now = Clock::now();
  for (size_t i = 0; i < relay->links_.size(); ++i) {
    ReplicaLink& l = *relay->links_[i];
    auto ch = l.Connect(duration_cast<milliseconds>(relay->policy()->probe_timeout) * 3);
    if (!ch.ok()) {
      spdlog::warn("volume {}: replica {}: {}", relay->o_.volume, l.name(), ch.status().ToString());
      relay->volume_.OnError(i, now);
      last = ch.status();
      continue;
    }
    auto got = (*ch)->Call(nfs3::kProgram, 3, nfs3::kGetattr, nfs3::FhArg(l.root()), &RelayCred(),
                           relay->policy()->probe_timeout * 3);
    if (!got.ok()) {
      last = got.status();
      relay->volume_.OnError(i, now);
      continue;
    }
    auto attr = nfs3::DecodeGetattr(got->results);
    if (!attr.ok() || attr->stat != nfs3::kOk) {
      last = attr.ok() ? Status::FromErrno(l.name() + ": GETATTR of the root",
                                           nfs3::ErrnoFromStat(attr->stat))
                       : attr.status();
      continue;
    }
    relay->table_.emplace(attr->attr, i, l.root());
    if (i != 0) {
      auto f = relay->volume_.Force(i, now);  // the map's first did not answer
      (void)f;
    }
    relay->serving_ = i;
    auto rev = relay->ReadRevision(i);
    if (rev.ok()) relay->revision_ = *rev;
    spdlog::info("volume {}: serving from {}{}", relay->o_.volume, l.name(),
                 relay->revision_ ? " at revision " + std::to_string(*relay->revision_) : "");
    relay->prober_ = std::thread([r = relay.get()] { r->ProbeLoop(); });
    return relay;
  }
  return Status(last.code(), "volume " + relay->o_.volume +
                                 ": no replica answers (last: " + last.ToString() + ")");
}

Relay::~Relay() {
  Stop();
  if (prober_.joinable()) prober_.join();
}

void Relay::SetPolicy(const failover::Policy& policy) {
  std::lock_guard lock(mu_);
  policy_.store(std::make_shared<const failover::Policy>(policy));
  volume_.SetPolicy(policy);
}

void Relay::Stop() {
  stopping_ = true;
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

size_t Relay::serving() const {
  std::lock_guard lock(mu_);
  return serving_;
}

const std::string& Relay::serving_name() const { return links_[serving()]->name(); }

milliseconds Relay::ConnectTimeout(size_t r) const {
  Duration rto;
  {
    std::lock_guard lock(mu_);
    rto = volume_.Rto(r);
  }
  return std::clamp(duration_cast<milliseconds>(rto),
                    duration_cast<milliseconds>(policy()->min_rto),
                    duration_cast<milliseconds>(policy()->probe_timeout));
}

Result<std::shared_ptr<rpc::Channel>> Relay::ConnectTo(size_t r) {
  auto ch = links_[r]->Connect(ConnectTimeout(r));
  if (!ch.ok()) {
    std::lock_guard lock(mu_);
    volume_.OnError(r, Clock::now());
  }
  return ch;
}

Result<rpc::ChannelReply> Relay::CallOnce(size_t r, uint32_t proc, std::span<const uint8_t> args,
                                          Work work, uint64_t bytes) {
  auto ch = ConnectTo(r);
  if (!ch.ok()) return ch.status();
  Duration timeout;
  {
    std::lock_guard lock(mu_);
    timeout = volume_.Rto(r);
  }
  auto start = Clock::now();
  LoadWatch watch(*links_[r]);
  Result<rpc::ChannelReply> reply = Status();
  {
    Reading reading(*links_[r], work);
    reply = (*ch)->Call(nfs3::kProgram, 3, proc, args, &RelayCred(), timeout);
  }
  auto now = Clock::now();
  bool loaded = watch.loaded();
  std::lock_guard lock(mu_);
  if (reply.ok()) {
    volume_.OnCall(r, work, duration_cast<Duration>(now - start), bytes, now, loaded);
  } else if (reply.status().code() == std::make_error_code(std::errc::timed_out)) {
    volume_.OnTimeout(r, now);
  } else {
    volume_.OnError(r, now);
    links_[r]->Drop();
  }
  return reply;
}

std::optional<size_t> Relay::HedgeTarget(size_t r) {
  std::vector<size_t> ranked;
  std::optional<uint64_t> mine;
  {
    std::lock_guard lock(mu_);
    if (switching_) return std::nullopt;
    ranked = volume_.Ranked();
    mine = revision_;
    if (revision_ok_.size() < links_.size()) revision_ok_.resize(links_.size(), 0);
  }
  for (size_t alt : ranked) {
    if (alt == r) continue;
    bool checked;
    {
      std::lock_guard lock(mu_);
      checked = revision_ok_[alt];
    }
    if (checked) return alt;
    auto theirs = ReadRevision(alt);
    if (!theirs.ok()) continue;
    std::lock_guard lock(mu_);
    if ((mine && !*theirs) || (mine && **theirs < *mine)) {
      volume_.Reject(
          alt,
          links_[alt]->name() + (*theirs ? " is at revision " + std::to_string(**theirs) +
                                               ", older than " + std::to_string(*mine)
                                         : " has no " + policy()->revision_file),
          Clock::now());
      continue;
    }
    revision_ok_[alt] = 1;
    return alt;
  }
  return std::nullopt;
}

Result<Relay::Answer> Relay::CallServing(uint64_t ino, size_t r, const nfs3::Fh& fh, uint32_t proc,
                                         const Args& args, Work work, uint64_t bytes) {
  auto ch = ConnectTo(r);
  if (!ch.ok()) return ch.status();
  Duration timeout;
  std::optional<Duration> hedge_at;
  {
    std::lock_guard lock(mu_);
    timeout = volume_.Rto(r);
    hedge_at = volume_.HedgeDelay(r, work, bytes);
  }
  auto w = std::make_shared<Flight>();
  auto start = Clock::now();
  auto deadline = start + timeout;
  LoadWatch watch(*links_[r]);
  Reading reading(*links_[r], work);
  std::optional<Reading> alt_reading;
  std::optional<LoadWatch> alt_watch;  // the hedge's replica, from when it is sent
  std::vector<uint8_t> a = args(fh);
  uint32_t xid =
      (*ch)->Send(nfs3::kProgram, 3, proc, a, &RelayCred(), [w](Result<rpc::ChannelReply> got) {
        std::lock_guard lock(w->mu);
        w->from_r.emplace(std::move(got));
        w->r_done = Clock::now();
        w->cv.notify_all();
      });
  std::unique_lock lock(w->mu);
  std::optional<size_t> alt;
  std::shared_ptr<rpc::Channel> alt_ch;
  uint32_t alt_xid = 0;
  size_t alt_index = 0;
  failover::TimePoint alt_start;
  if (hedge_at && *hedge_at < timeout &&
      !w->cv.wait_until(lock, start + *hedge_at, [&] { return w->from_r.has_value(); })) {
    lock.unlock();
    alt = HedgeTarget(r);
    std::optional<Result<nfs3::Fh>> alt_fh;
    if (alt) alt_fh = HandleOn(ino, *alt);
    auto c = alt && alt_fh->ok() ? links_[*alt]->Connect(ConnectTimeout(*alt))
                                 : Result<std::shared_ptr<rpc::Channel>>(Status::Error("none"));
    if (c.ok()) {
      alt_ch = *c;
      alt_index = *alt;
      alt_watch.emplace(*links_[alt_index]);
      alt_reading.emplace(*links_[alt_index], work);
      alt_start = Clock::now();
      std::vector<uint8_t> alt_args = args(**alt_fh);
      alt_xid = alt_ch->Send(nfs3::kProgram, 3, proc, alt_args, &RelayCred(),
                             [w](Result<rpc::ChannelReply> got) {
                               std::lock_guard l(w->mu);
                               w->from_alt.emplace(std::move(got));
                               w->alt_done = Clock::now();
                               w->cv.notify_all();
                             });
      std::lock_guard l(mu_);
      ++hedges_;
    } else {
      alt.reset();
    }
    lock.lock();
  }
  // Waits in slices: a switch away from `r` meanwhile (another call found
  // it down) ends the wait, and the call goes to the new replica.
  bool moved = false;
  while (!w->cv.wait_until(lock, std::min(deadline, Clock::now() + milliseconds(50)), [&] {
    return w->from_r.has_value() || (w->from_alt && w->from_alt->ok());
  })) {
    if (Clock::now() >= deadline) break;
    lock.unlock();
    moved = serving() != r;
    lock.lock();
    if (moved) break;
  }
  auto now = Clock::now();
  if (w->from_r && (w->from_r->ok() || !w->from_alt || !w->from_alt->ok())) {
    // The replica in use answered (or failed) first.
    Result<rpc::ChannelReply> got = std::move(*w->from_r);
    auto rtt = w->r_done - start;
    lock.unlock();
    if (alt_ch) alt_ch->Forget(alt_xid);
    std::lock_guard l(mu_);
    if (got.ok()) {
      volume_.OnCall(r, work, duration_cast<Duration>(rtt), bytes, now,
                     work == Work::kMetadata && watch.loaded());
      return Answer{std::move(*got), r};
    }
    volume_.OnError(r, now);
    links_[r]->Drop();
    return got.status();
  }
  if (w->from_alt && w->from_alt->ok()) {
    // The hedge won: its answer is taken; the call to `r` still counts,
    // when it comes or when its time is up.
    Result<rpc::ChannelReply> got = std::move(*w->from_alt);
    auto rtt = w->alt_done - alt_start;
    lock.unlock();
    std::lock_guard l(mu_);
    volume_.OnCall(alt_index, work, duration_cast<Duration>(rtt), bytes, now,
                   work == Work::kMetadata && alt_watch->loaded());
    ++hedges_won_;
    watches_.push_back({start, deadline, r, xid, *ch, w, work, bytes});
    return Answer{std::move(*got), alt_index};
  }
  // Nothing in time, or the relay moved on to another replica.
  lock.unlock();
  if (alt_ch) alt_ch->Forget(alt_xid);
  std::lock_guard l(mu_);
  if (moved) {
    watches_.push_back({start, deadline, r, xid, *ch, w, work, bytes});
    return Status::FromErrno("moved to another replica", ETIMEDOUT);
  }
  (*ch)->Forget(xid);
  volume_.OnTimeout(r, now);
  return Status::FromErrno("no answer in time", ETIMEDOUT);
}

void Relay::ExpireWatches() {
  std::vector<Watch> due;
  auto now = Clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = std::partition(watches_.begin(), watches_.end(), [&](const Watch& w) {
      std::lock_guard l(w.flight->mu);
      return w.deadline > now && !w.flight->from_r;
    });
    due.assign(std::make_move_iterator(it), std::make_move_iterator(watches_.end()));
    watches_.erase(it, watches_.end());
  }
  for (auto& w : due) {
    std::optional<bool> answered;  // ok, or failed; nullopt: no answer in time
    failover::TimePoint done;
    {
      std::lock_guard l(w.flight->mu);
      if (w.flight->from_r) {
        answered = w.flight->from_r->ok();
        done = w.flight->r_done;
      }
    }
    if (!answered) {
      if (auto ch = w.channel.lock()) ch->Forget(w.xid);
    }
    std::lock_guard lock(mu_);
    if (!answered) {
      volume_.OnTimeout(w.replica, now);
    } else if (*answered) {
      // Late, but answered: what it took counts (a slow replica's reads
      // are measured even while hedges hide them).
      volume_.OnCall(w.replica, w.work, duration_cast<Duration>(done - w.start), w.bytes, done,
                     w.work == Work::kMetadata);
    } else {
      volume_.OnError(w.replica, now);
    }
  }
}

Result<nfs3::Fh> Relay::HandleOn(uint64_t ino, size_t r) {
  std::vector<std::pair<uint64_t, std::string>> chain;  // nodes to find, deepest first
  nfs3::Fh fh;
  {
    std::lock_guard lock(mu_);
    for (uint64_t cur = ino;;) {
      Node* n = table_->Get(cur);
      if (!n) return Status::FromErrno("node " + std::to_string(cur), ESTALE);
      if (table_->Differs(*n, r)) {
        return Differs(links_[r]->name() + " holds another " + table_->Path(cur));
      }
      if (const nfs3::Fh* h = table_->Handle(*n, r)) {
        fh = *h;
        break;
      }
      if (cur == kRootIno) {
        fh = links_[r]->root();
        if (fh.empty()) break;  // not connected yet: Connect below
        table_->SetHandle(n, r, fh);
        break;
      }
      chain.emplace_back(cur, n->name);
      cur = n->parent;
    }
  }
  if (fh.empty()) {
    auto ch = ConnectTo(r);
    if (!ch.ok()) return ch.status();
    return HandleOn(ino, r);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto reply = CallOnce(r, nfs3::kLookup, nfs3::LookupArg(fh, it->second), Work::kMetadata, 0);
    if (!reply.ok()) return reply.status();
    auto res = nfs3::DecodeLookup(reply->results);
    std::lock_guard lock(mu_);
    Node* n = table_->Get(it->first);
    if (!n) return Status::FromErrno("node", ESTALE);
    if (!res.ok() || res->stat != nfs3::kOk || !res->attr || !SameFile(n->identity, *res->attr)) {
      table_->MarkDiffers(n, r);
      return Differs(links_[r]->name() + " holds " + table_->Path(it->first) +
                     (res.ok() && res->stat != nfs3::kOk ? " not at all" : " differently"));
    }
    table_->SetHandle(n, r, res->fh);
    fh = res->fh;
  }
  return fh;
}

Result<Relay::Answer> Relay::Call(uint64_t ino, uint32_t proc, const Args& args, Work work,
                                  uint64_t bytes, const kernel::FuseRequest* req) {
  int stale = 0;
  for (;;) {
    if (stopping_) return Status::FromErrno("relay stopping", ESHUTDOWN);
    if (req && req->Interrupted()) return Status::FromErrno("interrupted", EINTR);
    size_t r = serving();
    Result<rpc::ChannelReply> reply = Status();
    auto fh = HandleOn(ino, r);
    if (fh.ok()) {
      auto answer = CallServing(ino, r, *fh, proc, args, work, bytes);
      if (answer.ok()) {
        r = answer->replica;
        reply = std::move(answer->reply);
      } else {
        reply = answer.status();
      }
      if (reply.ok()) {
        nfs3::Stat st = FirstStat(reply->results);
        if ((st == nfs3::kStale || st == nfs3::kBadhandle) && stale++ < 2) {
          std::lock_guard lock(mu_);
          table_->ForgetReplica(r);  // its server restarted: find the path again
          links_[r]->Drop();
          continue;
        }
        if (st == nfs3::kJukebox) {
          std::this_thread::sleep_for(milliseconds(50));
          continue;
        }
        return Answer{std::move(*reply), r};
      }
    } else {
      reply = fh.status();
    }
    if (!Transient(reply.status())) return reply.status();
    Decide();
    std::unique_lock lock(mu_);
    if (serving_ == r && !stopping_ &&
        (volume_.health(r) == failover::Health::kDown ||
         volume_.health(r) == failover::Health::kProbing)) {
      // Nothing better is up: wait for a switch, or a while, and try again.
      cv_.wait_for(lock, milliseconds(50));
    }
  }
}

void Relay::Decide() {
  std::unique_lock lock(mu_);
  if (switching_) return;  // another thread validates a candidate
  if (auto sw = volume_.Tick(Clock::now())) SwitchDecided(lock, *sw);
}

void Relay::SwitchDecided(std::unique_lock<std::mutex>& lock, failover::Switch sw) {
  switching_ = true;
  for (;;) {
    std::optional<uint64_t> revision = revision_;
    lock.unlock();
    Status v = Validate(sw.to, &revision);
    lock.lock();
    if (v.ok()) {
      spdlog::warn("volume {}: switched from {} to {}: {}", o_.volume, links_[sw.from]->name(),
                   links_[sw.to]->name(), sw.reason);
      serving_ = sw.to;
      revision_ = revision;
      break;
    }
    spdlog::warn("volume {}: {} refused: {}", o_.volume, links_[sw.to]->name(), v.ToString());
    volume_.Undo(sw, v.ToString(), Clock::now());
    auto next = volume_.Tick(Clock::now());
    if (!next) break;
    sw = *next;
  }
  switching_ = false;
  cv_.notify_all();
}

Result<std::optional<uint64_t>> Relay::ReadRevision(size_t r) {
  if (policy()->revision_file.empty()) return std::optional<uint64_t>();
  nfs3::Fh root = links_[r]->root();
  auto look = CallOnce(r, nfs3::kLookup, nfs3::LookupArg(root, policy()->revision_file),
                       Work::kMetadata, 0);
  if (!look.ok()) return look.status();
  auto found = nfs3::DecodeLookup(look->results);
  if (!found.ok()) return found.status();
  if (found->stat == nfs3::kNoent) return std::optional<uint64_t>();
  if (found->stat != nfs3::kOk)
    return Status::FromErrno("revision file", nfs3::ErrnoFromStat(found->stat));
  auto read = CallOnce(r, nfs3::kRead, nfs3::ReadArg(found->fh, 0, 64), Work::kMetadata, 0);
  if (!read.ok()) return read.status();
  auto data = nfs3::DecodeRead(read->results);
  if (!data.ok() || data->stat != nfs3::kOk) return Status::Error("revision file: unreadable");
  std::string text(data->data.begin(), data->data.end());
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) {
    return Status::Error(policy()->revision_file + " on " + links_[r]->name() + ": not a number");
  }
  return std::optional<uint64_t>(v);
}

Status Relay::Validate(size_t r, std::optional<uint64_t>* revision) {
  const std::string& name = links_[r]->name();
  auto ch = links_[r]->Connect(duration_cast<milliseconds>(policy()->probe_timeout));
  if (!ch.ok()) return ch.status();
  auto theirs = ReadRevision(r);
  if (!theirs.ok()) return theirs.status();
  if (*revision && !*theirs) {
    return Differs(name + " has no " + policy()->revision_file + " (in use: revision " +
                   std::to_string(**revision) + ")");
  }
  if (*revision && **theirs < **revision) {
    return Differs(name + " is at revision " + std::to_string(**theirs) + ", older than " +
                   std::to_string(**revision));
  }
  if (*theirs) *revision = *theirs;
  std::vector<uint64_t> open;
  {
    std::lock_guard lock(mu_);
    open = table_->OpenNodes();
  }
  for (uint64_t ino : open) {
    auto fh = HandleOn(ino, r);
    if (!fh.ok()) return fh.status();
  }
  return {};
}

void Relay::ProbeLoop() {
  std::list<std::future<void>> probes;
  while (!stopping_) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, milliseconds(20));
      if (stopping_) break;
    }
    std::vector<size_t> due;
    {
      std::lock_guard lock(mu_);
      due = volume_.DueProbes(Clock::now());
    }
    for (size_t r : due) probes.push_back(std::async(std::launch::async, [this, r] { Probe(r); }));
    probes.remove_if([](std::future<void>& f) {
      return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    ExpireWatches();
    Decide();
    Discover();
  }
  for (auto& f : probes) f.wait();
}

void Relay::Probe(size_t r) {
  auto timeout = policy()->probe_timeout;
  auto start = Clock::now();
  std::optional<Duration> rtt;
  bool loaded = false;
  auto ch = links_[r]->Connect(duration_cast<milliseconds>(timeout));
  if (ch.ok()) {
    auto null = (*ch)->Call(nfs3::kProgram, 3, nfs3::kNull, {}, &RelayCred(), timeout);
    auto mid = Clock::now();
    if (null.ok() && mid - start < timeout) {
      LoadWatch watch(*links_[r]);
      auto got = (*ch)->Call(nfs3::kProgram, 3, nfs3::kGetattr, nfs3::FhArg(links_[r]->root()),
                             &RelayCred(), timeout - duration_cast<Duration>(mid - start));
      if (got.ok() && FirstStat(got->results) == nfs3::kOk) {
        rtt = duration_cast<Duration>(Clock::now() - mid);
      }
      loaded = watch.loaded();
      if (!got.ok() && got.status().code() != std::make_error_code(std::errc::timed_out)) {
        links_[r]->Drop();
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    bool was_down = volume_.health(r) == failover::Health::kDown ||
                    volume_.health(r) == failover::Health::kProbing;
    volume_.OnProbe(r, rtt, Clock::now(), loaded);
    if (was_down && rtt) {
      spdlog::info("volume {}: {} answers again ({:.2f} ms)", o_.volume, links_[r]->name(),
                   static_cast<double>(rtt->count()) / 1000.0);
    }
  }
  if (rtt) ProbeRead(r);
}

std::optional<std::pair<uint64_t, uint64_t>> Relay::ProbeFile() {
  // The largest file open, kept while it stays open: every replica's
  // probe reads the same bytes.
  auto fits = [&](const Node* n) {
    return n && n->open > 0 && n->identity.type == nfs3::Ftype::kReg &&
           n->identity.size >= policy()->probe_read_bytes / 16 && n->identity.size > 0;
  };
  if (!fits(table_->Get(probe_ino_))) {
    probe_ino_ = 0;
    uint64_t largest = 0;
    for (uint64_t ino : table_->OpenNodes()) {
      const Node* n = table_->Get(ino);
      if (fits(n) && n->identity.size > largest) {
        largest = n->identity.size;
        probe_ino_ = ino;
      }
    }
    if (probe_ino_ == 0) return std::nullopt;
  }
  return std::make_pair(
      probe_ino_, std::min(table_->Get(probe_ino_)->identity.size, policy()->probe_read_bytes));
}

void Relay::ProbeRead(size_t r) {
  if (policy()->probe_read_bytes == 0) return;
  std::optional<std::pair<uint64_t, uint64_t>> file;
  {
    std::lock_guard lock(mu_);
    file = ProbeFile();
  }
  if (!file) return;
  auto fh = HandleOn(file->first, r);
  if (!fh.ok()) return;  // not there, or not the same file: validation's to say
  // Four reads at once, as the relay's own reads go.
  constexpr uint64_t kParts = 4;
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t answered = 0;
    bool failed = false;
  };
  auto w = std::make_shared<Wait>();
  uint64_t part = std::max<uint64_t>(4096, (file->second + kParts - 1) / kParts);
  Reading reading(*links_[r], Work::kRead);
  std::vector<std::pair<std::shared_ptr<rpc::Channel>, uint32_t>> sent;
  auto start = Clock::now();
  for (uint64_t at = 0; at < file->second; at += part) {
    auto ch = links_[r]->Connect(ConnectTimeout(r));
    if (!ch.ok()) return;
    auto count = static_cast<uint32_t>(std::min(part, file->second - at));
    uint32_t xid = (*ch)->Send(nfs3::kProgram, 3, nfs3::kRead, nfs3::ReadArg(*fh, at, count),
                               &RelayCred(), [w](Result<rpc::ChannelReply> got) {
                                 std::lock_guard lock(w->mu);
                                 ++w->answered;
                                 if (!got.ok() || FirstStat(got->results) != nfs3::kOk)
                                   w->failed = true;
                                 w->cv.notify_all();
                               });
    sent.emplace_back(*ch, xid);
  }
  std::unique_lock lock(w->mu);
  bool done = w->cv.wait_until(lock, start + policy()->probe_timeout,
                               [&] { return w->answered == sent.size() || w->failed; });
  bool failed = w->failed;
  lock.unlock();
  auto took = done ? duration_cast<Duration>(Clock::now() - start) : policy()->probe_timeout;
  for (auto& [ch, xid] : sent) ch->Forget(xid);
  if (failed) return;
  // Not done in time: it reads at most that fast.
  std::lock_guard l(mu_);
  volume_.OnProbeRead(r, took, file->second, Clock::now());
}

void Relay::Discover() {
  if (!o_.discover) return;
  {
    std::lock_guard lock(mu_);
    if (discovering_) return;
    auto now = Clock::now();
    auto cur = volume_.health(volume_.current());
    bool due = (!last_discovery_ && policy()->discover_at_mount) ||
               (policy()->discover_interval.count() > 0 && last_discovery_ &&
                now - *last_discovery_ >= policy()->discover_interval) ||
               (policy()->discover_on_degraded && cur != failover::Health::kUp &&
                (!last_discovery_ || now - *last_discovery_ >= std::chrono::seconds(5)));
    if (!due) return;
    discovering_ = true;
    last_discovery_ = now;
  }
  auto found = o_.discover();
  std::lock_guard lock(mu_);
  discovering_ = false;
  for (const auto& name : found) {
    bool known =
        std::any_of(links_.begin(), links_.end(), [&](const auto& l) { return l->name() == name; });
    if (known || links_.size() >= kMaxReplicas) continue;
    auto link = ReplicaLink::Parse(name);
    if (!link.ok()) continue;
    links_.push_back(std::move(*link));
    volume_.Add(name, Clock::now());
    spdlog::info("volume {}: RLP found replica {}", o_.volume, name);
  }
}

struct stat Relay::ToStat(uint64_t ino, const nfs3::Fattr& a) const {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = TypeBits(a.type) | (a.mode & 07777);
  st.st_nlink = a.nlink;
  st.st_uid = a.uid;
  st.st_gid = a.gid;
  st.st_size = static_cast<off_t>(a.size);
  st.st_blocks = static_cast<blkcnt_t>((a.used + 511) / 512);
  st.st_blksize = 65536;
  st.st_rdev = makedev(a.rdev_major, a.rdev_minor);
  st.st_atim = {a.atime.seconds, a.atime.nseconds};
  st.st_mtim = {a.mtime.seconds, a.mtime.nseconds};
  st.st_ctim = {a.ctime.seconds, a.ctime.nseconds};
  return st;
}

void Relay::Lookup(kernel::FuseRequest r, uint64_t parent, std::string name) {
  auto got = Call(
      parent, nfs3::kLookup, [&](const nfs3::Fh& fh) { return nfs3::LookupArg(fh, name); },
      Work::kMetadata, 0, &r);
  if (!got.ok()) return r.Error(got.status().errno_value());
  auto res = nfs3::DecodeLookup(got->reply.results);
  if (!res.ok()) return r.Error(EIO);
  if (res->stat != nfs3::kOk) return r.Error(nfs3::ErrnoFromStat(res->stat));
  if (!res->attr) return r.Error(EIO);
  double timeout = static_cast<double>(policy()->attr_timeout.count()) / 1e6;
  std::lock_guard lock(mu_);
  Node* n = table_->Found(parent, name, *res->attr, got->replica, res->fh);
  if (!n) {
    spdlog::error("volume {}: {} holds another {}: EIO", o_.volume, links_[got->replica]->name(),
                  table_->Path(parent) + "/" + name);
    return r.Error(EIO);
  }
  r.Entry(n->ino, ToStat(n->ino, *res->attr), timeout);
}

void Relay::Forget(uint64_t ino, uint64_t nlookup) {
  std::lock_guard lock(mu_);
  table_->Forget(ino, nlookup);
}

void Relay::Getattr(kernel::FuseRequest r, uint64_t ino) {
  auto got = Call(ino, nfs3::kGetattr, nfs3::FhArg, Work::kMetadata, 0, &r);
  if (!got.ok()) return r.Error(got.status().errno_value());
  auto res = nfs3::DecodeGetattr(got->reply.results);
  if (!res.ok()) return r.Error(EIO);
  if (res->stat != nfs3::kOk) return r.Error(nfs3::ErrnoFromStat(res->stat));
  std::lock_guard lock(mu_);
  if (Node* n = table_->Get(ino)) n->attr = res->attr;
  r.Attr(ToStat(ino, res->attr), static_cast<double>(policy()->attr_timeout.count()) / 1e6);
}

void Relay::Readlink(kernel::FuseRequest r, uint64_t ino) {
  auto got = Call(ino, nfs3::kReadlink, nfs3::FhArg, Work::kMetadata, 0, &r);
  if (!got.ok()) return r.Error(got.status().errno_value());
  auto res = nfs3::DecodeReadlink(got->reply.results);
  if (!res.ok()) return r.Error(EIO);
  if (res->stat != nfs3::kOk) return r.Error(nfs3::ErrnoFromStat(res->stat));
  r.Readlink(res->target);
}

void Relay::Open(kernel::FuseRequest r, uint64_t ino, int flags) {
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return r.Error(EROFS);
  std::lock_guard lock(mu_);
  Node* n = table_->Get(ino);
  if (!n) return r.Error(ESTALE);
  table_->Open(n);
  r.Open(ino, true);
}

void Relay::Read(kernel::FuseRequest r, uint64_t ino, uint64_t /*fh*/, size_t size, off_t off) {
  std::vector<uint8_t> out;
  uint32_t chunk = std::max<uint32_t>(4096, links_[serving()]->rtmax());
  for (;;) {
    uint64_t at = static_cast<uint64_t>(off) + out.size();
    uint32_t count = static_cast<uint32_t>(std::min<size_t>(size - out.size(), chunk));
    auto got = Call(
        ino, nfs3::kRead, [&](const nfs3::Fh& fh) { return nfs3::ReadArg(fh, at, count); },
        Work::kRead, count, &r);
    if (!got.ok()) return r.Error(got.status().errno_value());
    auto res = nfs3::DecodeRead(got->reply.results);
    if (!res.ok()) return r.Error(EIO);
    if (res->stat != nfs3::kOk) return r.Error(nfs3::ErrnoFromStat(res->stat));
    bool done = res->eof || res->data.empty() || out.size() + res->data.size() >= size;
    if (out.empty() && done) return r.Data(res->data);  // the usual case: no copy
    out.insert(out.end(), res->data.begin(), res->data.end());
    if (done) return r.Data(out);
  }
}

void Relay::Release(kernel::FuseRequest r, uint64_t ino, uint64_t /*fh*/) {
  {
    std::lock_guard lock(mu_);
    table_->Close(ino);
  }
  r.Error(0);
}

Result<std::vector<Relay::DirItem>> Relay::ReadDirectory(uint64_t ino,
                                                         const kernel::FuseRequest* req) {
  std::vector<DirItem> items;
  uint64_t cookie = 0;
  std::vector<uint8_t> verifier(nfs3::kCookieVerfSize, 0);
  std::optional<size_t> replica;
  for (;;) {
    auto got = Call(
        ino, nfs3::kReaddirplus,
        [&](const nfs3::Fh& fh) {
          return nfs3::ReaddirplusArg(fh, cookie, verifier, 32768, 262144);
        },
        Work::kMetadata, 0, req);
    if (!got.ok()) return got.status();
    if (replica && *replica != got->replica) {
      // The replica changed under the listing: its cookies mean nothing
      // there. Start again.
      items.clear();
      cookie = 0;
      std::fill(verifier.begin(), verifier.end(), 0);
      replica.reset();
      continue;
    }
    replica = got->replica;
    auto res = nfs3::DecodeReaddirplus(got->reply.results);
    if (!res.ok()) return Status::FromErrno("READDIRPLUS", EIO);
    if (res->stat != nfs3::kOk)
      return Status::FromErrno("READDIRPLUS", nfs3::ErrnoFromStat(res->stat));
    verifier = res->verifier;
    for (auto& e : res->entries) {
      cookie = e.cookie;
      if (e.name == "." || e.name == "..") continue;
      mode_t type = e.attr ? TypeBits(e.attr->type) : 0;
      items.push_back({std::move(e.name), e.fileid | (uint64_t{1} << 63), type});
    }
    if (res->eof || res->entries.empty()) return items;
  }
}

void Relay::Opendir(kernel::FuseRequest r, uint64_t ino) {
  auto items = ReadDirectory(ino, &r);
  if (!items.ok()) return r.Error(items.status().errno_value());
  std::lock_guard lock(mu_);
  uint64_t id = next_dir_++;
  dirs_[id] = std::make_shared<const std::vector<DirItem>>(std::move(*items));
  r.Open(id, true);
}

void Relay::Readdir(kernel::FuseRequest r, uint64_t ino, uint64_t fh, size_t size, off_t off) {
  std::shared_ptr<const std::vector<DirItem>> items;
  uint64_t parent;
  {
    std::lock_guard lock(mu_);
    auto it = dirs_.find(fh);
    if (it == dirs_.end()) return r.Error(EBADF);
    items = it->second;
    Node* n = table_->Get(ino);
    parent = n && n->parent ? n->parent : kRootIno;
  }
  std::vector<uint8_t> buf;
  // Offsets: 0 ".", 1 "..", then the entries from 2.
  for (size_t i = static_cast<size_t>(off); i < items->size() + 2; ++i) {
    bool fit = i == 0   ? r.AddDirEntry(&buf, size, ".", ino, S_IFDIR, 1)
               : i == 1 ? r.AddDirEntry(&buf, size, "..", parent, S_IFDIR, 2)
                        : r.AddDirEntry(&buf, size, (*items)[i - 2].name, (*items)[i - 2].ino,
                                        (*items)[i - 2].type, static_cast<off_t>(i + 1));
    if (!fit) break;
  }
  r.Data(buf);
}

void Relay::Releasedir(kernel::FuseRequest r, uint64_t /*ino*/, uint64_t fh) {
  {
    std::lock_guard lock(mu_);
    dirs_.erase(fh);
  }
  r.Error(0);
}

void Relay::Statfs(kernel::FuseRequest r, uint64_t ino) {
  auto got = Call(ino, nfs3::kFsstat, nfs3::FhArg, Work::kMetadata, 0, &r);
  if (!got.ok()) return r.Error(got.status().errno_value());
  auto res = nfs3::DecodeFsstat(got->reply.results);
  if (!res.ok() || res->stat != nfs3::kOk) return r.Error(EIO);
  struct statvfs st {};
  st.f_bsize = st.f_frsize = 4096;
  st.f_blocks = res->tbytes / 4096;
  st.f_bfree = res->fbytes / 4096;
  st.f_bavail = res->abytes / 4096;
  st.f_files = res->tfiles;
  st.f_ffree = res->ffiles;
  st.f_favail = res->afiles;
  st.f_namemax = 255;
  st.f_flag = ST_RDONLY;
  r.Statfs(st);
}

Result<std::string> Relay::Force(const std::string& replica) {
  std::unique_lock lock(mu_);
  std::optional<size_t> target;
  if (!replica.empty()) {
    for (size_t i = 0; i < links_.size(); ++i) {
      if (links_[i]->name() == replica || links_[i]->host() == replica) target = i;
    }
    if (!target) return Status::Error("no replica " + replica + " of volume " + o_.volume);
  }
  if (switching_)
    return Status::Error("a switch is being validated", std::errc::device_or_resource_busy);
  auto sw = volume_.Force(target, Clock::now());
  if (!sw.ok()) return sw.status();
  size_t before = serving_;
  SwitchDecided(lock, *sw);
  if (serving_ == before) {
    auto view = volume_.View();
    return Status::Error(links_[sw->to]->name() + " refused: " + view[sw->to].rejected);
  }
  return "switched to " + links_[serving_]->name();
}

std::string Relay::StatusJson() const {
  std::lock_guard lock(mu_);
  auto wall = [&](failover::TimePoint t) {
    auto w = started_wall_ + duration_cast<std::chrono::system_clock::duration>(t - started_);
    return std::chrono::duration<double>(w.time_since_epoch()).count();
  };
  nlohmann::json j;
  j["volume"] = o_.volume;
  j["mountpoint"] = o_.mountpoint;
  j["replica"] = links_[serving_]->name();
  if (revision_) j["revision"] = *revision_;
  j["switches"] = volume_.switches();
  j["hedged_calls"] = hedges_;
  j["hedges_won"] = hedges_won_;
  j["history"] = HistoryJson(volume_, wall);
  j["replicas"] = ReplicasJson(volume_, serving_);
  return j.dump();
}

}  // namespace amd::relay
