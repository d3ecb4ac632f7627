// ResolveKey: what one key of a map resolves to, the single path that
// both the engine's workers and `amd --explain` take, so that --explain
// shows exactly what the daemon does: the look-up (with the map's
// wildcard rules), the map's /defaults, the defaults that apply
// (map_defaults, selectors_in_defaults, a sub-map's parent entry), and
// the entry's evaluation.
//
// Blocking (a map may run a program). Thread-safe as its map is: the
// caller's lock on the map is held for the look-ups only, and released
// while a map program runs (maps/map.h).
#ifndef AMD_AMD_RESOLVE_KEY_H_
#define AMD_AMD_RESOLVE_KEY_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "base/diagnostic.h"
#include "conf/config.h"
#include "maps/location_evaluator.h"
#include "maps/map.h"

namespace amd {

// The amd.conf settings every evaluation reads, taken once per
// configuration from [global].
struct EvalFlags {
  bool selectors_in_defaults = false;
  bool normalize_slashes = true;
  bool normalize_hostnames = false;
  bool domain_strip = true;
};
EvalFlags EvalFlagsOf(const conf::GlobalSettings& global);
// An evaluation context with those flags, the host's facts and its world.
maps::EvalContext EvalContextOf(const EvalFlags& flags, const maps::HostFacts* facts,
                                maps::World* world);

struct KeyQuery {
  std::string key;                          // the map key, prefix included
  std::string map_name;                     // ${map}
  std::string node_path;                    // ${path}: where the key is mounted
  std::string parent_defaults;              // a sub-map's: its parent entry's defaults
  std::optional<std::string> map_defaults;  // amd.conf map_defaults, when set
  bool selectors_in_defaults = false;
};

struct KeyResolution {
  maps::LookupResult lookup;  // the entry found, or why none was
  std::string defaults;       // what its locations start from
  maps::EntryResult entry;    // its evaluation, when found
};

// Evaluates a found entry; the engine passes one that reuses wildcard
// templates (maps/entry_template.h), which gives the same result.
using EntryEvaluator =
    std::function<maps::EntryResult(const maps::LookupResult& found, const std::string& defaults,
                                    const maps::EvalContext& ctx, Diagnostics* diag)>;

// Resolves `q` in `map`, whose lock is `lock` (not held on entry). `ctx`
// carries the facts, the world, the flags and the caller's uid and gid;
// its key, map and path are set here. `cancel` (may be null) stops a map
// program. With `locate`, diagnostics name the map source and the entry's
// line. `evaluate` defaults to maps::EvaluateEntry.
KeyResolution ResolveKey(maps::Map& map, std::mutex& lock, const KeyQuery& q, maps::EvalContext ctx,
                         const std::atomic<bool>* cancel, Diagnostics* diag, bool locate = false,
                         const EntryEvaluator& evaluate = nullptr);

}  // namespace amd

#endif  // AMD_AMD_RESOLVE_KEY_H_
