// The mount engine; see engine.h. State lives in Point and Node objects
// owned by the engine thread. A worker never touches them: it gets a copy of
// what it needs (JobInput) and posts a MountOutcome back, tagged with the
// node's generation so that a late answer for a node that has moved on (a
// timed-out attempt, a shutdown) is recognised and undone.
#include "amd/engine.h"

#include "amd/section_maps.h"
#include "amd/supervisor.h"

#include <spdlog/spdlog.h>

#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/strings.h"
#include "maps/entry_template.h"
#include "maps/key_name.h"
#include "maps/location_evaluator.h"
#include "maps/location_syntax.h"
#include "maps/mount_options.h"
#include "maps/mount_types.h"

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
  int expiring = 0;      // expire loops running for this point
  bool classic = false;  // served by the NFS front end, not autofs
  std::string section;   // the amd.conf section of a top-level or direct point
  std::string map_spec;  // map_name, map_type and map_options it was made with
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

namespace {

void LogDiagnostics(spdlog::logger& log, const Diagnostics& d) {
  for (const auto& item : d.items()) {
    if (item.severity >= Severity::kError) {
      log.error("{}", item.ToString(false));
    } else if (item.severity == Severity::kWarning) {
      log.warn("{}", item.ToString(false));
    }
  }
}

}  // namespace

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
  bool classic = false;          // the point is the NFS front end's
  uint64_t eval_generation = 0;  // of the configuration it evaluates with
  Clock::time_point start;
};

struct Engine::Resolved {
  std::string key;
  std::string matched_key;
  maps::EntryResult entry;
};

void Engine::ApplyGlobalSettings() {
  const conf::Section& g = config_->global;
  ++eval_generation_;
  MountContext mc;
  mc.use_lofs = g.GetBool("autofs_use_lofs");
  mc.nfs_vers = g.Get("nfs_vers");
  mc.nfs_proto = g.Get("nfs_proto");
  mc.world = &world_;
  mount_context_ = std::make_shared<const MountContext>(mc);
  // A direct mount point is a directory amd mounts over: never a symlink.
  mc.use_lofs = true;
  direct_mount_context_ = std::make_shared<const MountContext>(mc);
  mc.classic = true;
  mc.shared = shared_mounts_;
  classic_mount_context_ = std::make_shared<const MountContext>(std::move(mc));
  global_maps_ = std::make_shared<const MapSettings>(MapSettingsOf(g));
  eval_flags_ = EvalFlagsOf(g);
}

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
  in.mount_ctx = point.classic                               ? classic_mount_context_
                 : point.kind == kernel::AutofsKind::kDirect ? direct_mount_context_
                                                             : mount_context_;
  in.classic = point.classic;
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
  const maps::MountTypeInfo* type = maps::FindMountType(loc.effective_type);
  if (type != nullptr && (type->flags & maps::kTypeNetwork) != 0) {
    return std::string(loc.options.Value(Option::kRhost));
  }
  return std::string();
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
      // A sub-map: an autofs mount of its own, or, for the NFS front end,
      // a directory of the front end with nothing in the kernel.
      auto submap = SubMap(in, loc, diag);
      auto e = [&]() -> Result<std::unique_ptr<kernel::AutofsEndpoint>> {
        if (!submap) {
          return Status::Error(
              "sub-map " + std::string(loc.options.Value(Option::kFs)) + " cannot be read",
              std::errc::no_such_file_or_directory);
        }
        if (in.classic) return options_.classic(in.node_path, false, SubMapKeys(submap, in, loc));
        if (Status s = kernel_.MakeDir(in.node_path, 0555); !s.ok()) return s;
        auto made =
            kernel_.CreateAutofs(in.node_path, kernel::AutofsKind::kIndirect, in.pgrp, "amd");
        if (!made.ok()) kernel_.RemoveDir(in.node_path);
        return made;
      }();
      if (!e.ok()) {
        outcome.status = e.status();
        continue;
      }
      outcome.submap_endpoint = std::move(e.value());
      outcome.submap = submap;
      outcome.submap_pref = SubMapPref(in, loc);
      outcome.submap_defaults = loc.defaults;
      outcome.status = {};
      return std::nullopt;
    }
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
      return std::nullopt;
    }
    outcome.status = rec.status();
    diag.Warning(in.node_path + ": " + loc.effective_type + " " + loc.mount_info + ": " +
                 rec.status().ToString());
  }
  return std::nullopt;
}

Engine::Engine(boost::asio::io_context& io, kernel::Kernel& kernel, WorkerPool& pool,
               maps::World& world, maps::HostFacts facts,
               std::shared_ptr<const conf::Config> config, std::shared_ptr<spdlog::logger> log,
               Options options, Watcher watcher)
    : io_(io),
      kernel_(kernel),
      pool_(pool),
      world_(world),
      facts_(std::move(facts)),
      config_(std::move(config)),
      log_(std::move(log)),
      options_(options),
      watcher_(std::move(watcher)),
      expire_timer_(io),
      sweep_timer_(io) {
  ApplyGlobalSettings();
}

Engine::~Engine() { expire_threads_.join(); }

bool Engine::Busy() const {
  for (const auto& [id, point] : points_) {
    for (const auto& [name, node] : point->nodes) {
      if (node.state == Node::State::kMounting || node.state == Node::State::kUnmounting)
        return true;
    }
  }
  return false;
}

std::vector<std::string> Engine::MountPoints() const {
  std::vector<std::string> out;
  for (const auto& [id, p] : points_) out.push_back(p->path);
  return out;
}

Status Engine::CreatePoint(const std::string& path, kernel::AutofsKind kind,
                           std::shared_ptr<MapHandle> map, std::string pref,
                           std::string parent_defaults, std::optional<std::string> map_defaults,
                           int parent, bool created_dir,
                           std::unique_ptr<kernel::AutofsEndpoint> endpoint) {
  if (!endpoint) {
    auto e = kernel_.CreateAutofs(path, kind, options_.pgrp, "amd");
    if (!e.ok()) return e.status();
    endpoint = std::move(e.value());
  }
  Status t =
      endpoint->SetTimeout(static_cast<unsigned long>(config_->global.GetInt("cache_duration")));
  if (!t.ok()) log_->warn("{}", t.ToString());
  auto p = std::make_unique<Point>();
  p->id = next_point_id_++;
  p->path = path;
  p->kind = kind;
  p->endpoint = std::move(endpoint);
  p->map = std::move(map);
  p->pref = std::move(pref);
  p->parent_defaults = std::move(parent_defaults);
  p->map_defaults = std::move(map_defaults);
  p->parent = parent;
  p->created_dir = created_dir;
  int id = p->id;
  int fd = p->endpoint->pipe_fd();
  points_[id] = std::move(p);
  if (watcher_.added) watcher_.added(id, fd, path);
  return {};
}

