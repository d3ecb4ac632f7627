// Adoption after a restart: what an earlier amd mounted below a point it
// left is taken over, node by node, from the mount table. See engine.h.
#include <spdlog/spdlog.h>

#include "amd/engine_state.h"

namespace amd {

using maps::Option;

namespace {

bool IsMountedAt(const std::vector<kernel::MountInfoEntry>& table, std::string_view path) {
  for (const auto& e : table) {
    if (e.mount_point == path) return true;
  }
  return false;
}

}  // namespace

void Engine::AdoptBelow(Point& point, const std::vector<kernel::MountInfoEntry>& table) {
  // What is mounted directly below the point, by key, bottom first.
  std::map<std::string, std::vector<const kernel::MountInfoEntry*>> below;
  std::string prefix = point.path + "/";
  for (const auto& e : table) {
    if (e.mount_point.size() > prefix.size() &&
        e.mount_point.compare(0, prefix.size(), prefix) == 0 &&
        e.mount_point.find('/', prefix.size()) == std::string::npos) {
      below[e.mount_point.substr(prefix.size())].push_back(&e);
    }
  }
  for (const auto& [name, entries] : below) {
    Job job = MakeJob(point, name);
    Diagnostics diag;
    Status error;
    auto resolved = Resolve(job, diag, &error);  // blocking, at start-up only
    const maps::LocationResult* loc =
        resolved ? &*resolved->entry.steps[resolved->entry.selected.front()].location : nullptr;
    const kernel::MountInfoEntry& top = *entries.back();
    if (top.fstype == "autofs" && top.source == "amd") {
      AdoptSubMapNode(point, name, job, loc, top, table);
    } else {
      AdoptMountedNode(point, name, loc, entries, table);
    }
  }
  AdoptLinks(point);
}

// A key that is an earlier amd's sub-map: its point taken over, and what
// is below it.
void Engine::AdoptSubMapNode(Point& point, const std::string& name, const Job& job,
                             const maps::LocationResult* loc, const kernel::MountInfoEntry& top,
                             const std::vector<kernel::MountInfoEntry>& table) {
  std::string path = point.path + "/" + name;
  Diagnostics diag;
  std::shared_ptr<MapHandle> submap;
  if (loc != nullptr && loc->effective_type == "auto") submap = SubMap(job, *loc, diag);
  auto ep = submap ? point.front_end->AdoptSubMap(path, top)
                   : Result<std::unique_ptr<kernel::AutofsEndpoint>>(
                         Status::Error("its map entry is no longer a type:=auto location"));
  if (!ep.ok()) {
    log_->warn("{}: cannot re-adopt sub-map ({}); leaving it", path, ep.status().ToString());
    return;
  }
  int child = CreatePoint(*point.front_end, std::move(ep.value()), submap, SubMapPref(job, *loc),
                          loc->defaults, std::nullopt, point.id, true);
  Node& n = point.nodes[name];
  n.state = Node::State::kMounted;
  n.generation = next_generation_++;
  n.child_point = child;
  log_->info("{}: re-adopted sub-map {}", path, submap->name);
  AdoptBelow(*points_[child], table);
}

// A key with file systems mounted on it: a record that unmounts them (and
// runs a program location's unmount command when its ${fs} is mounted).
void Engine::AdoptMountedNode(Point& point, const std::string& name,
                              const maps::LocationResult* loc,
                              const std::vector<const kernel::MountInfoEntry*>& entries,
                              const std::vector<kernel::MountInfoEntry>& table) {
  std::string path = point.path + "/" + name;
  MountRecord rec;
  rec.type = loc ? loc->effective_type : "inherit";
  rec.mount_info = loc ? loc->mount_info : entries.back()->source;
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
  Node& n = point.nodes[name];
  n.state = Node::State::kMounted;
  n.generation = next_generation_++;
  n.record = std::move(rec);
  log_->info("{}: re-adopted {} {}", path, n.record.type, n.record.mount_info);
}

// Keys shown as symbolic links (autofs_use_lofs = no) that nothing else
// claimed.
void Engine::AdoptLinks(Point& p) {
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

void Engine::AdoptDirect(Point& point, const kernel::MountInfoEntry& autofs,
                         const std::vector<kernel::MountInfoEntry>& table) {
  // What is mounted over the autofs mount is the node's mount.
  int stacked = 0;
  for (const auto& e : table) stacked += (e.mount_point == point.path && e.id > autofs.id);
  if (stacked == 0) return;
  Job job = MakeJob(point, "");
  Diagnostics diag;
  Status error;
  auto resolved = Resolve(job, diag, &error);  // blocking, at start-up only
  const maps::LocationResult* loc =
      resolved ? &*resolved->entry.steps[resolved->entry.selected.front()].location : nullptr;
  Node& n = point.nodes[""];
  n.state = Node::State::kMounted;
  n.generation = next_generation_++;
  n.record.type = loc ? loc->effective_type : "inherit";
  n.record.mount_info = loc ? loc->mount_info : "";
  n.record.expires = loc ? LocationExpires(*loc) : true;
  for (int i = 0; i < stacked; ++i)
    n.record.actions.push_back({MountAction::Kind::kMounted, point.path, {}, nullptr});
}

}  // namespace amd
