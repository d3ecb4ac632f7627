// The request path: a key asked for is mounted once however many ask, the
// attempt runs on workers, and everyone waiting is answered when it ends
// (or when it times out, or nobody waits any more). See engine.h.
#include <spdlog/spdlog.h>

#include "amd/engine_state.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "maps/key_name.h"

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

void Engine::OnPacket(int id, const kernel::AutofsPacket& packet) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  kernel::AutofsPacket p = packet;
  // A direct mount has one node, the point itself; the kernel's name for
  // it is a placeholder.
  if (it->second->kind == kernel::AutofsKind::kDirect) p.name.clear();
  if (p.is_missing()) {
    OnMissing(*it->second, p);
  } else {
    OnExpire(*it->second, p);
  }
}

// Ends the attempt in progress on `n` that nobody waits for any more: its
// worker stops where it can, its late answer is undone as stale, and the
// key stays failed until `failed_until`.
void Engine::GiveUp(Node& n, Clock::time_point failed_until) {
  if (n.cancel) n.cancel->store(true);
  n.generation = next_generation_++;
  n.state = Node::State::kFailed;
  n.failed_until = failed_until;
  n.first.reset();
}

void Engine::OnAbandoned(int id, uint32_t token) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  Point& point = *it->second;
  for (auto& [name, n] : point.nodes) {
    if (n.state != Node::State::kMounting) continue;
    bool mine = n.first && n.first->token() == token;
    auto w = std::find_if(n.waiters.begin(), n.waiters.end(),
                          [&](const AutofsReply& r) { return r.token() == token; });
    if (!mine && w == n.waiters.end()) continue;
    if (w != n.waiters.end()) {
      w->Fail(ECANCELED);  // answers nobody: the front end dropped the request
      n.waiters.erase(w);
    }
    if (mine && !n.first->TryFail(ECANCELED)) return;  // the worker answered it: the mount is done
    // Others still wait for this attempt: the request that started it, or
    // those that came later.
    if ((n.first && !mine) || !n.waiters.empty()) return;
    log_->info("{}: every caller gave up; stopping the attempt", NodePath(point, name));
    GiveUp(n, Now());  // asked again, it is tried again
    return;
  }
}

// The reply to a request, recorded until answered when supervised.
AutofsReply Engine::ReplyTo(const Point& point, const kernel::AutofsPacket& p) {
  return AutofsReply(point.endpoint, p.token,
                     options_.inflight ? options_.inflight->Record(point.path, p) : nullptr);
}

void Engine::Replay(const std::vector<std::pair<std::string, kernel::AutofsPacket>>& requests) {
  for (const auto& [path, packet] : requests) {
    int id = -1;
    for (const auto& [pid, point] : points_) {
      if (point->path == path) id = pid;
    }
    if (id < 0) {
      log_->warn("{}: a request for \"{}\" left by the previous engine has no automount point now",
                 path, packet.name);
      continue;
    }
    log_->info("{}: serving \"{}\" (token {}), left unanswered by the previous engine", path,
               packet.name, packet.token);
    OnPacket(id, packet);
  }
}

void Engine::OnMissing(Point& point, const kernel::AutofsPacket& p) {
  AutofsReply reply = ReplyTo(point, p);
  if (stopping_) return;  // the reply fails when dropped
  if (auto bad = maps::CheckKeyName(p.name)) {
    log_->warn("{}: {}", point.path, *bad);
    return;
  }
  auto [it, fresh] = point.nodes.try_emplace(p.name);
  Node& n = it->second;
  if (!fresh && n.state == Node::State::kUnmounting) {
    n.uid = p.uid;  // a mount after the unmount is this request's
    n.gid = p.gid;
  }
  if (!fresh) {
    switch (n.state) {
      case Node::State::kMounted:
        if (n.switching) {  // the key shows nothing for a moment
          n.waiters.push_back(std::move(reply));
          return;
        }
        ++n.record.requests;
        if (n.child_point < 0) point.endpoint->ShowTarget(p.name, n.record.target);
        reply.Ready();
        return;
      case Node::State::kMounting:
      case Node::State::kUnmounting:
        n.waiters.push_back(std::move(reply));
        return;
      case Node::State::kFailed:
        if (Now() < n.failed_until) return;  // negative cache: fails
        n = Node();
        break;
    }
  }
  n.uid = p.uid;
  n.gid = p.gid;
  n.waiters.push_back(std::move(reply));
  StartMount(point, it->first, n);
}