namespace {

// The topmost autofs mount of an earlier amd at `path`, if there is one.
const kernel::MountInfoEntry* AmdAutofsAt(const std::vector<kernel::MountInfoEntry>& table,
                                          const std::string& path) {
  const kernel::MountInfoEntry* found = nullptr;
  for (const auto& e : table) {
    if (e.mount_point == path && e.fstype == "autofs" && e.source == "amd") found = &e;
  }
  return found;
}

bool IsMountedAt(const std::vector<kernel::MountInfoEntry>& table, std::string_view path) {
  for (const auto& e : table) {
    if (e.mount_point == path) return true;
  }
  return false;
}

}  // namespace

void Engine::AdoptBelow(Point& point, const std::vector<kernel::MountInfoEntry>& table) {
  std::map<std::string, std::vector<const kernel::MountInfoEntry*>> below;
  std::string prefix = point.path + "/";
  for (const auto& e : table) {
    if (e.mount_point.size() > prefix.size() &&
        e.mount_point.compare(0, prefix.size(), prefix) == 0 &&
        e.mount_point.find('/', prefix.size()) == std::string::npos) {
      below[e.mount_point.substr(prefix.size())].push_back(&e);
    }
  }
  int point_id = point.id;
  for (const auto& [name, entries] : below) {
    Job job = MakeJob(point, name);
    Diagnostics diag;
    Status error;
    auto resolved = Resolve(job, diag, &error);  // blocking, at start-up only
    const maps::LocationResult* loc =
        resolved ? &*resolved->entry.steps[resolved->entry.selected.front()].location : nullptr;
    const kernel::MountInfoEntry& top = *entries.back();
    std::string path = prefix + name;
    if (top.fstype == "autofs" && top.source == "amd") {
      std::shared_ptr<MapHandle> submap;
      if (loc != nullptr && loc->effective_type == "auto") submap = SubMap(job, *loc, diag);
      auto ep = submap ? kernel_.AdoptAutofs(path, kernel::AutofsKind::kIndirect,
                                             makedev(top.major, top.minor), TakeHeldPipe(path))
                       : Result<std::unique_ptr<kernel::AutofsEndpoint>>(
                             Status::Error("its map entry is no longer a type:=auto location"));
      if (!ep.ok()) {
        log_->warn("{}: cannot re-adopt sub-map ({}); leaving it", path, ep.status().ToString());
        continue;
      }
      Status s = CreatePoint(path, kernel::AutofsKind::kIndirect, submap, SubMapPref(job, *loc),
                             loc->defaults, std::nullopt, point_id, true, std::move(ep.value()));
      if (!s.ok()) continue;
      int child = next_point_id_ - 1;
      Node& n = points_[point_id]->nodes[name];
      n.state = Node::State::kMounted;
      n.generation = next_generation_++;
      n.child_point = child;
      log_->info("{}: re-adopted sub-map {}", path, submap->name);
      AdoptBelow(*points_[child], table);
      continue;
    }
    MountRecord rec;
    rec.type = loc ? loc->effective_type : "inherit";
    rec.mount_info = loc ? loc->mount_info : top.source;
    rec.target = rec.mount_info;
    rec.expires = loc ? LocationExpires(*loc) : true;
    if (loc != nullptr && loc->effective_type == "program" &&
        IsMountedAt(table, loc->options.Value(Option::kFs))) {
      rec.actions.push_back({MountAction::Kind::kProgram,
                             std::string(loc->options.Value(Option::kFs)),
                             ProgramUnmountCommand(*loc), nullptr});
    }
    rec.actions.push_back({MountAction::Kind::kMadeDir, path, {}, nullptr});
    for (size_t i = 0; i < entries.size(); ++i)
      rec.actions.push_back({MountAction::Kind::kMounted, path, {}, nullptr});
    Node& n = points_[point_id]->nodes[name];
    n.state = Node::State::kMounted;
    n.generation = next_generation_++;
    n.record = std::move(rec);
    log_->info("{}: re-adopted {} {}", path, n.record.type, n.record.mount_info);
  }
  Point& p = *points_[point_id];
  for (const auto& [name, target] : kernel_.SymlinksIn(p.path)) {
    if (p.nodes.count(name)) continue;
    Node& n = p.nodes[name];
    n.state = Node::State::kMounted;
    n.generation = next_generation_++;
    n.record.type = "link";
    n.record.mount_info = target;
    n.record.target = target;
    n.record.actions.push_back({MountAction::Kind::kSymlinked, p.path + "/" + name, {}, nullptr});
    log_->info("{}/{}: re-adopted link to {}", p.path, name, target);
  }
}

