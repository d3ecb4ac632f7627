// The mount job: one key resolved (ResolveKey, as amd --explain does) and
// its selected locations tried in order on worker threads. See engine.h.
#include <spdlog/spdlog.h>

#include <thread>

#include "amd/engine_state.h"
#include "amd/fs_type.h"
#include "amd/section_maps.h"
#include "base/strings.h"
#include "maps/key_name.h"
#include "maps/mount_options.h"
#include "maps/mount_types.h"

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

Engine::Job Engine::MakeJob(const Point& point, const std::string& name) const {
  Job in;
  in.map = point.map;
  in.endpoint = point.endpoint;
  in.name = name;
  in.pref = point.pref;
  in.node_path = NodePath(point, name);
  if (point.kind == kernel::AutofsKind::kDirect) in.direct_key = point.path;
  in.parent_defaults = point.parent_defaults;
  in.map_defaults = point.map_defaults;
  in.selectors_in_defaults = eval_flags_.selectors_in_defaults;
  in.ctx = EvalContextOf(eval_flags_, &facts_, &world_);
  in.mount_ctx = point.front_end->shows() == FrontEnd::Shows::kLinkIntoAutodir ? link_mount_context_
                 : point.kind == kernel::AutofsKind::kDirect ? direct_mount_context_
                                                             : mount_context_;
  in.front_end = point.front_end;
  in.settings = global_maps_;
  in.pgrp = options_.pgrp;
  in.eval_generation = eval_generation_;
  in.start = Clock::now();
  return in;
}

std::string Engine::NodePath(const Point& point, const std::string& name) {
  return point.kind == kernel::AutofsKind::kDirect ? point.path : point.path + "/" + name;
}

// Map look-up and evaluation of one key (ResolveKey, as --explain).
// Blocking (the map may run a program); the map's lock is held only for
// the look-ups.
std::optional<Engine::Resolved> Engine::Resolve(Job& in, Diagnostics& diag, Status* error) const {
  Resolved out;
  out.key = !in.direct_key.empty()
                ? in.direct_key
                : in.pref + maps::ExpandRequestedName(in.name, *in.ctx.facts, in.ctx.world,
                                                      in.ctx.normalize_slashes, &diag);
  KeyQuery q;
  q.key = out.key;
  q.map_name = in.map->name;
  q.node_path = in.node_path;
  q.parent_defaults = in.parent_defaults;
  q.map_defaults = in.map_defaults;
  q.selectors_in_defaults = in.selectors_in_defaults;
  // A wildcard entry for a plain key is evaluated from its template.
  EntryEvaluator evaluate = [&](const maps::LookupResult& r, const std::string& defaults,
                                const maps::EvalContext& ctx, Diagnostics* d) {
    if (in.pref.empty() && in.direct_key.empty() && r.matched_key != out.key &&
        maps::KeyFitsTemplate(out.key)) {
      in.ctx = ctx;
      return FromTemplate(in, r.matched_key, r.value, defaults, d);
    }
    return maps::EvaluateEntry(r.value, defaults, ctx, d);
  };
  KeyResolution k =
      ResolveKey(*in.map->map, in.map->mu, q, in.ctx, in.cancel.get(), &diag, false, evaluate);
  const maps::LookupResult& r = k.lookup;
  if (!r.found()) {
    *error = Status::Error(r.status == maps::LookupResult::Status::kError
                               ? "map " + in.map->name + ": " + r.error
                               : "no entry for \"" + out.key + "\" in " + in.map->name,
                           std::errc::no_such_file_or_directory);
    return std::nullopt;
  }
  out.matched_key = r.matched_key;
  out.entry = std::move(k.entry);
  if (out.entry.selected.empty()) {
    *error = Status::Error(
        "no location of \"" + r.matched_key + "\" in " + in.map->name + " is selected",
        std::errc::no_such_file_or_directory);
    return std::nullopt;
  }
  return out;
}

// A wildcard entry's evaluation for the job's key, from the entry's
// template (made on first use) when it has one.
maps::EntryResult Engine::FromTemplate(Job& in, const std::string& matched_key,
                                       const std::string& value, const std::string& defaults,
                                       Diagnostics* diag) {
  std::string key = std::to_string(in.eval_generation) + '\0' +
                    in.node_path.substr(0, in.node_path.rfind('/')) + '\0' + matched_key + '\0' +
                    defaults + '\0' + value;
  std::shared_ptr<const maps::EntryTemplate> t;
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(in.map->mu);
    auto it = in.map->templates.find(key);
    if (it != in.map->templates.end()) {
      t = it->second;
      known = true;
    }
  }
  if (!known) {
    t = maps::EntryTemplate::Make(value, defaults, in.ctx);
    std::lock_guard<std::mutex> lock(in.map->mu);
    if (in.map->templates.size() >= 256) in.map->templates.clear();  // bounded
    in.map->templates.emplace(std::move(key), t);
  }
  return t ? t->Instantiate(in.ctx.key) : maps::EvaluateEntry(value, defaults, in.ctx, diag);
}

// The map a type:=auto location names (its own map for fs:=. or ${map}).
std::shared_ptr<Engine::MapHandle> Engine::SubMap(const Job& in, const maps::LocationResult& loc,
                                                  Diagnostics& diag) const {
  std::string sub(loc.options.Value(Option::kFs));
  if (sub == "." || sub == in.map->name) return in.map;
  auto loaded = LoadSubMap(*in.settings, loc, &diag);
  if (!loaded) return nullptr;
  auto handle = std::make_shared<MapHandle>();
  handle->map = std::move(loaded);
  handle->name = sub;
  return handle;
}

