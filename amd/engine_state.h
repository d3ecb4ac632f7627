// The engine's state, shared by the files that implement Engine (engine.h):
// the automount points, the nodes below them, and what a mount attempt
// carries to a worker and back. Engine thread only, except Job and
// MountOutcome, which a worker owns while it runs the attempt, and
// MapHandle, guarded by its own mutex.
#ifndef AMD_AMD_ENGINE_STATE_H_
#define AMD_AMD_ENGINE_STATE_H_

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "amd/engine.h"
#include "maps/entry_template.h"
#include "maps/location_evaluator.h"

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

struct Engine::MapHandle {
  std::mutex mu;
  std::unique_ptr<maps::Map> map;  // guarded by mu
  std::string name;
  // Wildcard entries evaluated once (maps/entry_template.h), by
  // TemplateKey; nullptr where an entry cannot be. Guarded by mu.
  std::unordered_map<std::string, std::shared_ptr<const maps::EntryTemplate>> templates;
};

struct Engine::Node {
  enum class State { kMounting, kMounted, kUnmounting, kFailed };
  State state = State::kMounting;
  std::vector<AutofsReply> waiters;
  MountRecord record;
  int child_point = -1;  // a type:=auto node's automount point
  uint64_t generation = 0;
  Clock::time_point failed_until;
  Clock::time_point no_expire_until;
  Clock::time_point deadline;          // of the mount attempt in progress
  std::shared_ptr<SharedReply> first;  // the request that started it
  // Credentials of the request that starts (or restarts) the attempt:
  // ${uid} and ${gid} (the NFS caller's AUTH_SYS ones, or the process the
  // kernel names in its autofs request).
  uint32_t uid = 0, gid = 0;
  // Set when the attempt in progress is abandoned (timed out, or amd lets
  // the point go): its worker stops where it can (a map program is killed).
  std::shared_ptr<std::atomic<bool>> cancel;
  // Unmounts asked for (AMQ) while it was still being mounted: the kernel
  // may already have been answered, so a caller can have seen it mounted.
  std::vector<std::function<void(Status)>> unmount_when_mounted;
  // A replicated volume on a kernel mount: its KernelVolumes id (0: none),
  // and whether a switch to another replica is under way (requests for
  // the key wait for it, as for a mount).
  int kernel_volume = 0;
  bool switching = false;
};

struct Engine::Point {
  int id = 0;
  std::string path;
  kernel::AutofsKind kind = kernel::AutofsKind::kIndirect;
  std::shared_ptr<kernel::AutofsEndpoint> endpoint;
  std::shared_ptr<MapHandle> map;
  std::string pref;
  std::string parent_defaults;
  std::optional<std::string> map_defaults;
  int parent = -1;
  bool created_dir = false;
  std::chrono::system_clock::time_point created_at = std::chrono::system_clock::now();
  int expiring = 0;               // expire loops running for this point
  FrontEnd* front_end = nullptr;  // what serves it
  std::string section;            // the amd.conf section of a top-level or direct point
  std::string map_spec;           // map_name, map_type and map_options it was made with
  std::map<std::string, Node> nodes;
};

struct Engine::MountOutcome {
  Status status;
  bool first_answered = false;  // the worker told the kernel READY
  bool logged = false;          // the failure is in the log already
  std::optional<MountRecord> record;
  // A type:=auto location: the nested autofs mount and its map.
  std::unique_ptr<kernel::AutofsEndpoint> submap_endpoint;
  std::shared_ptr<MapHandle> submap;
  std::string submap_pref;
  std::string submap_defaults;
  Diagnostics diag;
};

// Everything a worker needs for one key, copied off the engine thread.
struct Engine::Job {
  std::shared_ptr<SharedReply> first;         // answered by the worker when it is done
  std::shared_ptr<Resolved> resolved;         // once the key is resolved
  size_t next = 0;                            // the next selected location to try
  std::string lane;                           // the worker pool lane it runs on
  bool in_map_lane = false;                   // that lane is its map's (map sources that may block)
  std::shared_ptr<std::atomic<bool>> cancel;  // the node's: the attempt was abandoned
  std::shared_ptr<MapHandle> map;
  std::shared_ptr<kernel::AutofsEndpoint> endpoint;  // the point's
  std::string name;
  std::string direct_key;  // a direct point's map key (its own path)
  std::string pref;
  std::string node_path;
  std::string parent_defaults;
  std::optional<std::string> map_defaults;
  bool selectors_in_defaults = false;
  maps::EvalContext ctx;
  std::shared_ptr<const MountContext> mount_ctx;
  std::shared_ptr<const MapSettings> settings;
  pid_t pgrp = 0;
  FrontEnd* front_end = nullptr;  // the point's
  uint64_t eval_generation = 0;   // of the configuration it evaluates with
  Clock::time_point start;
};

struct Engine::Resolved {
  std::string key;
  std::string matched_key;
  maps::EntryResult entry;
};

// What a section's point was made with: map_name, map_type, map_options.
std::string MapSpecOf(const conf::MapSettingsSection& sec);

// Logs a map's or a mount's diagnostics: errors and warnings.
void LogDiagnostics(spdlog::logger& log, const Diagnostics& d);

}  // namespace amd

#endif  // AMD_AMD_ENGINE_STATE_H_