// A direct map: one autofs direct mount per absolute key, each mounted
// over in place when it is used. The map must be readable whole, since its
// keys are the mount points.
Status Engine::StartDirect(const conf::MapSection& m, std::shared_ptr<MapHandle> map,
                           const std::optional<std::string>& map_defaults,
                           const std::vector<kernel::MountInfoEntry>& table) {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(map->mu);
    auto mode = map->map->cache().mode;
    if (mode != maps::CacheMode::kAll && mode != maps::CacheMode::kRegexp) {
      return Status::Error(
          m.dir + ": direct map " + map->name + " must be read whole (a file map with cache:=all)",
          std::errc::not_supported);
    }
    keys = map->map->Keys();
  }
  int made = 0;
  Status last;
  for (const auto& key : keys) {
    if (key == "/defaults") continue;
    if (key.empty() || key[0] != '/') {
      log_->warn("{}: direct map key \"{}\" is not an absolute path; ignored", map->name, key);
      continue;
    }
    if (const kernel::MountInfoEntry* old = AmdAutofsAt(table, key)) {
      auto ep = kernel_.AdoptAutofs(key, kernel::AutofsKind::kDirect,
                                    makedev(old->major, old->minor), TakeHeldPipe(key));
      if (ep.ok() && CreatePoint(key, kernel::AutofsKind::kDirect, map, "", "", map_defaults, -1,
                                 false, std::move(ep.value()))
                         .ok()) {
        Point& point = *points_[next_point_id_ - 1];
        // What is mounted over the autofs mount is the node's mount.
        int stacked = 0;
        for (const auto& e : table) stacked += (e.mount_point == key && e.id > old->id);
        if (stacked > 0) {
          Job job = MakeJob(point, "");
          Diagnostics diag;
          Status error;
          auto resolved = Resolve(job, diag, &error);
          const maps::LocationResult* loc =
              resolved ? &*resolved->entry.steps[resolved->entry.selected.front()].location
                       : nullptr;
          Node& n = point.nodes[""];
          n.state = Node::State::kMounted;
          n.generation = next_generation_++;
          n.record.type = loc ? loc->effective_type : "inherit";
          n.record.mount_info = loc ? loc->mount_info : "";
          n.record.expires = loc ? LocationExpires(*loc) : true;
          for (int i = 0; i < stacked; ++i)
            n.record.actions.push_back({MountAction::Kind::kMounted, key, {}, nullptr});
        }
        log_->info("{}: re-adopted the direct automount point", key);
        ++made;
        continue;
      }
      log_->warn("{}: cannot re-adopt the existing direct mount; mounting over it", key);
    }
    bool created = false;
    if (!kernel_.Exists(key)) {
      Status s = kernel_.MakeDirs(key, 0755);
      if (!s.ok()) {
        last = s;
        log_->error("{}", s.ToString());
        continue;
      }
      created = true;
    }
    Status s =
        CreatePoint(key, kernel::AutofsKind::kDirect, map, "", "", map_defaults, -1, created);
    if (!s.ok()) {
      last = s;
      log_->error("{}", s.ToString());
      if (created) kernel_.RemoveDir(key);
      continue;
    }
    ++made;
  }
  if (made == 0) {
    return last.ok() ? Status::Error(m.dir + ": direct map " + map->name + " has no absolute keys")
                     : last;
  }
  log_->info("{}: {} direct automount points from map {}", m.dir, made, map->name);
  return {};
}

namespace {

std::string MapSpecOf(const conf::Section& sec) {
  return sec.Get("map_name") + "|" + sec.Get("map_type") + "|" + sec.Get("map_options");
}

}  // namespace

// One amd.conf map section: its map, and its automount point (or, for a
// direct map, one per key), taking over what an earlier amd left there.
Status Engine::StartSection(const conf::MapSection& m,
                            const std::vector<kernel::MountInfoEntry>& table) {
  const conf::Section& sec = m.section;
  bool classic = sec.Get("mount_type") == "nfs";
  if (classic && !options_.classic) {
    log_->warn("{}: mount_type = nfs, but this amd runs no NFS front end; serving it with autofs",
               m.dir);
    classic = false;
  }
  if (classic && IsDirectSection(sec)) {
    log_->warn("{}: a direct map cannot be served by the NFS front end; serving it with autofs",
               m.dir);
    classic = false;
  }
  Diagnostics diag;
  auto loaded = LoadSectionMap(sec, &diag);
  LogDiagnostics(*log_, diag);
  if (!loaded) {
    return Status::Error(m.dir + ": map " + sec.Get("map_name") + " cannot be read",
                         std::errc::no_such_file_or_directory);
  }
  auto handle = std::make_shared<MapHandle>();
  handle->map = std::move(loaded);
  handle->name = SectionMapName(sec);
  std::optional<std::string> map_defaults = MapDefaultsOverride(*config_, sec);
  int first_new = next_point_id_;
  Status result;
  if (classic) {
    result = StartClassic(m, handle, map_defaults);
  } else if (IsDirectSection(sec)) {
    result = StartDirect(m, handle, map_defaults, table);
  } else {
    result = StartIndirect(m, handle, map_defaults, table);
  }
  for (int id = first_new; id < next_point_id_; ++id) {
    auto it = points_.find(id);
    if (it != points_.end() && it->second->parent < 0) {
      it->second->section = m.dir;
      it->second->map_spec = MapSpecOf(sec);
    }
  }
  return result;
}