std::string Engine::SubMapPref(const Job& in, const maps::LocationResult& loc) {
  std::string_view pref = loc.options.Value(Option::kPref);
  if (!loc.options.Has(Option::kPref)) return in.pref + in.name + "/";
  return pref == "null" ? std::string() : std::string(pref);
}

namespace {

// The file server a location talks to ("" for local ones): mounts to one
// server run on its own lane of the worker pool, capped per server.
std::string ServerOf(const maps::LocationResult& loc) {
  const FsType* type = FindFsType(loc.effective_type);
  return type != nullptr ? type->server(loc) : std::string();
}

}  // namespace

// One key's mount on a worker: resolve it (once), then try the selected
// locations in order until one mounts. Returns the lane to continue on
// when the next location belongs to another server's lane.
std::optional<std::string> Engine::RunJob(Job& in, MountOutcome& outcome) {
  Diagnostics& diag = outcome.diag;
  if (!in.resolved) {
    auto resolved = Resolve(in, diag, &outcome.status);
    if (!resolved) return std::nullopt;
    in.resolved = std::make_shared<Resolved>(std::move(*resolved));
    outcome.status = Status::Error("no location of \"" + in.resolved->matched_key + "\" mounted",
                                   std::errc::no_such_file_or_directory);
  }
  const maps::EntryResult& entry = in.resolved->entry;
  for (; in.next < entry.selected.size(); ++in.next) {
    const maps::LocationResult& loc = *entry.steps[entry.selected[in.next]].location;
    std::string server = ServerOf(loc);
    if (server != in.lane || in.in_map_lane) return server;
    if (auto d = ParseInteger(loc.options.Value(Option::kDelay)); d && *d > 0) {
      auto until = in.start + std::chrono::seconds(*d);
      if (until > Clock::now()) std::this_thread::sleep_until(until);
    }
    if (loc.effective_type == "auto") {
      if (OpenSubMapPoint(in, loc, outcome)) return std::nullopt;
      continue;
    }
    if (MountOne(in, loc, outcome)) return std::nullopt;
  }
  return std::nullopt;
}

// A type:=auto location: the key's own point, through the point's front
// end (an autofs mount of its own, or a directory of the NFS front end).
bool Engine::OpenSubMapPoint(Job& in, const maps::LocationResult& loc, MountOutcome& outcome) {
  auto submap = SubMap(in, loc, outcome.diag);
  if (!submap) {
    outcome.status =
        Status::Error("sub-map " + std::string(loc.options.Value(Option::kFs)) + " cannot be read",
                      std::errc::no_such_file_or_directory);
    return false;
  }
  auto e = in.front_end->OpenSubMap(in.node_path, SubMapKeys(submap, in, loc));
  if (!e.ok()) {
    outcome.status = e.status();
    return false;
  }
  outcome.submap_endpoint = std::move(e.value());
  outcome.submap = submap;
  outcome.submap_pref = SubMapPref(in, loc);
  outcome.submap_defaults = loc.defaults;
  outcome.status = {};
  return true;
}

// One location mounted (FsType), shown at the key, and its own idle time
// told to the front end. False (the outcome says why) when it failed.
bool Engine::MountOne(Job& in, const maps::LocationResult& loc, MountOutcome& outcome) {
  Diagnostics& diag = outcome.diag;
  auto rec = MountLocation(in.node_path, loc, *in.mount_ctx, kernel_);
  if (rec.ok()) {
    for (const auto& w : rec->warnings) diag.Warning(in.node_path + ": " + w);
    in.endpoint->ShowTarget(in.name, rec->target);
    if (rec->utimeout) {
      // The kernel's own idle time for this key (a direct point is one
      // key: its whole autofs mount's timeout).
      unsigned long t = static_cast<unsigned long>(*rec->utimeout);
      Status st = in.direct_key.empty() ? in.endpoint->SetKeyTimeout(in.name, t)
                                        : in.endpoint->SetTimeout(t);
      if (!st.ok())
        diag.Warning(in.node_path + ": utimeout=" + std::to_string(t) +
                     " not applied, cache_duration used: " + st.ToString());
    }
    outcome.record = std::move(rec.value());
    outcome.status = {};
    return true;
  }
  outcome.status = rec.status();
  diag.Warning(in.node_path + ": " + loc.effective_type + " " + loc.mount_info + ": " +
               rec.status().ToString());
  return false;
}

// The keys a browsable directory of the NFS front end lists: those of
// `handle`'s map that begin with `pref`, without it, and with no further
// '/'; not /defaults; wildcards only when `full` (as the original's
// browsable_dirs = full and opts:=fullybrowsable).
std::function<std::vector<std::string>()> Engine::BrowsableKeys(std::shared_ptr<MapHandle> handle,
                                                                std::string pref, bool full) {
  return [handle = std::move(handle), pref = std::move(pref), full] {
    std::vector<std::string> keys;
    {
      std::lock_guard<std::mutex> lock(handle->mu);
      keys = handle->map->Keys();
    }
    std::vector<std::string> out;
    for (auto& k : keys) {
      if (k == "/defaults" || !k.starts_with(pref)) continue;
      std::string rest = k.substr(pref.size());
      if (rest.empty() || rest.find('/') != std::string::npos) continue;
      if (!full && rest.find('*') != std::string::npos) continue;
      out.push_back(std::move(rest));
    }
    return out;
  };
}

std::function<std::vector<std::string>()> Engine::SubMapKeys(
    const std::shared_ptr<MapHandle>& submap, const Job& in, const maps::LocationResult& loc) {
  std::string_view opts = loc.options.Value(Option::kOpts);
  bool full = maps::HasMountOption(opts, "fullybrowsable");
  if (!full && !maps::HasMountOption(opts, "browsable")) return nullptr;
  return BrowsableKeys(submap, SubMapPref(in, loc), full);
}
}  // namespace amd
