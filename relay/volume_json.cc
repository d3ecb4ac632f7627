// amq --replicas' JSON of a volume; see volume_json.h.
#include "relay/volume_json.h"

#include <algorithm>

namespace amd::relay {

double Ms(std::optional<failover::Duration> d) {
  return d ? static_cast<double>(d->count()) / 1000.0 : -1;
}

double MBs(std::optional<failover::Duration> per_kib) {
  return per_kib ? 1024.0 / std::max<double>(0.001, static_cast<double>(per_kib->count())) : -1;
}

nlohmann::json ReplicasJson(const failover::Volume& volume, size_t serving) {
  nlohmann::json out = nlohmann::json::array();
  auto view = volume.View();
  for (size_t i = 0; i < view.size(); ++i) {
    const auto& v = view[i];
    nlohmann::json r = {{"name", v.name},
                        {"state", failover::HealthName(v.health)},
                        {"in_use", i == serving},
                        {"metadata_short_ms", Ms(v.metadata_short)},
                        {"metadata_long_ms", Ms(v.metadata_long)},
                        {"read_mb_s", MBs(v.read_cost)},
                        {"read_probe_mb_s", MBs(v.read_probe)},
                        {"read_own_mb_s", MBs(v.read_live)},
                        {"probe_ms", Ms(v.probe)},
                        {"rto_ms", Ms(v.rto)},
                        {"calls", v.calls},
                        {"timeouts", v.timeouts},
                        {"errors", v.errors},
                        {"probes_failed", v.probes_failed}};
    if (!v.rejected.empty()) r["rejected"] = v.rejected;
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json HistoryJson(const failover::Volume& volume,
                           const std::function<double(failover::TimePoint)>& wall) {
  nlohmann::json out = nlohmann::json::array();
  auto view = volume.View();
  for (const auto& s : volume.history()) {
    out.push_back({{"at", wall(s.at)},
                   {"from", view[s.from].name},
                   {"to", view[s.to].name},
                   {"reason", s.reason}});
  }
  return out;
}

}  // namespace amd::relay