Status Engine::StartIndirect(const conf::MapSection& m, std::shared_ptr<MapHandle> handle,
                             const std::optional<std::string>& map_defaults,
                             const std::vector<kernel::MountInfoEntry>& table) {
  if (const kernel::MountInfoEntry* old = AmdAutofsAt(table, m.dir)) {
    // An earlier amd's automount point: take it over with what is below.
    auto ep = kernel_.AdoptAutofs(m.dir, kernel::AutofsKind::kIndirect,
                                  makedev(old->major, old->minor), TakeHeldPipe(m.dir));
    if (ep.ok()) {
      Status s = CreatePoint(m.dir, kernel::AutofsKind::kIndirect, handle, "", "", map_defaults, -1,
                             false, std::move(ep.value()));
      if (s.ok()) {
        AdoptBelow(*points_[next_point_id_ - 1], table);
        log_->info("{}: re-adopted the running automount point, serving map {}", m.dir,
                   handle->name);
        return {};
      }
    }
    log_->warn("{}: cannot re-adopt the existing autofs mount ({}); mounting over it", m.dir,
               ep.status().ToString());
  }
  bool created = false;
  if (!kernel_.Exists(m.dir)) {
    Status s = kernel_.MakeDirs(m.dir, 0755);
    if (!s.ok()) return s;
    created = true;
  }
  Status s =
      CreatePoint(m.dir, kernel::AutofsKind::kIndirect, handle, "", "", map_defaults, -1, created);
  if (!s.ok()) {
    if (created) kernel_.RemoveDir(m.dir);
    return s;
  }
  log_->info("{}: serving map {} ({}, cache {})", m.dir, handle->name,
             handle->map->source().Describe(), maps::CacheSpecName(handle->map->cache()));
  return {};
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

Status Engine::StartClassic(const conf::MapSection& m, std::shared_ptr<MapHandle> handle,
                            const std::optional<std::string>& map_defaults) {
  std::string browsable = m.section.Get("browsable_dirs");
  std::function<std::vector<std::string>()> list;
  if (browsable == "yes" || browsable == "full")
    list = BrowsableKeys(handle, "", browsable == "full");
  auto ep = options_.classic(m.dir, true, std::move(list));
  if (!ep.ok()) return ep.status();
  Status s = CreatePoint(m.dir, kernel::AutofsKind::kIndirect, handle, "", "", map_defaults, -1,
                         false, std::move(ep.value()));
  if (!s.ok()) return s;
  points_[next_point_id_ - 1]->classic = true;
  log_->info("{}: serving map {} ({}, cache {}) through the NFS front end", m.dir, handle->name,
             handle->map->source().Describe(), maps::CacheSpecName(handle->map->cache()));
  return {};
}

Status Engine::Start() {
  const conf::Config& cfg = *config_;
  int started = 0;
  Status last;
  auto table_result = kernel_.MountTable();
  std::vector<kernel::MountInfoEntry> table =
      table_result.ok() ? *table_result : std::vector<kernel::MountInfoEntry>{};
  // What an earlier amd mounted under ${autodir} for its NFS front end:
  // the first key that mounts there again takes it over.
  if (options_.classic) {
    for (const auto& e : kernel::MountsUnder(table, facts_.autodir)) {
      if (e.mount_point == facts_.autodir) continue;
      bool nfs = e.fstype == "nfs" || e.fstype == "nfs4";
      shared_mounts_->Found(e.mount_point, nfs ? e.source : "");
    }
  }
  for (const auto& m : cfg.maps) {
    Status st = StartSection(m, table);
    if (st.ok()) {
      ++started;
    } else {
      last = st;
      log_->error("{}", st.ToString());
    }
  }
  // Pipes an earlier engine held for mounts that are gone.
  for (auto& [path, fd] : options_.held_pipes) ::close(fd);
  options_.held_pipes.clear();
  if (started == 0) return last.ok() ? Status::Error("no automount points configured") : last;
  ScheduleExpire();
  ScheduleSweep();
  return {};
}

void Engine::OnPacket(int id, const kernel::AutofsPacket& packet) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  kernel::AutofsPacket p = packet;
  // A direct mount has one node, the point itself; the kernel's name for
  // it is a placeholder.
  if (it->second->kind == kernel::AutofsKind::kDirect) p.name.clear();
  if (p.is_missing()) {
    OnMissing(*it->second, p);
  } else {
    OnExpire(*it->second, p);
  }
}

// Ends the attempt in progress on `n` that nobody waits for any more: its
// worker stops where it can, its late answer is undone as stale, and the
// key stays failed until `failed_until`.
void Engine::GiveUp(Node& n, Clock::time_point failed_until) {
  if (n.cancel) n.cancel->store(true);
  n.generation = next_generation_++;
  n.state = Node::State::kFailed;
  n.failed_until = failed_until;
  n.first.reset();
}

void Engine::OnAbandoned(int id, uint32_t token) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  Point& point = *it->second;
  for (auto& [name, n] : point.nodes) {
    if (n.state != Node::State::kMounting) continue;
    bool mine = n.first && n.first->token() == token;
    auto w = std::find_if(n.waiters.begin(), n.waiters.end(),
                          [&](const AutofsReply& r) { return r.token() == token; });
    if (!mine && w == n.waiters.end()) continue;
    if (w != n.waiters.end()) {
      w->Fail(ECANCELED);  // answers nobody: the front end dropped the request
      n.waiters.erase(w);
    }
    if (mine && !n.first->TryFail(ECANCELED)) return;  // the worker answered it: the mount is done
    // Others still wait for this attempt: the request that started it, or
    // those that came later.
    if ((n.first && !mine) || !n.waiters.empty()) return;
    log_->info("{}: every caller gave up; stopping the attempt", NodePath(point, name));
    GiveUp(n, Now());  // asked again, it is tried again
    return;
  }
}

// The reply to a request, recorded until answered when supervised.
AutofsReply Engine::ReplyTo(const Point& point, const kernel::AutofsPacket& p) {
  return AutofsReply(point.endpoint, p.token,
                     options_.inflight ? options_.inflight->Record(point.path, p) : nullptr);
}

int Engine::TakeHeldPipe(const std::string& path) { return TakeHeld(options_.held_pipes, path); }

void Engine::Replay(const std::vector<std::pair<std::string, kernel::AutofsPacket>>& requests) {
  for (const auto& [path, packet] : requests) {
    int id = -1;
    for (const auto& [pid, point] : points_) {
      if (point->path == path) id = pid;
    }
    if (id < 0) {
      log_->warn("{}: a request for \"{}\" left by the previous engine has no automount point now",
                 path, packet.name);
      continue;
    }
    log_->info("{}: serving \"{}\" (token {}), left unanswered by the previous engine", path,
               packet.name, packet.token);
    OnPacket(id, packet);
  }
}

Engine::AmqNode Engine::Tree() const {
  // Points by id, children in path order (std::map keeps nodes sorted).
  std::function<AmqNode(const Point&, const std::string&)> point_node =
      [&](const Point& p, const std::string& type) {
        AmqNode out;
        out.path = p.path;
        out.type = type;
        out.mount_info = p.map ? p.map->name : "";
        out.mount_point = p.path;
        out.server = "localhost";
        out.mounted_at = p.created_at;
        for (const auto& [name, node] : p.nodes) {
          if (node.state != Node::State::kMounted && node.state != Node::State::kUnmounting)
            continue;
          if (node.child_point >= 0) {
            auto cit = points_.find(node.child_point);
            if (cit != points_.end()) out.children.push_back(point_node(*cit->second, "auto"));
            continue;
          }
          AmqNode c;
          c.path = NodePath(p, name);
          c.type = node.record.type;
          c.mount_info = node.record.mount_info;
          bool linked = false;
          for (const auto& a : node.record.actions)
            linked |= a.kind == MountAction::Kind::kSymlinked;
          c.mount_point = linked || p.classic ? node.record.target : c.path;
          auto colon = c.mount_info.find(":/");
          c.server = (c.type == "nfs" || c.type == "nfsl" || c.type == "host") &&
                             colon != std::string::npos
                         ? c.mount_info.substr(0, colon)
                         : "localhost";
          c.mounted_at = node.record.mounted_at;
          c.mount_time = node.record.mount_time;
          c.requests = node.record.requests;
          out.children.push_back(std::move(c));
        }
        return out;
      };
  AmqNode root;
  root.type = "root";
  root.mount_info = "\"root\"";
  root.server = "localhost";
  for (const auto& [id, point] : points_) {
    if (point->parent >= 0) continue;
    root.children.push_back(
        point_node(*point, point->kind == kernel::AutofsKind::kDirect ? "direct" : "toplvl"));
  }
  return root;
}

