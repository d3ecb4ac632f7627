// `amd --explain PATH`: how PATH resolves with the configuration and maps
// the daemon would use. For each automount node on the way (a top-level map,
// then any type:=auto sub-maps): the map and key, the map key that matched
// (a wildcard or the key itself), every location with each selector's value
// and verdict, where the cut stopped, and the fully expanded options.
// Reads maps (and may run exec maps); blocking; for the command line.
//
// Threading: any thread (the command line's). Ownership: the Explanation is
// the caller's.
#ifndef AMD_AMD_EXPLAIN_H_
#define AMD_AMD_EXPLAIN_H_

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "conf/config.h"
#include "maps/host_facts.h"
#include "maps/location_evaluator.h"
#include "maps/map.h"
#include "maps/mount_types.h"
#include "maps/world.h"

namespace amd {

struct ExplainStep {
  std::string node;        // the automount node, e.g. /home/jsp
  std::string map;         // the map's name
  std::string map_source;  // "file /etc/amd/amd.home"
  std::string cache;       // the map's cache mode
  std::string key;         // the key looked up (with pref)
  maps::LookupResult lookup;
  std::string defaults;  // the defaults string the entry started with
  maps::EntryResult entry;
  // For each of entry.steps: the mount options a selected location uses.
  std::vector<std::optional<maps::MountOptionsChoice>> mount_options;
};

struct Explanation {
  std::string path;
  std::string mount_point;  // the top-level automount point
  std::vector<ExplainStep> steps;
  bool selected = false;
  std::string outcome;  // one line: what happens, or why nothing does
  Diagnostics diag;     // warnings met on the way
};

Explanation Explain(const conf::Config& config, const maps::HostFacts& facts, maps::World* world,
                    const std::string& path);

std::string ExplanationText(const Explanation& e);
std::string ExplanationJson(const Explanation& e);

}  // namespace amd

#endif  // AMD_AMD_EXPLAIN_H_
