// The JSON that amq --replicas shows of a replicated volume's replicas and
// switches (amq(8)), from its failover::Volume: the relay's and the
// kernel data path's alike. Times in ms, read rates in MB/s, -1 where
// nothing is measured yet.
//
// Threading: pure. Ownership: values.
#ifndef AMD_RELAY_VOLUME_JSON_H_
#define AMD_RELAY_VOLUME_JSON_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "failover/volume.h"

namespace amd::relay {

double Ms(std::optional<failover::Duration> d);
// A read cost per KiB as MB/s.
double MBs(std::optional<failover::Duration> per_kib);

// Every replica: name, state, in_use (`serving`), estimates, read rates,
// probe, RTO, calls, timeouts, errors, failed probes, and why it was
// refused.
nlohmann::json ReplicasJson(const failover::Volume& volume, size_t serving);
// The last switches: at (seconds since the epoch, by `wall`), from, to,
// reason.
nlohmann::json HistoryJson(const failover::Volume& volume,
                           const std::function<double(failover::TimePoint)>& wall);

}  // namespace amd::relay

#endif  // AMD_RELAY_VOLUME_JSON_H_