std::vector<Engine::AmqMap> Engine::Maps() const {
  std::vector<AmqMap> out;
  std::map<const MapHandle*, size_t> index;
  for (const auto& [id, point] : points_) {
    const MapHandle* h = point->map.get();
    if (h == nullptr) continue;
    auto [it, fresh] = index.emplace(h, out.size());
    if (!fresh) {
      ++out[it->second].refs;
      continue;
    }
    AmqMap m;
    m.name = h->name;
    m.refs = 1;
    {
      std::lock_guard<std::mutex> lock(point->map->mu);
      m.entries = h->map->entry_count();
      m.reloads = h->map->reloads();
      m.modified = h->map->modify_time();
      auto wild = h->map->Find("*", nullptr);
      if (wild.found()) m.wildcard = wild.value;
    }
    out.push_back(std::move(m));
  }
  return out;
}

void Engine::UnmountPath(const std::string& path, std::function<void(Status)> done) {
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) {
      if (NodePath(*point, name) != path) continue;
      if (node.state == Node::State::kMounting) {
        node.unmount_when_mounted.push_back(std::move(done));  // FinishMount
        return;
      }
      if (node.state != Node::State::kMounted || node.child_point >= 0) {
        done(Status::Error(path + " is not a mount amd can unmount now",
                           std::errc::invalid_argument));
        return;
      }
      node.state = Node::State::kUnmounting;
      auto record = std::make_shared<MountRecord>(std::move(node.record));
      pool_.Submit("", [this, record, point_id = point->id, name = name,
                        done = std::move(done)]() mutable {
        Status s = UnmountRecord(record.get(), kernel_, false);
        boost::asio::post(io_, [this, point_id, name, record, s, done = std::move(done)]() mutable {
          FinishUnmount(point_id, name, AutofsReply(), std::move(*record), s);
          done(s);
        });
      });
      return;
    }
  }
  done(Status::Error(path + " is not automounted", std::errc::invalid_argument));
}

bool Engine::OnPipeClosed(int id) {
  auto it = points_.find(id);
  if (it != points_.end() && !stopping_) {
    log_->warn(
        "{}: the kernel closed this automount point's pipe (another amd took it over, or it "
        "was unmounted); letting it go with its mounts",
        it->second->path);
    for (auto& [name, node] : it->second->nodes) FailWaiters(node);
    RemovePoint(id);
  }
  return points_.empty();
}

void Engine::OnMissing(Point& point, const kernel::AutofsPacket& p) {
  AutofsReply reply = ReplyTo(point, p);
  if (stopping_) return;  // the reply fails when dropped
  if (auto bad = maps::CheckKeyName(p.name)) {
    log_->warn("{}: {}", point.path, *bad);
    return;
  }
  auto [it, fresh] = point.nodes.try_emplace(p.name);
  Node& n = it->second;
  if (!fresh && n.state == Node::State::kUnmounting) {
    n.uid = p.uid;  // a mount after the unmount is this request's
    n.gid = p.gid;
  }
  if (!fresh) {
    switch (n.state) {
      case Node::State::kMounted:
        ++n.record.requests;
        if (n.child_point < 0) point.endpoint->ShowTarget(p.name, n.record.target);
        reply.Ready();
        return;
      case Node::State::kMounting:
      case Node::State::kUnmounting:
        n.waiters.push_back(std::move(reply));
        return;
      case Node::State::kFailed:
        if (Now() < n.failed_until) return;  // negative cache: fails
        n = Node();
        break;
    }
  }
  n.uid = p.uid;
  n.gid = p.gid;
  n.waiters.push_back(std::move(reply));
  StartMount(point, it->first, n);
}

void Engine::StartMount(Point& point, const std::string& name, Node& n) {
  n.state = Node::State::kMounting;
  n.generation = next_generation_++;
  n.deadline = Now() + options_.mount_timeout;
  n.first.reset();
  if (!n.waiters.empty()) {
    n.first = std::make_shared<SharedReply>(std::move(n.waiters.front()));
    n.waiters.erase(n.waiters.begin());
  }
  n.cancel = std::make_shared<std::atomic<bool>>(false);
  uint64_t generation = n.generation;
  int point_id = point.id;
  Job job = MakeJob(point, name);
  job.first = n.first;
  job.cancel = n.cancel;
  job.ctx.uid = std::to_string(n.uid);
  job.ctx.gid = std::to_string(n.gid);
  // A map that may block (a program) looks keys up in a lane of its own,
  // so that it cannot take the workers other maps and mounts need.
  std::string lane;
  if (point.map->map->source().MayBlock()) {
    lane = point.map->name;
    job.lane = lane;
    job.in_map_lane = true;
  }
  pool_.Submit(
      lane,
      [this, job = std::move(job), point_id, name, generation]() mutable {
        DriveJob(std::move(job), MountOutcome(), point_id, name, generation);
      },
      WorkerPool::LaneKind::kMapSource);
}

// Runs a job on the current worker until it is done or must move to
// another server's lane (pool_.Submit caps each server's lane).
void Engine::DriveJob(Job in, MountOutcome outcome, int point_id, const std::string& name,
                      uint64_t generation) {
  std::optional<std::string> lane;
  if (in.cancel && in.cancel->load()) {
    // Abandoned while it waited for a worker: the engine has answered
    // everyone already, and nothing is mounted yet.
    outcome.status = Status::Error("abandoned", std::errc::operation_canceled);
    outcome.logged = true;
    in.first.reset();
  } else {
    lane = RunJob(in, outcome);
  }
  if (lane) {
    in.lane = *lane;
    in.in_map_lane = false;
    // (std::function needs a copyable task; the outcome travels shared.)
    auto carried = std::make_shared<MountOutcome>(std::move(outcome));
    pool_.Submit(*lane, [this, in = std::move(in), carried, point_id, name, generation]() mutable {
      DriveJob(std::move(in), std::move(*carried), point_id, name, generation);
    });
    return;
  }
  // Answer the first request from here: one hop less for the common case.
  // A failure is logged first, so the log explains it by the time the
  // process sees ENOENT.
  if (!outcome.status.ok() && !outcome.logged) {
    LogDiagnostics(*log_, outcome.diag);
    outcome.diag.Clear();
    log_->error("{}: {}", in.node_path, outcome.status.ToString());
    outcome.logged = true;
  }
  if (in.first) {
    if (outcome.status.ok()) {
      Status s;
      outcome.first_answered = in.first->TryReady(&s);
      if (!s.ok()) log_->warn("{}: {}", in.node_path, s.ToString());
    } else {
      in.first->TryFail(ENOENT);
    }
  }
  boost::asio::post(io_,
                    [this, point_id, name, generation, outcome = std::move(outcome)]() mutable {
                      FinishMount(point_id, name, generation, std::move(outcome));
                    });
}

