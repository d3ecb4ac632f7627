// Engine: failover of replicated volumes on kernel mounts (datapath:=kernel);
// see engine.h, kernel_volumes.h and mount_swap.h.
#include <arpa/inet.h>
#include <sys/mount.h>

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "amd/engine.h"
#include "amd/engine_state.h"
#include "amd/fs_types/types.h"
#include "amd/linux_mount_options.h"
#include "amd/mount_swap.h"
#include "base/files.h"
#include "base/strings.h"

namespace amd {

std::string Engine::VolumeName(int id) const {
  const KernelVolumes::Mounted* m = kernel_volumes_.Get(id);
  return m ? m->volume : "?";
}

void Engine::AddKernelVolume(Point& point, const std::string& name, Node& n) {
  const ReplicatedMount& r = *n.record.replicated;
  KernelVolumes::Mounted m;
  m.volume = r.volume;
  m.node = NodePath(point, name);
  m.mount_point = r.dir;
  m.replicas = r.replicas;
  m.options = r.replica_options;
  m.current = r.current;
  m.revision = r.revision;
  n.kernel_volume =
      kernel_volumes_.Add(std::move(m), r.failover_policy, Now(),
                          std::chrono::seconds(std::max(1L, config_->settings.nfs_stats_interval)));
  kernel_volume_nodes_[n.kernel_volume] = {point.id, name};
}

void Engine::RemoveKernelVolume(Node& n) {
  if (n.kernel_volume == 0) return;
  kernel_volumes_.Remove(n.kernel_volume);
  kernel_volume_nodes_.erase(n.kernel_volume);
  n.kernel_volume = 0;
}

Engine::Node* Engine::KernelVolumeNode(int id) {
  auto at = kernel_volume_nodes_.find(id);
  if (at == kernel_volume_nodes_.end()) return nullptr;
  auto pit = points_.find(at->second.point);
  if (pit == points_.end()) return nullptr;
  auto nit = pit->second->nodes.find(at->second.name);
  return nit == pit->second->nodes.end() ? nullptr : &nit->second;
}

void Engine::OnNfsFigures(const std::string& mount_point, const kernel::IoStatFigures& f) {
  if (auto id = kernel_volumes_.Find(mount_point)) kernel_volumes_.OnFigures(*id, f, Now());
}

std::vector<KernelVolumes::Probe> Engine::KernelVolumeProbes() {
  return kernel_volumes_.DueProbes(Now());
}

void Engine::OnKernelVolumeProbe(int id, size_t replica, std::optional<failover::Duration> rtt,
                                 bool refused) {
  kernel_volumes_.OnProbe(id, replica, rtt, Now(), refused);
  if (!rtt) TickKernelVolumes();  // a switch away from it, now rather than at the next tick
}

void Engine::TickKernelVolumes() {
  if (stopping_) return;
  for (const auto& o : kernel_volumes_.Tick(Now())) StartSwitch(o);
}

std::string Engine::KernelVolumeStates(const std::string& path) const {
  return kernel_volumes_.StatesJson(path, Now());
}

bool Engine::SwitchKernelVolume(const std::string& path, const std::string& replica,
                                std::function<void(std::string)> done) {
  auto id = kernel_volumes_.Find(path);
  if (!id) return false;
  auto order = kernel_volumes_.Force(*id, replica, Now());
  if (!order.ok()) {
    done("error " + order.status().ToString());
    return true;
  }
  StartSwitch(*order, std::move(done));
  return true;
}

std::string Engine::ReplicasArea() const { return config_->settings.auto_dir + "/.amd-replicas"; }

// The new replica is mounted at a staging directory under auto_dir, its
// revision checked against the one in use, and the two mounts swapped
// (mount_swap.h) on a worker; requests for the key wait meanwhile.
void Engine::StartSwitch(const KernelVolumes::Order& o, std::function<void(std::string)> done) {
  Node* n = KernelVolumeNode(o.id);
  if (n == nullptr || n->state != Node::State::kMounted || !n->record.replicated) {
    kernel_volumes_.Failed(o, "not mounted", Now());
    if (done) done("error not mounted");
    return;
  }
  n->switching = true;
  log_->info("volume {}: switching from {} to {}: {}", n->record.replicated->volume, o.from, o.to,
             o.sw.reason);
  auto r = n->record.replicated;
  std::string area = ReplicasArea();
  replicas_area_used_ = true;
  std::string base = area + "/" + MountPointHash(r->dir);
  std::string staging = base + ".new",
              retired = base + "." + std::to_string(o.sw.at.time_since_epoch().count());
  pool_.Submit("", [this, o, r, area, staging, retired, done = std::move(done)]() mutable {
    Status s;
    std::optional<uint64_t> revision;
    size_t colon = o.to.find(':');
    std::string host = o.to.substr(0, colon),
                path = colon == std::string::npos ? "" : o.to.substr(colon + 1);
    auto addresses = world_.HostAddresses(host);
    if (addresses.empty())
      s = Status::Error(host + " does not resolve", std::errc::host_unreachable);
    if (s.ok()) s = MakePrivateArea(kernel_, area);
    if (s.ok()) s = kernel_.MakeDirs(staging, 0755);
    if (s.ok()) s = kernel_.MakeDirs(retired, 0755);
    bool staged = false;
    if (s.ok()) {
      const std::string& options =
          o.sw.to < r->replica_options.size() ? r->replica_options[o.sw.to] : r->options;
      NfsMount nfs =
          BuildNfsMount(host, path, options, addresses.front(), r->nfs_vers, r->nfs_proto);
      s = kernel_.Mount(nfs.source, staging, nfs.fstype, nfs.flags, nfs.data);
      staged = s.ok();
    }
    if (s.ok()) {
      // The revision rule of the relay: never an older one, nor one
      // without the file while the volume in use has it (as read when
      // it was mounted: its server may be dead now).
      auto theirs = ReadRevision(staging, r->failover_policy.revision_file);
      const auto& mine = r->revision;
      if (!theirs.ok()) {
        s = theirs.status();
      } else if (mine && (!*theirs || **theirs < *mine)) {
        s = Status::Error(*theirs ? "revision " + std::to_string(**theirs) + " is older than " +
                                        std::to_string(*mine)
                                  : "no " + r->failover_policy.revision_file);
      } else {
        revision = *theirs;
      }
    }
    if (s.ok()) s = ReplaceMount(kernel_, r->dir, staging, retired);
    if (!s.ok() && staged) kernel_.Unmount(staging, MNT_DETACH);
    boost::asio::post(io_, [this, o, s, revision, retired, done = std::move(done)]() mutable {
      FinishSwitch(o, s, revision, retired, std::move(done));
    });
  });
}

void Engine::FinishSwitch(const KernelVolumes::Order& o, Status status,
                          std::optional<uint64_t> revision, const std::string& retired,
                          std::function<void(std::string)> done) {
  Node* n = KernelVolumeNode(o.id);
  if (n != nullptr) {
    n->switching = false;
    for (auto& w : n->waiters) w.Ready();
    n->waiters.clear();
  }
  if (!status.ok()) {
    log_->warn("volume {}: not switched to {}: {}", VolumeName(o.id), o.to, status.ToString());
    kernel_volumes_.Failed(o, status.ToString(), Now());
    if (done) done("error " + status.ToString());
    return;
  }
  kernel_volumes_.Done(o, revision);
  failover::Duration grace = failover::Policy{}.unmount_grace;
  if (n != nullptr) {
    auto r = std::make_shared<ReplicatedMount>(*n->record.replicated);
    r->current = o.sw.to;
    r->revision = revision;
    grace = r->failover_policy.unmount_grace;
    n->record.replicated = r;
    n->record.mount_info = o.to;
  }
  log_->info("volume {}: switched from {} to {}; the old mount stays at {} for {} s",
             VolumeName(o.id), o.from, o.to, retired,
             std::chrono::duration_cast<std::chrono::seconds>(grace).count());
  if (done) done("ok switched to " + o.to);
  // After the grace, the old mount goes: forced when its server is down.
  retiring_[retired] = {o.id, o.sw.from};
  RetireAfter(retired, grace, 0);
}

// While its server is down and files are open on it, a retired mount is
// forced again every second: each time the NFS client ends the calls
// made since with an error (EIO, or ERESTARTSYS on Linux 6.1; on a hard
// mount they would wait for ever). Once
// its server is back, or when nothing holds it, it goes.
void Engine::RetireAfter(const std::string& retired, failover::Duration delay, int forced) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  retire_timers_.push_back(timer);
  timer->expires_after(delay);
  timer->async_wait([this, retired, timer, forced](const boost::system::error_code& ec) {
    std::erase(retire_timers_, timer);
    auto at = retiring_.find(retired);
    if (ec || at == retiring_.end()) return;  // shutdown took it
    bool dead = kernel_volumes_.Down(at->second.first, at->second.second);
    pool_.Submit("", [this, retired, dead, forced] {
      auto how = Retire(kernel_, retired, dead, /*detach_busy=*/false);
      if (how.ok() && *how != Retired::kBusy) kernel_.RemoveDir(retired);
      boost::asio::post(io_, [this, retired, how, forced] {
        if (how.ok() && *how == Retired::kBusy) {
          if (forced == 0) {
            log_->info(
                "{}: the old replica's server is down and files are open on its mount: "
                "their calls are ended with an error; forced again every second while it is down",
                retired);
          }
          if (retiring_.count(retired)) RetireAfter(retired, std::chrono::seconds(1), forced + 1);
          return;
        }
        retiring_.erase(retired);
        if (!how.ok()) {
          log_->warn("{}: {}", retired, how.status().ToString());
          return;
        }
        log_->info("{}: the old replica's mount {}", retired,
                   *how == Retired::kForced     ? "was force-unmounted (its server is down)"
                   : *how == Retired::kDetached ? "is detached (still in use)"
                                                : "is unmounted");
      });
    });
  });
}

}  // namespace amd
