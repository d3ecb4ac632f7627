// --explain: walks PATH through the configured maps; see explain.h.
#include "amd/explain.h"

#include "amd/fs_types/types.h"
#include "amd/resolve_key.h"
#include "amd/section_maps.h"

#include <mutex>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "maps/key_name.h"
#include "maps/location_syntax.h"

namespace amd {
namespace {

using maps::Option;

// How a replicated location is served: its datapath:=, else the relay
// where the kernel has FUSE.
std::string DataPath(const maps::LocationResult& l) {
  std::string_view d = l.options.Value(Option::kDatapath);
  if (d == "kernel") return "kernel (an NFS mount of the first replica that answers)";
  if (d.empty() && !KernelHasFuse()) return "kernel (this kernel has no FUSE for the relay)";
  return "relay (amd-relay through FUSE, failover under open files)";
}

std::string PolicyOf(const maps::LocationResult& l) {
  std::string_view p = l.options.Value(Option::kPolicy);
  std::string name(p.empty() ? l.options.Value(Option::kVolume) : p);
  return name + " in /etc/amd/failover.yaml (its defaults when it has no section)";
}

// The components of a path, with "." dropped and ".." going up (the
// original answers those two names itself, without a map look-up).
std::vector<std::string> SplitPath(std::string_view p) {
  std::vector<std::string> out;
  for (std::string_view c : SplitOn(p, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

const conf::MapSection* FindMountPoint(const conf::Config& config, const std::string& path) {
  const conf::MapSection* best = nullptr;
  for (const auto& m : config.maps) {
    const std::string& d = m.dir;
    bool under = path == d || (path.size() > d.size() && path.compare(0, d.size(), d) == 0 &&
                               (path[d.size()] == '/' || d == "/"));
    if (under && (best == nullptr || d.size() > best->dir.size())) best = &m;
  }
  return best;
}

}  // namespace

namespace {

// Where the walk is: the map the next component is looked up in, and
// what the path above it left (a sub-map's pref and defaults).
struct Walk {
  std::unique_ptr<maps::Map> map;
  std::string map_name;
  std::string node;  // the automount node above the next component
  std::string pref;
  std::string parent_defaults;
  std::optional<std::string> map_defaults;
};

// The section that serves `clean`: a direct map with its key or a
// directory above it as a key wins (its map loaded into `map`, the key in
// `direct_key`), else the deepest indirect mount point above it.
const conf::MapSection* FindSection(const conf::Config& config, const std::string& clean,
                                    std::string* direct_key, std::unique_ptr<maps::Map>* map) {
  const conf::MapSection* top = nullptr;
  for (const auto& m : config.maps) {
    if (!IsDirectSection(m.settings)) continue;
    Diagnostics ignored;
    auto candidate = LoadSectionMap(m.settings, &ignored);
    if (!candidate) continue;
    bool better = false;
    for (std::string k = clean; !k.empty(); k = k.substr(0, k.rfind('/'))) {
      if (candidate->Find(k, nullptr).found() && k.size() > direct_key->size()) {
        *direct_key = k;
        top = &m;
        better = true;
      }
    }
    if (better) *map = std::move(candidate);
  }
  return top != nullptr ? top : FindMountPoint(config, clean);
}

// One component looked up and evaluated, as the daemon's worker does
// (ResolveKey). The step is added to `e`; its selected location, or null
// with e.outcome saying why there is none.
const maps::LocationResult* ResolveStep(Walk& w, const std::string& key, const std::string& node,
                                        const EvalFlags& flags, const maps::EvalContext& ctx,
                                        maps::World* world, Explanation& e) {
  ExplainStep step;
  step.node = node;
  step.map = w.map_name;
  step.map_source = std::string(w.map->source().type()) + " " + w.map->source().Describe();
  step.cache = maps::CacheSpecName(w.map->cache());
  step.key = key;
  KeyQuery q;
  q.key = step.key;
  q.map_name = w.map_name;
  q.node_path = step.node;
  q.parent_defaults = w.parent_defaults;
  q.map_defaults = w.map_defaults;
  q.selectors_in_defaults = flags.selectors_in_defaults;
  std::mutex unshared;  // (this map is --explain's alone)
  KeyResolution k = ResolveKey(*w.map, unshared, q, ctx, nullptr, &e.diag, true);
  step.lookup = std::move(k.lookup);
  if (!step.lookup.found()) {
    e.outcome = step.lookup.status == maps::LookupResult::Status::kError
                    ? "map " + w.map_name + " failed: " + step.lookup.error
                    : "no entry for \"" + step.key + "\" in " + w.map_name + " (ENOENT)";
    e.steps.push_back(std::move(step));
    return nullptr;
  }
  step.defaults = std::move(k.defaults);
  step.entry = std::move(k.entry);
  for (const auto& st : step.entry.steps) {
    std::optional<maps::MountOptionsChoice> choice;
    if (st.location && st.location->selected) {
      choice = maps::ChooseMountOptions(st.location->options, st.location->effective_type, world);
    }
    step.mount_options.push_back(std::move(choice));
  }
  if (step.entry.selected.empty()) {
    e.outcome = "no location of \"" + step.lookup.matched_key + "\" is selected (ENOENT)";
    e.steps.push_back(std::move(step));
    return nullptr;
  }
  e.steps.push_back(std::move(step));
  const ExplainStep& added = e.steps.back();
  return &*added.entry.steps[added.entry.selected.front()].location;
}

// Into the sub-map a type:=auto location names: the same map for fs:=.
// or ${map}, as the daemon does; another map with the global settings, as
// the daemon does. False (with e.outcome) when it cannot be read.
bool Descend(Walk& w, const maps::LocationResult& loc, const std::string& component,
             const conf::Config& config, Explanation& e) {
  std::string sub = std::string(loc.options.Value(Option::kFs));
  if (sub != "." && sub != w.map_name) {
    auto next = LoadSubMap(MapSettingsOf(config.settings.maps), loc, &e.diag);
    if (!next) {
      e.outcome = "sub-map " + sub + " cannot be read";
      return false;
    }
    w.map = std::move(next);
    w.map_name = sub;
  }
  if (loc.options.Has(Option::kPref)) {
    w.pref = loc.options.Value(Option::kPref) == "null"
                 ? ""
                 : std::string(loc.options.Value(Option::kPref));
  } else {
    w.pref = w.pref + component + "/";
  }
  w.parent_defaults = loc.defaults;
  w.map_defaults.reset();
  w.node = e.steps.back().node;
  return true;
}

}  // namespace

Explanation Explain(const conf::Config& config, const maps::HostFacts& facts, maps::World* world,
                    const std::string& path) {
  Explanation e;
  e.path = path;
  if (path.empty() || path[0] != '/') {
    e.outcome = "give an absolute path";
    return e;
  }
  std::string clean;
  for (const auto& c : SplitPath(path)) clean += "/" + c;
  if (clean.empty()) clean = "/";
  Walk w;
  std::string direct_key;
  const conf::MapSection* top = FindSection(config, clean, &direct_key, &w.map);
  if (top == nullptr) {
    e.outcome = path + " is not under any automount point";
    return e;
  }
  e.mount_point = top->dir;
  const conf::MapSettingsSection& sec = top->settings;
  w.map_name = SectionMapName(sec);
  if (!w.map) w.map = LoadSectionMap(sec, &e.diag);
  if (!w.map) {
    e.outcome = "map " + w.map_name + " cannot be read";
    return e;
  }
  std::vector<std::string> rest;
  w.node = top->dir == "/" ? "" : top->dir;
  if (!direct_key.empty()) {
    rest = {direct_key};  // a direct node is looked up by its own path
    e.mount_point = direct_key;
  } else {
    rest = SplitPath(std::string_view(clean).substr(top->dir.size()));
  }
  if (rest.empty()) {
    e.outcome = path + " is the automount point itself; name a key below it";
    return e;
  }
  w.map_defaults = MapDefaultsOverride(sec);
  EvalFlags flags = EvalFlagsOf(config.settings);
  maps::EvalContext ctx = EvalContextOf(flags, &facts, world);
  for (size_t i = 0; i < rest.size(); ++i) {
    std::string node = direct_key;
    if (direct_key.empty()) {
      if (auto bad = maps::CheckKeyName(rest[i])) {
        e.outcome = *bad + " (ENOENT)";
        return e;
      }
      rest[i] = maps::ExpandRequestedName(rest[i], facts, world, ctx.normalize_slashes, &e.diag);
      node = w.node + "/" + rest[i];
    }
    const maps::LocationResult* loc = ResolveStep(w, w.pref + rest[i], node, flags, ctx, world, e);
    if (loc == nullptr) return e;
    if (loc->effective_type != "auto" || i + 1 == rest.size()) {
      e.selected = true;
      e.outcome =
          "mount " + loc->effective_type + " " + loc->mount_info + " on " + e.steps.back().node;
      if (loc->options.Has(Option::kVolume)) {
        e.outcome += " (replicated volume " + std::string(loc->options.Value(Option::kVolume)) +
                     ", " + std::to_string(loc->replicas.size()) + " replicas, data path " +
                     DataPath(*loc) + ")";
      }
      if (i + 1 < rest.size() || (!direct_key.empty() && clean != direct_key)) {
        e.outcome += " (the rest of the path is inside it)";
      }
      return e;
    }
    if (!Descend(w, *loc, rest[i], config, e)) return e;
  }
  return e;
}

namespace {

void AppendOptions(const maps::OptionTable& o, std::string* out) {
  o.ForEachSet([out](Option opt, std::string_view v) {
    *out += "      " + std::string(maps::OptionName(opt)) + " = " + std::string(v) + "\n";
  });
}

}  // namespace

std::string ExplanationText(const Explanation& e) {
  std::string out;
  for (const auto& s : e.steps) {
    out += s.node + ": map " + s.map + " (" + s.map_source + ", cache " + s.cache + ")\n";
    out += "  key \"" + s.key + "\"";
    if (s.lookup.found()) {
      out += s.lookup.matched_key == s.key ? " found" : " matched \"" + s.lookup.matched_key + "\"";
      if (s.lookup.line) out += " at line " + std::to_string(s.lookup.line);
      out += "\n  entry: " + s.lookup.value + "\n";
      out += "  defaults: " + (s.defaults.empty() ? std::string("(none)") : s.defaults) + "\n";
    } else {
      out += " not found\n";
      continue;
    }
    int n = 0;
    for (size_t si = 0; si < s.entry.steps.size(); ++si) {
      const auto& st = s.entry.steps[si];
      using K = maps::LocationToken::Kind;
      switch (st.token.kind) {
        case K::kDefaults:
          out += "  -" + st.token.text + ": defaults are now \"" + st.defaults_after + "\"\n";
          break;
        case K::kReset:
          out += "  -: defaults reset to \"" + st.defaults_after + "\"\n";
          break;
        case K::kCut:
          out += "  " + st.token.text + ": cut, locations after it are not tried\n";
          break;
        case K::kLocation: {
          const auto& l = *st.location;
          out += "  location " + std::to_string(++n) + ": " + l.text + "\n";
          for (const auto& c : l.checks) {
            out += "    " + c.text;
            if (!c.note.empty()) {
              out += ": " + c.note + "\n";
              continue;
            }
            if (!c.actual.empty()) out += "  (value \"" + c.actual + "\")";
            out += std::string(c.passed ? "  true" : "  false") + "\n";
          }
          if (l.selected) {
            out += "    selected: " + l.effective_type + " " + l.mount_info + "\n";
            if (l.options.Has(Option::kVolume)) {
              out += "    replicated volume: " + std::string(l.options.Value(Option::kVolume)) +
                     "\n    replicas:";
              for (const auto& r : l.replicas) out += " " + r;
              out += "\n    data path: " + DataPath(l) + "\n    policy: " + PolicyOf(l) + "\n";
            }
            if (const auto& mo = s.mount_options[si]) {
              out +=
                  "    mount options: " + mo->options + " (" + mo->from + ": " + mo->reason + ")\n";
            }
          } else {
            out += "    not selected: " + l.reason + "\n";
          }
          AppendOptions(l.options, &out);
          break;
        }
      }
    }
  }
  for (const auto& d : e.diag.items()) {
    if (d.severity >= Severity::kWarning) out += d.ToString() + "\n";
  }
  out += "result: " + e.outcome + "\n";
  return out;
}

namespace {

nlohmann::ordered_json LocationJson(const maps::LocationResult& l,
                                    const std::optional<maps::MountOptionsChoice>& mo) {
  nlohmann::ordered_json j;
  j["location"] = l.text;
  j["selected"] = l.selected;
  j["reason"] = l.reason;
  j["defaults"] = l.defaults;
  auto checks = nlohmann::ordered_json::array();
  for (const auto& c : l.checks) {
    nlohmann::ordered_json cj;
    cj["selector"] = c.text;
    cj["value"] = c.actual;
    cj["expected"] = c.expected;
    cj["passed"] = c.passed;
    if (!c.note.empty()) cj["note"] = c.note;
    checks.push_back(cj);
  }
  j["selectors"] = checks;
  nlohmann::ordered_json opts = nlohmann::ordered_json::object();
  l.options.ForEachSet([&opts](Option o, std::string_view v) {
    opts[std::string(maps::OptionName(o))] = std::string(v);
  });
  j["options"] = opts;
  if (l.selected) {
    j["type"] = l.effective_type;
    j["mount_info"] = l.mount_info;
    if (l.options.Has(Option::kVolume)) {
      j["replicated"] = {{"volume", std::string(l.options.Value(Option::kVolume))},
                         {"replicas", l.replicas},
                         {"datapath", DataPath(l)},
                         {"policy", PolicyOf(l)}};
    }
  }
  if (mo) {
    j["mount_options"] = mo->options;
    j["mount_options_from"] = mo->from;
    j["mount_options_reason"] = mo->reason;
  }
  return j;
}

nlohmann::ordered_json StepJson(const ExplainStep& s) {
  nlohmann::ordered_json j;
  j["node"] = s.node;
  j["map"] = s.map;
  j["map_source"] = s.map_source;
  j["cache"] = s.cache;
  j["key"] = s.key;
  j["matched_key"] = s.lookup.found() ? nlohmann::ordered_json(s.lookup.matched_key) : nullptr;
  j["entry"] = s.lookup.value;
  if (s.lookup.line) j["line"] = s.lookup.line;
  j["defaults"] = s.defaults;
  auto locs = nlohmann::ordered_json::array();
  for (size_t i = 0; i < s.entry.steps.size(); ++i) {
    const auto& st = s.entry.steps[i];
    if (st.location) locs.push_back(LocationJson(*st.location, s.mount_options[i]));
  }
  j["locations"] = locs;
  int cut_location = -1;
  if (s.entry.cut_step >= 0) {
    cut_location = 0;
    for (int i = 0; i < s.entry.cut_step; ++i) cut_location += s.entry.steps[i].location ? 1 : 0;
  }
  j["cut_after_location"] = cut_location >= 0 ? nlohmann::ordered_json(cut_location) : nullptr;
  return j;
}

}  // namespace

std::string ExplanationJson(const Explanation& e) {
  nlohmann::ordered_json j;
  j["path"] = e.path;
  j["mount_point"] = e.mount_point;
  j["selected"] = e.selected;
  j["outcome"] = e.outcome;
  if (!e.steps.empty()) {
    auto last = StepJson(e.steps.back());
    for (auto it = last.begin(); it != last.end(); ++it) j[it.key()] = it.value();
  } else {
    j["map"] = nullptr;
    j["key"] = nullptr;
    j["matched_key"] = nullptr;
    j["locations"] = nlohmann::ordered_json::array();
  }
  auto steps = nlohmann::ordered_json::array();
  for (const auto& s : e.steps) steps.push_back(StepJson(s));
  j["steps"] = steps;
  auto warnings = nlohmann::ordered_json::array();
  for (const auto& d : e.diag.items()) {
    if (d.severity >= Severity::kWarning) warnings.push_back(d.ToString());
  }
  j["warnings"] = warnings;
  return j.dump(2) + "\n";
}

}  // namespace amd