// Fails mount attempts that have taken longer than mount_timeout. The
// request a worker holds is failed here unless the worker answered it
// first (then its result is on its way and is kept).
void Engine::SweepMounts() {
  auto now = Now();
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) {
      if (node.state != Node::State::kMounting || node.deadline > now) continue;
      if (node.first && !node.first->TryFail(ETIMEDOUT)) continue;
      log_->error("{}: mount timed out after {} s", NodePath(*point, name),
                  std::chrono::duration_cast<std::chrono::seconds>(options_.mount_timeout).count());
      GiveUp(node, now + options_.long_negative_ttl);
      ++stats_.mounts_failed;
      for (auto& w : node.waiters) w.Fail(ETIMEDOUT);
      node.waiters.clear();
    }
  }
}

void Engine::ScheduleSweep() {
  auto interval =
      std::min<std::chrono::milliseconds>(std::chrono::seconds(1), options_.mount_timeout / 2);
  sweep_timer_.expires_after(interval);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    SweepMounts();
    ScheduleSweep();
  });
}

void Engine::FinishMount(int point_id, const std::string& name, uint64_t generation,
                         MountOutcome outcome) {
  LogDiagnostics(*log_, outcome.diag);
  auto pit = points_.find(point_id);
  Node* node = nullptr;
  if (pit != points_.end()) {
    auto nit = pit->second->nodes.find(name);
    if (nit != pit->second->nodes.end() && nit->second.generation == generation)
      node = &nit->second;
  }
  if (node == nullptr) {
    // Nobody waits for this any more: undo it.
    if (outcome.record || outcome.submap_endpoint) {
      auto rec = std::make_shared<std::optional<MountRecord>>(std::move(outcome.record));
      auto ep = std::shared_ptr<kernel::AutofsEndpoint>(std::move(outcome.submap_endpoint));
      pool_.Submit("", [this, rec, ep] {
        if (*rec) UnmountRecord(&**rec, kernel_, true);
        if (ep) ep->Unmount(true);
      });
    }
    return;
  }
  Point& point = *pit->second;
  node->first.reset();
  if (!outcome.status.ok()) {
    node->state = Node::State::kFailed;
    int err = outcome.status.errno_value();
    node->failed_until =
        Now() + ((err == ETIMEDOUT || err == EIO || err == EWOULDBLOCK) ? options_.long_negative_ttl
                                                                        : options_.negative_ttl);
    ++stats_.mounts_failed;
    if (!outcome.logged) log_->error("{}: {}", NodePath(point, name), outcome.status.ToString());
    for (auto& w : node->waiters) w.Fail(ENOENT);
    node->waiters.clear();
    for (auto& done : std::exchange(node->unmount_when_mounted, {})) done(outcome.status);
    return;
  }
  if (outcome.submap_endpoint) {
    std::string node_path = point.path + "/" + name;
    Status s = CreatePoint(node_path, kernel::AutofsKind::kIndirect, outcome.submap,
                           outcome.submap_pref, outcome.submap_defaults, std::nullopt, point_id,
                           true, std::move(outcome.submap_endpoint));
    node = &points_[point_id]->nodes[name];  // CreatePoint may move the map
    node->child_point = next_point_id_ - 1;
    if (s.ok()) points_[node->child_point]->classic = point.classic;
    log_->info("{}: sub-map {} (pref \"{}\")", node_path, outcome.submap->name,
               outcome.submap_pref);
    (void)s;
  } else {
    node->record = std::move(*outcome.record);
    // The attempt began mount_timeout before its deadline.
    node->record.mount_time = std::chrono::duration_cast<std::chrono::microseconds>(
        Now() - (node->deadline - options_.mount_timeout));
    node->record.requests =
        1 + node->waiters.size();  // the first, answered by the worker, and the rest
    if (node->record.utimeout && *node->record.utimeout < shortest_utimeout_) {
      shortest_utimeout_ = *node->record.utimeout;
      expire_timer_.cancel();  // its waiter returns; tick at the new pace
      ScheduleExpire();
    }
    log_->info("{}: mounted {} {}", NodePath(point, name), node->record.type,
               node->record.mount_info);
  }
  node->state = Node::State::kMounted;
  ++stats_.mounts_ok;
  for (auto& w : node->waiters) {
    Status s = w.Ready();
    if (!s.ok()) log_->warn("{}", s.ToString());
  }
  node->waiters.clear();
  if (!node->unmount_when_mounted.empty()) {
    auto pending = std::exchange(node->unmount_when_mounted, {});
    UnmountPath(NodePath(point, name), [pending = std::move(pending)](Status s) {
      for (const auto& done : pending) done(s);
    });
  }
}