void Engine::StartMount(Point& point, const std::string& name, Node& n) {
  n.state = Node::State::kMounting;
  n.generation = next_generation_++;
  n.deadline = Now() + options_.mount_timeout;
  n.first.reset();
  if (!n.waiters.empty()) {
    n.first = std::make_shared<SharedReply>(std::move(n.waiters.front()));
    n.waiters.erase(n.waiters.begin());
  }
  n.cancel = std::make_shared<std::atomic<bool>>(false);
  uint64_t generation = n.generation;
  int point_id = point.id;
  Job job = MakeJob(point, name);
  job.first = n.first;
  job.cancel = n.cancel;
  job.ctx.uid = std::to_string(n.uid);
  job.ctx.gid = std::to_string(n.gid);
  // A map that may block (a program) looks keys up in a lane of its own,
  // so that it cannot take the workers other maps and mounts need.
  std::string lane;
  if (point.map->map->source().MayBlock()) {
    lane = point.map->name;
    job.lane = lane;
    job.in_map_lane = true;
  }
  pool_.Submit(
      lane,
      [this, job = std::move(job), point_id, name, generation]() mutable {
        DriveJob(std::move(job), MountOutcome(), point_id, name, generation);
      },
      WorkerPool::LaneKind::kMapSource);
}

// Runs a job on the current worker until it is done or must move to
// another server's lane (pool_.Submit caps each server's lane).
void Engine::DriveJob(Job in, MountOutcome outcome, int point_id, const std::string& name,
                      uint64_t generation) {
  std::optional<std::string> lane;
  if (in.cancel && in.cancel->load()) {
    // Abandoned while it waited for a worker: the engine has answered
    // everyone already, and nothing is mounted yet.
    outcome.status = Status::Error("abandoned", std::errc::operation_canceled);
    outcome.logged = true;
    in.first.reset();
  } else {
    lane = RunJob(in, outcome);
  }
  if (lane) {
    in.lane = *lane;
    in.in_map_lane = false;
    // (std::function needs a copyable task; the outcome travels shared.)
    auto carried = std::make_shared<MountOutcome>(std::move(outcome));
    pool_.Submit(*lane, [this, in = std::move(in), carried, point_id, name, generation]() mutable {
      DriveJob(std::move(in), std::move(*carried), point_id, name, generation);
    });
    return;
  }
  // Answer the first request from here: one hop less for the common case.
  // What the attempt has to say (a location that failed before the one
  // that served, or the failure itself) is logged first, so the log
  // explains it by the time the process sees the mount or ENOENT.
  LogDiagnostics(*log_, outcome.diag);
  outcome.diag.Clear();
  if (!outcome.status.ok() && !outcome.logged) {
    log_->error("{}: {}", in.node_path, outcome.status.ToString());
    outcome.logged = true;
  }
  if (in.first) {
    if (outcome.status.ok()) {
      Status s;
      outcome.first_answered = in.first->TryReady(&s);
      if (!s.ok()) log_->warn("{}: {}", in.node_path, s.ToString());
    } else {
      in.first->TryFail(ENOENT);
    }
  }
  boost::asio::post(io_,
                    [this, point_id, name, generation, outcome = std::move(outcome)]() mutable {
                      FinishMount(point_id, name, generation, std::move(outcome));
                    });
}

// Fails mount attempts that have taken longer than mount_timeout. The
// request a worker holds is failed here unless the worker answered it
// first (then its result is on its way and is kept).
void Engine::SweepMounts(Clock::time_point now) {
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) {
      if (node.state != Node::State::kMounting || node.deadline > now) continue;
      if (node.first && !node.first->TryFail(ETIMEDOUT)) continue;
      log_->error("{}: mount timed out after {} s", NodePath(*point, name),
                  std::chrono::duration_cast<std::chrono::seconds>(options_.mount_timeout).count());
      GiveUp(node, now + options_.long_negative_ttl);
      ++stats_.mounts_failed;
      for (auto& w : node.waiters) w.Fail(ETIMEDOUT);
      node.waiters.clear();
    }
  }
}

