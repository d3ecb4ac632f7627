// NFS mounts' response times from mountstats and probes; see nfs_stats.h.
#include "amd/nfs_stats.h"

#include <arpa/inet.h>

#include <algorithm>

#include "amd/kernel_volumes.h"
#include "base/strings.h"
#include "kernel-shim/mountinfo.h"
#include "maps/mount_options.h"

namespace amd {
namespace {

using failover::Duration;
// The node a mount point belongs to: the watched mount point it is, or
// the nearest one above it (type:=host mounts each export below its node).
const std::string* NodeOf(const std::map<std::string, std::string>& watched,
                          const std::string& mount_point) {
  std::string p = mount_point;
  while (true) {
    auto it = watched.find(p);
    if (it != watched.end()) return &it->second;
    size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0) return nullptr;
    p.resize(slash);
  }
}

}  // namespace

std::vector<std::string> NfsStats::Update(std::string_view mountstats, std::string_view mountinfo,
                                          const std::map<std::string, std::string>& watched,
                                          failover::TimePoint now, const FiguresFn& on_figures) {
  kernel::MountStatsTable table = kernel::ParseMountStats(mountstats);
  std::map<std::string, const kernel::MountInfoEntry*> info;
  std::vector<kernel::MountInfoEntry> entries = kernel::ParseMountInfo(mountinfo);
  for (const auto& e : entries) info[e.mount_point] = &e;  // the last (topmost) wins
  for (auto& [mp, e] : mounts_) e.seen = false;
  for (auto& m : table.mounts) {
    const std::string* node = NodeOf(watched, m.mount_point);
    if (node == nullptr) continue;
    auto [it, fresh] = mounts_.try_emplace(m.mount_point, *node, policy_, now);
    Entry& e = it->second;
    e.seen = true;
    e.node = *node;
    if (auto i = info.find(m.mount_point); i != info.end()) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      std::string addr = maps::MountOptionValue(i->second->super_options, "addr").value_or("");
      std::string port = maps::MountOptionValue(i->second->super_options, "port").value_or("");
      auto p = ParseInteger(port);
      if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) == 1) {
        a.sin_port = htons(static_cast<uint16_t>(p && *p > 0 && *p < 65536 ? *p : 2049));
        e.server = a;
      }
      std::string vers = maps::MountOptionValue(i->second->super_options, "vers").value_or("");
      e.vers = vers.starts_with("4") ? 4 : vers == "2" ? 2 : 3;
      auto mp =
          ParseInteger(maps::MountOptionValue(i->second->super_options, "mountport").value_or(""));
      e.mount_port = static_cast<uint16_t>(mp && *mp > 0 && *mp < 65536 ? *mp : 0);
    }
    if (e.last) {
      if (auto f = kernel::IoStat(*e.last, m); f) {
        e.figures = f;
        e.retrans += f->metadata.retrans + f->read.retrans + f->other.retrans;
        e.errors += f->metadata.errors + f->read.errors + f->other.errors;
        e.timeouts += f->metadata.timeouts + f->read.timeouts + f->other.timeouts;
        FeedVolume(e.volume, 0, *f, now);
        if (on_figures) on_figures(it->first, *f);
      }
    }
    e.last = std::move(m);
  }
  std::erase_if(mounts_, [](const auto& kv) { return !kv.second.seen; });  // unmounted
  std::vector<std::string> out;
  for (const auto& err : table.errors) {
    if (std::find(errors_.begin(), errors_.end(), err) == errors_.end()) {
      out.push_back("/proc/self/mountstats: " + err);
    }
  }
  errors_ = std::move(table.errors);
  return out;
}

std::vector<NfsStats::Probe> NfsStats::DueProbes(failover::TimePoint now) {
  std::vector<Probe> out;
  for (auto& [mp, e] : mounts_) {
    if (e.server.sin_port == 0 || e.volume.DueProbes(now).empty()) continue;
    out.push_back({mp, e.server, e.vers, e.last ? e.last->device : "", e.mount_port});
  }
  return out;
}

void NfsStats::OnProbe(const std::string& mount_point, std::optional<Duration> rtt,
                       failover::TimePoint now) {
  auto it = mounts_.find(mount_point);
  if (it != mounts_.end()) it->second.volume.OnProbe(0, rtt, now);
}

std::vector<NfsStats::View> NfsStats::Views() const {
  std::vector<View> out;
  for (const auto& [mp, e] : mounts_) {
    failover::ReplicaView r = e.volume.View().at(0);
    View v;
    v.node = e.node;
    v.mount_point = mp;
    v.device = e.last ? e.last->device : "";
    v.health = failover::HealthName(r.health);
    v.short_term = r.metadata_short;
    v.long_term = r.metadata_long;
    v.read_per_kib = r.read_live;
    v.probe = r.probe;
    v.retrans = e.retrans;
    v.timeouts = e.timeouts;
    v.errors = e.errors;
    v.probes_failed = r.probes_failed;
    if (e.figures) {
      const auto& f = *e.figures;
      uint64_t ops = f.metadata.ops + f.read.ops + f.other.ops;
      v.ops_per_s = static_cast<double>(ops) / f.seconds;
      if (ops > 0) {
        auto sum = [&](double kernel::OpFigures::*field) {
          return (f.metadata.*field * static_cast<double>(f.metadata.ops) +
                  f.read.*field * static_cast<double>(f.read.ops) +
                  f.other.*field * static_cast<double>(f.other.ops)) /
                 static_cast<double>(ops);
        };
        v.rtt_ms = sum(&kernel::OpFigures::rtt_ms);
        v.execute_ms = sum(&kernel::OpFigures::execute_ms);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace amd