void Engine::OnExpire(Point& point, const kernel::AutofsPacket& p) {
  AutofsReply reply = ReplyTo(point, p);
  log_->debug("{}: the kernel asks to expire it", NodePath(point, p.name));
  auto it = point.nodes.find(p.name);
  if (it == point.nodes.end() || it->second.state != Node::State::kMounted) return;  // fails
  Node& n = it->second;
  if (n.child_point >= 0) {
    auto cit = points_.find(n.child_point);
    if (cit != points_.end() && !cit->second->nodes.empty()) return;
    std::shared_ptr<kernel::AutofsEndpoint> ep =
        cit != points_.end() ? cit->second->endpoint : nullptr;
    RemovePoint(n.child_point);
    n.state = Node::State::kUnmounting;
    std::string node_path = point.path + "/" + p.name;
    pool_.Submit("",
                 [this, ep, node_path, point_id = point.id, name = p.name, classic = point.classic,
                  reply = std::make_shared<AutofsReply>(std::move(reply))]() mutable {
                   Status s = ep ? ep->Unmount(false) : Status();
                   if (s.ok() && !classic) s = kernel_.RemoveDir(node_path);
                   boost::asio::post(io_, [this, point_id, name, reply, s]() mutable {
                     FinishUnmount(point_id, name, std::move(*reply), MountRecord(), s);
                   });
                 });
    return;
  }
  if (!n.record.expires || Now() < n.no_expire_until) return;
  n.state = Node::State::kUnmounting;
  auto record = std::make_shared<MountRecord>(std::move(n.record));
  pool_.Submit("", [this, record, point_id = point.id, name = p.name, detach = !point.classic,
                    reply = std::make_shared<AutofsReply>(std::move(reply))]() mutable {
    // The kernel checked the mount is unused and holds new walks into it
    // until we answer, so a lazy detach is safe and skips umount's RCU wait.
    // Nobody checked for the classic front end: a busy mount stays.
    Status s = UnmountRecord(record.get(), kernel_, detach);
    boost::asio::post(io_, [this, point_id, name, reply, record, s]() mutable {
      FinishUnmount(point_id, name, std::move(*reply), std::move(*record), s);
    });
  });
}

void Engine::FinishUnmount(int point_id, const std::string& name, AutofsReply reply,
                           MountRecord record, Status status) {
  auto pit = points_.find(point_id);
  if (pit == points_.end()) return;
  Point& point = *pit->second;
  auto nit = point.nodes.find(name);
  if (nit == point.nodes.end()) return;
  Node& n = nit->second;
  if (status.ok()) {
    log_->info("{}: unmounted", NodePath(point, name));
    point.endpoint->ShowTarget(name, "");
    reply.Ready();
    std::vector<AutofsReply> waiters = std::move(n.waiters);
    uint32_t uid = n.uid, gid = n.gid;
    point.nodes.erase(nit);
    if (!waiters.empty()) {  // asked for again while it was going away
      auto again = point.nodes.try_emplace(name).first;
      again->second.waiters = std::move(waiters);
      again->second.uid = uid;
      again->second.gid = gid;
      StartMount(point, again->first, again->second);
    }
    return;
  }
  ++stats_.unmounts_failed;
  log_->warn("{}: unmount failed: {}", NodePath(point, name), status.ToString());
  n.record = std::move(record);
  n.state = Node::State::kMounted;
  n.no_expire_until = Now() + std::chrono::seconds(config_->global.GetInt("dismount_interval"));
  reply.Fail(EBUSY);
  for (auto& w : n.waiters) w.Ready();
  n.waiters.clear();
}

void Engine::RemovePoint(int id) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  if (watcher_.removed) watcher_.removed(id);
  points_.erase(it);
}

void Engine::ScheduleExpire() {
  // Often enough for the shortest idle time in use: cache_duration, or a
  // mount's own utimeout=.
  long d =
      std::min(static_cast<long>(config_->global.GetInt("cache_duration")), shortest_utimeout_);
  long tick = std::clamp(d / 4, 1L, 60L);
  expire_timer_.expires_after(std::chrono::seconds(tick));
  expire_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    ExpireNow(false);
    ScheduleExpire();
  });
}

void Engine::ExpireNow(bool immediate) {
  for (auto& [id, point] : points_) {
    if (point->expiring > 0 || point->nodes.empty()) continue;
    // The kernel waits for an RCU grace period on every expire, so several
    // loops run at once; each takes a different entry.
    int loops = static_cast<int>(std::min<size_t>(16, point->nodes.size()));
    point->expiring = loops;
    // A refused expire (a mount that never times out, or a busy one) makes
    // the ioctl fail with our answer; the kernel then leaves that entry
    // alone for a timeout, so keep asking until it has nothing (EAGAIN).
    size_t bound = point->nodes.size() * 2 + 2;
    std::shared_ptr<kernel::AutofsEndpoint> ep = point->endpoint;
    for (int l = 0; l < loops; ++l) {
      boost::asio::post(expire_threads_, [this, ep, id = id, immediate, bound] {
        Status error;
        for (size_t i = 0; i < bound; ++i) {
          Status e;
          auto r = ep->ExpireOne(immediate, &e);
          log_->debug("{}: expire: {}", ep->path(),
                      r == kernel::AutofsEndpoint::ExpireResult::kExpired   ? "one expired"
                      : r == kernel::AutofsEndpoint::ExpireResult::kNothing ? "nothing to expire"
                                                                            : e.ToString());
          if (r == kernel::AutofsEndpoint::ExpireResult::kNothing) break;
          if (r == kernel::AutofsEndpoint::ExpireResult::kError) {
            int err = e.errno_value();
            if (err == ENOENT || err == EBUSY) continue;  // refused by us
            error = e;
            break;
          }
        }
        boost::asio::post(io_, [this, id, error] {
          if (!error.ok()) log_->warn("{}", error.ToString());
          auto it = points_.find(id);
          if (it != points_.end() && it->second->expiring > 0) --it->second->expiring;
        });
      });
    }
  }
}

void Engine::ReloadMaps(bool force) {
  std::set<MapHandle*> seen;
  for (auto& [id, point] : points_) {
    std::shared_ptr<MapHandle> map = point->map;
    if (!seen.insert(map.get()).second) continue;
    pool_.Submit("", [this, map, force] {
      Diagnostics diag;
      {
        std::lock_guard<std::mutex> lock(map->mu);
        map->map->Reload(force, &diag);
      }
      boost::asio::post(io_, [this, diag = std::move(diag)] { LogDiagnostics(*log_, diag); });
    });
  }
}

// Everyone waiting for the node gets ENOENT.
void Engine::FailWaiters(Node& node) {
  if (node.cancel && node.state == Node::State::kMounting) node.cancel->store(true);
  if (node.first) node.first->TryFail(ENOENT);
  for (auto& waiter : node.waiters) waiter.Fail(ENOENT);
  node.waiters.clear();
  for (auto& done : std::exchange(node.unmount_when_mounted, {})) {
    done(Status::Error("amd is letting this mount go", std::errc::operation_canceled));
  }
}