// Nobody waits for this outcome any more (the attempt timed out, or amd
// let the point go): what it mounted is undone.
void Engine::UndoLate(MountOutcome outcome) {
  if (!outcome.record && !outcome.submap_endpoint) return;
  auto rec = std::make_shared<std::optional<MountRecord>>(std::move(outcome.record));
  auto ep = std::shared_ptr<kernel::AutofsEndpoint>(std::move(outcome.submap_endpoint));
  pool_.Submit("", [this, rec, ep] {
    if (*rec) UnmountRecord(&**rec, kernel_, true);
    if (ep) ep->Unmount(true);
  });
}

// The attempt failed: the key stays failed for the negative-cache time
// (longer after ETIMEDOUT, EIO or EWOULDBLOCK), and everyone waiting is
// told.
void Engine::FailNode(Point& point, const std::string& name, Node& node,
                      const MountOutcome& outcome) {
  node.state = Node::State::kFailed;
  int err = outcome.status.errno_value();
  node.failed_until =
      Now() + ((err == ETIMEDOUT || err == EIO || err == EWOULDBLOCK) ? options_.long_negative_ttl
                                                                      : options_.negative_ttl);
  ++stats_.mounts_failed;
  if (!outcome.logged) log_->error("{}: {}", NodePath(point, name), outcome.status.ToString());
  for (auto& w : node.waiters) w.Fail(ENOENT);
  node.waiters.clear();
  for (auto& done : std::exchange(node.unmount_when_mounted, {})) done(outcome.status);
}

void Engine::FinishMount(int point_id, const std::string& name, uint64_t generation,
                         MountOutcome outcome) {
  LogDiagnostics(*log_, outcome.diag);
  auto pit = points_.find(point_id);
  Node* node = nullptr;
  if (pit != points_.end()) {
    auto nit = pit->second->nodes.find(name);
    if (nit != pit->second->nodes.end() && nit->second.generation == generation)
      node = &nit->second;
  }
  if (node == nullptr) return UndoLate(std::move(outcome));
  Point& point = *pit->second;
  node->first.reset();
  if (!outcome.status.ok()) return FailNode(point, name, *node, outcome);
  if (outcome.submap_endpoint) {
    std::string node_path = point.path + "/" + name;
    node->child_point =
        CreatePoint(*point.front_end, std::move(outcome.submap_endpoint), outcome.submap,
                    outcome.submap_pref, outcome.submap_defaults, std::nullopt, point_id, true);
    log_->info("{}: sub-map {} (pref \"{}\")", node_path, outcome.submap->name,
               outcome.submap_pref);
  } else {
    node->record = std::move(*outcome.record);
    // The attempt began mount_timeout before its deadline.
    node->record.mount_time = std::chrono::duration_cast<std::chrono::microseconds>(
        Now() - (node->deadline - options_.mount_timeout));
    node->record.requests =
        1 + node->waiters.size();  // the first, answered by the worker, and the rest
    if (node->record.utimeout && *node->record.utimeout < shortest_utimeout_) {
      shortest_utimeout_ = *node->record.utimeout;
      next_expire_ = std::min(next_expire_, Now() + ExpireInterval());  // the new pace
    }
    log_->info("{}: mounted {} {}", NodePath(point, name), node->record.type,
               node->record.mount_info);
    if (node->record.replicated) AddKernelVolume(point, name, *node);
  }
  node->state = Node::State::kMounted;
  ++stats_.mounts_ok;
  for (auto& w : node->waiters) {
    Status s = w.Ready();
    if (!s.ok()) log_->warn("{}", s.ToString());
  }
  node->waiters.clear();
  if (!node->unmount_when_mounted.empty()) {
    auto pending = std::exchange(node->unmount_when_mounted, {});
    UnmountPath(NodePath(point, name), [pending = std::move(pending)](Status s) {
      for (const auto& done : pending) done(s);
    });
  }
}
}  // namespace amd
