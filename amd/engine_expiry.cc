// Expiry and unmounting: the expire loops that ask the front end for
// unused keys, the unmount of an expired key, and amq -u. See engine.h.
#include <spdlog/spdlog.h>

#include "amd/engine_state.h"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

void Engine::UnmountPath(const std::string& path, std::function<void(Status)> done) {
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) {
      if (NodePath(*point, name) != path) continue;
      if (node.state == Node::State::kMounting) {
        node.unmount_when_mounted.push_back(std::move(done));  // FinishMount
        return;
      }
      if (node.state != Node::State::kMounted || node.child_point >= 0) {
        done(Status::Error(path + " is not a mount amd can unmount now",
                           std::errc::invalid_argument));
        return;
      }
      node.state = Node::State::kUnmounting;
      auto record = std::make_shared<MountRecord>(std::move(node.record));
      pool_.Submit("", [this, record, point_id = point->id, name = name,
                        done = std::move(done)]() mutable {
        Status s = UnmountRecord(record.get(), kernel_, false);
        boost::asio::post(io_, [this, point_id, name, record, s, done = std::move(done)]() mutable {
          FinishUnmount(point_id, name, AutofsReply(), std::move(*record), s);
          done(s);
        });
      });
      return;
    }
  }
  done(Status::Error(path + " is not automounted", std::errc::invalid_argument));
}

void Engine::OnExpire(Point& point, const kernel::AutofsPacket& p) {
  AutofsReply reply = ReplyTo(point, p);
  log_->debug("{}: the kernel asks to expire it", NodePath(point, p.name));
  if (stopping_) return;  // refused (the reply fails when dropped): amd is stopping
  auto it = point.nodes.find(p.name);
  if (it == point.nodes.end() || it->second.state != Node::State::kMounted ||
      it->second.switching) {
    return;  // fails
  }
  Node& n = it->second;
  if (n.child_point >= 0) {
    auto cit = points_.find(n.child_point);
    if (cit != points_.end() && !cit->second->nodes.empty()) return;
    std::shared_ptr<kernel::AutofsEndpoint> ep =
        cit != points_.end() ? cit->second->endpoint : nullptr;
    RemovePoint(n.child_point);
    n.state = Node::State::kUnmounting;
    pool_.Submit("", [this, ep, point_id = point.id, name = p.name, fe = point.front_end,
                      reply = std::make_shared<AutofsReply>(std::move(reply))]() mutable {
      Status s = ep ? fe->CloseSubMap(*ep) : Status();
      boost::asio::post(io_, [this, point_id, name, reply, s]() mutable {
        FinishUnmount(point_id, name, std::move(*reply), MountRecord(), s);
      });
    });
    return;
  }
  if (!n.record.expires || Now() < n.no_expire_until) return;
  n.state = Node::State::kUnmounting;
  auto record = std::make_shared<MountRecord>(std::move(n.record));
  pool_.Submit("", [this, record, point_id = point.id, name = p.name,
                    detach = point.front_end->expiry_checks_use(),
                    reply = std::make_shared<AutofsReply>(std::move(reply))]() mutable {
    // The kernel checked the mount is unused and holds new walks into it
    // until we answer, so a lazy detach is safe and skips umount's RCU wait.
    // Where the front end did not check (nfs), a busy mount stays.
    Status s = UnmountRecord(record.get(), kernel_, detach);
    boost::asio::post(io_, [this, point_id, name, reply, record, s]() mutable {
      FinishUnmount(point_id, name, std::move(*reply), std::move(*record), s);
    });
  });
}

void Engine::FinishUnmount(int point_id, const std::string& name, AutofsReply reply,
                           MountRecord record, Status status) {
  auto pit = points_.find(point_id);
  if (pit == points_.end()) return;
  Point& point = *pit->second;
  auto nit = point.nodes.find(name);
  if (nit == point.nodes.end()) return;
  Node& n = nit->second;
  if (status.ok()) {
    log_->info("{}: unmounted", NodePath(point, name));
    point.endpoint->ShowTarget(name, "");
    reply.Ready();
    RemoveKernelVolume(n);
    std::vector<AutofsReply> waiters = std::move(n.waiters);
    uint32_t uid = n.uid, gid = n.gid;
    point.nodes.erase(nit);
    if (!waiters.empty()) {  // asked for again while it was going away
      auto again = point.nodes.try_emplace(name).first;
      again->second.waiters = std::move(waiters);
      again->second.uid = uid;
      again->second.gid = gid;
      StartMount(point, again->first, again->second);
    }
    return;
  }
  ++stats_.unmounts_failed;
  log_->warn("{}: unmount failed: {}", NodePath(point, name), status.ToString());
  n.record = std::move(record);
  n.state = Node::State::kMounted;
  n.no_expire_until = Now() + std::chrono::seconds(config_->settings.dismount_interval);
  reply.Fail(EBUSY);
  for (auto& w : n.waiters) w.Ready();
  n.waiters.clear();
}

std::chrono::seconds Engine::ExpireInterval() const {
  // Often enough for the shortest idle time in use: cache_duration, or a
  // mount's own utimeout=.
  long d = std::min(config_->settings.cache_duration, shortest_utimeout_);
  return std::chrono::seconds(std::clamp(d / 4, 1L, 60L));
}

void Engine::ExpireNow(bool immediate) {
  for (auto& [id, point] : points_) {
    if (point->expiring > 0 || point->nodes.empty()) continue;
    // The kernel waits for an RCU grace period on every expire, so several
    // loops run at once; each takes a different entry.
    int loops = static_cast<int>(std::min<size_t>(16, point->nodes.size()));
    point->expiring = loops;
    // A refused expire (a mount that never times out, or a busy one) makes
    // the ioctl fail with our answer; the kernel then leaves that entry
    // alone for a timeout, so keep asking until it has nothing (EAGAIN).
    size_t bound = point->nodes.size() * 2 + 2;
    std::shared_ptr<kernel::AutofsEndpoint> ep = point->endpoint;
    for (int l = 0; l < loops; ++l) {
      boost::asio::post(expire_threads_, [this, ep, id = id, immediate, bound] {
        Status error;
        for (size_t i = 0; i < bound && !expiry_halted_; ++i) {
          Status e;
          auto r = ep->ExpireOne(immediate, &e);
          log_->debug("{}: expire: {}", ep->path(),
                      r == kernel::AutofsEndpoint::ExpireResult::kExpired   ? "one expired"
                      : r == kernel::AutofsEndpoint::ExpireResult::kNothing ? "nothing to expire"
                                                                            : e.ToString());
          if (r == kernel::AutofsEndpoint::ExpireResult::kNothing) break;
          if (r == kernel::AutofsEndpoint::ExpireResult::kError) {
            int err = e.errno_value();
            if (err == ENOENT || err == EBUSY) continue;  // refused by us
            error = e;
            break;
          }
        }
        boost::asio::post(io_, [this, id, error] {
          if (!error.ok()) log_->warn("{}", error.ToString());
          auto it = points_.find(id);
          if (it != points_.end() && it->second->expiring > 0) --it->second->expiring;
        });
      });
    }
  }
}
}  // namespace amd