void Engine::Shutdown(std::function<void()> done, OnExit on_exit) {
  if (stopping_) {
    if (done) boost::asio::post(io_, std::move(done));
    return;
  }
  stopping_ = true;
  expire_timer_.cancel();
  sweep_timer_.cancel();
  if (on_exit == OnExit::kUnmount) {
    UnmountAll(std::move(done));
    return;
  }
  // Catatonic, each autofs mount fails new lookups at once (ENOENT) rather
  // than raising SIGPIPE in whoever touches it first; what is mounted stays
  // reachable, and the next amd re-adopts all of it. amd's own NFS mounts
  // (the classic front end) are unmounted, as the original does: nobody
  // would answer them; what is mounted under ${autodir} stays.
  std::vector<std::shared_ptr<kernel::AutofsEndpoint>> classic;
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) {
      FailWaiters(node);
    }
    if (point->classic) {
      if (point->parent < 0) classic.push_back(point->endpoint);
      continue;
    }
    Status s = point->endpoint->Catatonic();
    if (!s.ok()) log_->warn("{}", s.ToString());
  }
  log_->info("leaving {} automount points and their mounts in place (unmount_on_exit = no)",
             points_.size() - classic.size());
  pool_.Submit("", [this, classic = std::move(classic), done = std::move(done)]() mutable {
    for (const auto& ep : classic) {
      if (!ep->Unmount(false).ok()) ep->Unmount(true);
    }
    boost::asio::post(io_, std::move(done));
  });
}

void Engine::UnmountAll(std::function<void()> done) {
  std::vector<int> ids;
  for (auto& [id, point] : points_) ids.push_back(id);
  UnmountPoints(ids, std::move(done));
}

// Takes the given automount points out of service (the engine forgets
// them at once), then on a worker unmounts what is mounted below them and
// their autofs mounts, deepest first, lazily where busy.
void Engine::UnmountPoints(const std::vector<int>& ids, std::function<void()> done) {
  struct Work {
    std::string path;
    std::shared_ptr<kernel::AutofsEndpoint> endpoint;
    std::vector<std::pair<std::string, MountRecord>> records;
    bool remove_dir = false;
  };
  std::vector<Work> work;
  for (int id : ids) {
    auto it = points_.find(id);
    if (it == points_.end()) continue;
    Point& point = *it->second;
    Work w;
    w.path = point.path;
    w.endpoint = point.endpoint;
    w.remove_dir = point.created_dir;
    for (auto& [name, node] : point.nodes) {
      FailWaiters(node);
      if (node.state == Node::State::kMounted && node.child_point < 0) {
        w.records.emplace_back(name, std::move(node.record));
      }
    }
    work.push_back(std::move(w));
  }
  for (int id : ids) RemovePoint(id);
  std::sort(work.begin(), work.end(),
            [](const Work& a, const Work& b) { return a.path.size() > b.path.size(); });
  pool_.Submit("", [this, work = std::move(work), done = std::move(done)]() mutable {
    for (auto& w : work) {
      for (auto& [name, rec] : w.records) {
        Status s = UnmountRecord(&rec, kernel_, false);
        if (!s.ok()) {
          log_->warn("{}: {} (detaching)", w.path + "/" + name, s.ToString());
          UnmountRecord(&rec, kernel_, true);
        }
      }
      Status s = w.endpoint->Unmount(false);
      if (!s.ok()) {
        log_->warn("{} (detaching)", s.ToString());
        w.endpoint->Unmount(true);
      }
      if (w.remove_dir) kernel_.RemoveDir(w.path);
    }
    if (done) boost::asio::post(io_, std::move(done));
  });
}

// The ids of a point and of every sub-map point below it.
std::vector<int> Engine::Subtree(int id) const {
  std::vector<int> out = {id};
  for (size_t i = 0; i < out.size(); ++i) {
    auto it = points_.find(out[i]);
    if (it == points_.end()) continue;
    for (const auto& [name, node] : it->second->nodes) {
      if (node.child_point >= 0) out.push_back(node.child_point);
    }
  }
  return out;
}

void Engine::Reconfigure(std::shared_ptr<const conf::Config> config) {
  config_ = std::move(config);
  const conf::Config& cfg = *config_;
  ApplyGlobalSettings();
  std::map<std::string, const conf::MapSection*> wanted;
  for (const auto& m : cfg.maps) wanted[m.dir] = &m;
  // Sections that are gone, or whose map changed, go; the map of an
  // indirect point whose map changed is replaced in place instead, so its
  // mounts stay.
  std::vector<int> remove;
  std::set<std::string> keep;
  for (auto& [id, point] : points_) {
    if (point->parent >= 0 || point->section.empty()) continue;
    auto w = wanted.find(point->section);
    if (w != wanted.end() && point->map_spec == MapSpecOf(w->second->section)) {
      keep.insert(point->section);
      continue;
    }
    if (w != wanted.end() && point->kind == kernel::AutofsKind::kIndirect &&
        !IsDirectSection(w->second->section)) {
      const conf::Section& sec = w->second->section;
      Diagnostics diag;
      auto loaded = LoadSectionMap(sec, &diag);
      LogDiagnostics(*log_, diag);
      if (loaded) {
        auto handle = std::make_shared<MapHandle>();
        handle->map = std::move(loaded);
        handle->name = SectionMapName(sec);
        point->map = handle;
        point->map_spec = MapSpecOf(sec);
        log_->info("{}: now serving map {}", point->path, handle->name);
      } else {
        log_->error("{}: map {} cannot be read; keeping {}", point->path, sec.Get("map_name"),
                    point->map->name);
      }
      keep.insert(point->section);
      continue;
    }
    for (int sub : Subtree(id)) remove.push_back(sub);
  }
  if (!remove.empty()) {
    for (int id : remove) {
      if (points_.count(id) && points_[id]->parent < 0)
        log_->info("{}: no longer configured; unmounting", points_[id]->path);
    }
    UnmountPoints(remove, nullptr);
  }
  auto table_result = kernel_.MountTable();
  std::vector<kernel::MountInfoEntry> table =
      table_result.ok() ? *table_result : std::vector<kernel::MountInfoEntry>{};
  for (const auto& m : cfg.maps) {
    if (keep.count(m.dir)) continue;
    Status s = StartSection(m, table);
    if (!s.ok()) log_->error("{}", s.ToString());
  }
  unsigned long timeout = static_cast<unsigned long>(cfg.global.GetInt("cache_duration"));
  for (auto& [id, point] : points_) point->endpoint->SetTimeout(timeout);
  ReloadMaps(true);
}

}  // namespace amd
