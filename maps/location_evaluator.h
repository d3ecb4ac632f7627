// Evaluation of one map entry for one key: which locations are selected,
// where the cut stops, and the fully expanded options of each location.
//
// This is the original's amfs_lookup_mntfs() + ops_match() + eval_fs_opts()
// (amd/amfs_generic.c, amd/am_ops.c, amd/opts.c) as a pure function of the
// entry text, the defaults, the lookup's variables and a World. It records
// every step so `amd --explain` can show it. Thread-compatible: no shared
// state; the World must be safe for the calling thread.
//
// Ownership: results are the caller's values.
#ifndef AMD_MAPS_LOCATION_EVALUATOR_H_
#define AMD_MAPS_LOCATION_EVALUATOR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "maps/expander.h"
#include "maps/host_facts.h"
#include "maps/location_syntax.h"
#include "maps/variables.h"
#include "maps/world.h"

namespace amd::maps {

struct EvalContext {
  const HostFacts* facts = nullptr;
  World* world = nullptr;
  std::string key;   // the key looked up, including the parent's pref
  std::string map;   // the map's name
  std::string path;  // the node's full path, e.g. /home/jsp
  std::string uid = "0";
  std::string gid = "0";
  bool normalize_slashes = true;
  bool normalize_hostnames = false;
  bool domain_strip = true;
  KeyTaint* taint = nullptr;  // while a template is built
};

// One selector or function of a location, with its verdict.
struct SelectorCheck {
  std::string text;      // the field after the selector pass, e.g. host==sky
  std::string actual;    // the variable's value ("" for functions)
  std::string expected;  // the expanded right-hand side or argument
  bool passed = false;
  std::string note;  // why it was ignored, when it was
};

struct LocationResult {
  std::string text;      // the location as written
  std::string defaults;  // the defaults string it was evaluated with
  bool selected = false;
  std::string reason;  // "selected", or why not
  std::vector<SelectorCheck> checks;
  OptionTable options;         // after expansion, addopts merge, sublink fix-up
  std::string mount_info;      // e.g. "charm:/home/charm" when selected
  std::string effective_type;  // nfsl becomes "link" or "nfs"
  // A replicated volume (volume:=): every selected nfs location of the
  // entry with the same volume, "rhost:rfs" each in the entry's order,
  // and each one's own options (opts:= may differ: port=, mountport=).
  std::vector<std::string> replicas;
  std::vector<OptionTable> replica_options;
};

LocationResult EvaluateLocation(std::string_view location, std::string_view defaults,
                                const EvalContext& ctx, Diagnostics* diag);

struct EntryStep {
  LocationToken token;
  std::optional<LocationResult> location;  // for kLocation tokens
  std::string defaults_after;              // for kDefaults / kReset tokens
};

struct EntryResult {
  std::vector<EntryStep> steps;  // in order, up to and including a taken cut
  int cut_step = -1;             // index of the cut that stopped evaluation
  std::vector<size_t> selected;  // indices into steps, in try order
};

// Stands for the key while an entry template is built; no key that may use
// a template contains it (maps/entry_template.h).
inline constexpr std::string_view kKeyStandIn = "\x01key\x02";

// Evaluates every location of `value` with `map_defaults` as the starting
// defaults, honouring "-" defaults, "-" resets and the "||" cut.
EntryResult EvaluateEntry(std::string_view value, std::string_view map_defaults,
                          const EvalContext& ctx, Diagnostics* diag);

// The defaults string for entries of a map: the map's /defaults value (or
// the amd.conf map_defaults override) followed by the parent's defaults.
// `slash_defaults` is the map's /defaults value, if it has one. With
// selectors_in_defaults the first location whose selectors match is used
// (its selectors removed); otherwise the first location only.
std::string ComputeMapDefaults(std::string_view parent_defaults,
                               const std::optional<std::string>& map_defaults_override,
                               const std::optional<std::string>& slash_defaults,
                               bool selectors_in_defaults, const EvalContext& ctx,
                               Diagnostics* diag);

// Builds the selector variable values for a lookup.
SelectorValues MakeSelectorValues(const EvalContext& ctx);

}  // namespace amd::maps

#endif  // AMD_MAPS_LOCATION_EVALUATOR_H_
