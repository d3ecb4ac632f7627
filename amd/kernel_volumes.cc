// Failover decisions for replicated volumes on kernel mounts; see
// kernel_volumes.h.
#include "amd/kernel_volumes.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "relay/volume_json.h"

namespace amd {
namespace {

using failover::Duration;
using failover::Work;

Duration Ms(double ms) { return Duration(static_cast<int64_t>(std::llround(ms * 1000))); }

std::string HostOf(const std::string& name) { return name.substr(0, name.find(':')); }

}  // namespace

void FeedVolume(failover::Volume& volume, size_t replica, const kernel::IoStatFigures& f,
                failover::TimePoint now) {
  uint64_t timeouts = f.metadata.timeouts + f.read.timeouts + f.other.timeouts;
  for (uint64_t t = 0; t < std::min<uint64_t>(timeouts, 4); ++t) volume.OnTimeout(replica, now);
  if (f.metadata.ops > 0) {
    volume.OnCall(replica, Work::kMetadata, Ms(f.metadata.execute_ms), 0, now);
  }
  if (f.read.ops > 0 && f.read.kib_recv > 0) {
    // READ per KiB: the interval's RTTs over the KiB they brought, as one
    // read of them all (nfsiostat's figures are per op).
    double rtt = f.read.rtt_ms * static_cast<double>(f.read.ops);
    volume.OnCall(replica, Work::kRead, Ms(rtt), static_cast<uint64_t>(f.read.kib_recv * 1024),
                  now);
  }
}

int KernelVolumes::Add(Mounted m, const failover::Policy& policy, failover::TimePoint now,
                       failover::Duration figures_every) {
  int id = next_id_++;
  volumes_.emplace(std::piecewise_construct, std::forward_as_tuple(id),
                   std::forward_as_tuple(std::move(m), policy, now, figures_every));
  return id;
}

void KernelVolumes::Remove(int id) { volumes_.erase(id); }

std::optional<int> KernelVolumes::Find(const std::string& path) const {
  for (const auto& [id, e] : volumes_) {
    if (e.mounted.mount_point == path || e.mounted.node == path || e.mounted.volume == path) {
      return id;
    }
  }
  return std::nullopt;
}

const KernelVolumes::Mounted* KernelVolumes::Get(int id) const {
  auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : &it->second.mounted;
}

void KernelVolumes::OnFigures(int id, const kernel::IoStatFigures& f, failover::TimePoint now) {
  auto it = volumes_.find(id);
  if (it == volumes_.end() || it->second.switching) return;  // figures of the old mount
  FeedVolume(it->second.volume, it->second.volume.current(), f, now);
}

std::vector<KernelVolumes::Probe> KernelVolumes::DueProbes(failover::TimePoint now) {
  std::vector<Probe> out;
  for (auto& [id, e] : volumes_) {
    for (size_t r : e.volume.DueProbes(now)) {
      out.push_back({id, r, e.mounted.replicas[r], e.mounted.options[r], e.volume.ProbeTimeout(r)});
    }
  }
  return out;
}

void KernelVolumes::OnProbe(int id, size_t replica, std::optional<Duration> rtt,
                            failover::TimePoint now, bool refused) {
  auto it = volumes_.find(id);
  if (it != volumes_.end() && replica < it->second.volume.size()) {
    it->second.volume.OnProbe(replica, rtt, now);
    if (!rtt && refused) it->second.volume.OnError(replica, now);
  }
}

std::vector<KernelVolumes::Order> KernelVolumes::Tick(failover::TimePoint now) {
  std::vector<Order> out;
  for (auto& [id, e] : volumes_) {
    if (e.switching) continue;
    auto sw = e.volume.Tick(now);
    if (!sw) continue;
    e.switching = true;
    out.push_back({id, *sw, e.mounted.replicas[sw->from], e.mounted.replicas[sw->to]});
  }
  return out;
}

void KernelVolumes::Done(const Order& o, std::optional<uint64_t> revision) {
  auto it = volumes_.find(o.id);
  if (it == volumes_.end()) return;
  it->second.switching = false;
  it->second.mounted.current = o.sw.to;
  it->second.mounted.revision = revision;
}

void KernelVolumes::Failed(const Order& o, const std::string& why, failover::TimePoint now) {
  auto it = volumes_.find(o.id);
  if (it == volumes_.end()) return;
  it->second.switching = false;
  it->second.volume.Undo(o.sw, why, now);
}

Result<KernelVolumes::Order> KernelVolumes::Force(int id, const std::string& replica,
                                                  failover::TimePoint now) {
  auto it = volumes_.find(id);
  if (it == volumes_.end()) return Status::Error("no such replicated volume");
  Entry& e = it->second;
  if (e.switching) return Status::Error("a switch is under way");
  std::optional<size_t> target;
  if (!replica.empty()) {
    for (size_t i = 0; i < e.mounted.replicas.size(); ++i) {
      if (e.mounted.replicas[i] == replica || HostOf(e.mounted.replicas[i]) == replica) target = i;
    }
    if (!target) return Status::Error(replica + ": not a replica of " + e.mounted.volume);
  }
  auto sw = e.volume.Force(target, now);
  if (!sw.ok()) return sw.status();
  e.switching = true;
  return Order{id, *sw, e.mounted.replicas[sw->from], e.mounted.replicas[sw->to]};
}

bool KernelVolumes::Down(int id, size_t replica) const {
  auto it = volumes_.find(id);
  if (it == volumes_.end() || replica >= it->second.volume.size()) return false;
  auto h = it->second.volume.health(replica);
  return h == failover::Health::kDown || h == failover::Health::kProbing;
}

std::string KernelVolumes::StatesJson(const std::string& path, failover::TimePoint now) const {
  auto wall_now = std::chrono::system_clock::now();
  auto wall = [&](failover::TimePoint t) {
    auto w = wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(now - t);
    return std::chrono::duration<double>(w.time_since_epoch()).count();
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, e] : volumes_) {
    const Mounted& m = e.mounted;
    if (!path.empty() && path != m.node && path != m.mount_point && path != m.volume) continue;
    nlohmann::json j;
    j["volume"] = m.volume;
    j["mountpoint"] = m.node;
    j["datapath"] = "kernel";
    j["replica"] = m.replicas[e.volume.current()];
    if (m.revision) j["revision"] = *m.revision;
    j["switches"] = e.volume.switches();
    j["history"] = relay::HistoryJson(e.volume, wall);
    j["replicas"] = relay::ReplicasJson(e.volume, e.volume.current());
    out.push_back(std::move(j));
  }
  return out.dump();
}

}  // namespace amd
