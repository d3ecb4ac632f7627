// Automount points: each amd.conf map section's point (or, for a direct
// map, one per key), opened through the front end its mount_type names.
// See engine.h.
#include <spdlog/spdlog.h>

#include "amd/engine_state.h"
#include "amd/section_maps.h"

namespace amd {

std::string MapSpecOf(const conf::MapSettingsSection& sec) {
  return sec.map_name + "|" + sec.map_type + "|" + sec.map_options;
}

FrontEnd& Engine::FrontEndFor(const conf::MapSection& m) {
  std::string type = m.settings.mount_type;
  if (type.empty()) type = "autofs";
  auto it = front_ends_.find(type);
  if (it == front_ends_.end()) {
    log_->warn("{}: mount_type = {}, but this amd runs no {} front end; serving it with autofs",
               m.dir, type, type == "nfs" ? "NFS" : type);
    return autofs_;
  }
  if (IsDirectSection(m.settings) && !it->second->serves_direct()) {
    log_->warn("{}: a direct map cannot be served by the {} front end; serving it with autofs",
               m.dir, type == "nfs" ? "NFS" : type);
    return autofs_;
  }
  return *it->second;
}

// One amd.conf map section: its map, and its automount point (or, for a
// direct map, one per key), taking over what an earlier amd left there.
Status Engine::StartSection(const conf::MapSection& m,
                            const std::vector<kernel::MountInfoEntry>& table) {
  const conf::MapSettingsSection& sec = m.settings;
  FrontEnd& fe = FrontEndFor(m);
  Diagnostics diag;
  auto loaded = LoadSectionMap(sec, &diag);
  LogDiagnostics(*log_, diag);
  if (!loaded) {
    return Status::Error(m.dir + ": map " + sec.map_name + " cannot be read",
                         std::errc::no_such_file_or_directory);
  }
  auto handle = std::make_shared<MapHandle>();
  handle->map = std::move(loaded);
  handle->name = SectionMapName(sec);
  std::optional<std::string> map_defaults = MapDefaultsOverride(sec);
  int first_new = next_point_id_;
  Status result = IsDirectSection(sec) ? StartDirect(fe, m, handle, map_defaults, table)
                                       : StartIndirect(fe, m, handle, map_defaults, table);
  for (int id = first_new; id < next_point_id_; ++id) {
    auto it = points_.find(id);
    if (it != points_.end() && it->second->parent < 0) {
      it->second->section = m.dir;
      it->second->map_spec = MapSpecOf(sec);
    }
  }
  return result;
}

Status Engine::StartIndirect(FrontEnd& fe, const conf::MapSection& m,
                             std::shared_ptr<MapHandle> handle,
                             const std::optional<std::string>& map_defaults,
                             const std::vector<kernel::MountInfoEntry>& table) {
  const std::string& browsable = m.settings.browsable_dirs;
  FrontEnd::ListKeys list;
  if (browsable == "yes" || browsable == "full")
    list = BrowsableKeys(handle, "", browsable == "full");
  auto opened = fe.OpenPoint(m.dir, kernel::AutofsKind::kIndirect, table, std::move(list));
  if (!opened.ok()) return opened.status();
  if (!opened->warning.empty()) log_->warn("{}", opened->warning);
  int id = CreatePoint(fe, std::move(opened->endpoint), handle, "", "", map_defaults, -1,
                       opened->created_dir);
  if (opened->adopted) {
    AdoptBelow(*points_[id], table);
    log_->info("{}: re-adopted the running automount point, serving map {}", m.dir, handle->name);
    return {};
  }
  log_->info("{}: serving map {} ({}, cache {}){}", m.dir, handle->name,
             handle->map->source().Describe(), maps::CacheSpecName(handle->map->cache()),
             &fe == &autofs_ ? "" : " through the " + std::string(fe.name()) + " front end");
  return {};
}

// A direct map: one autofs direct mount per absolute key, each mounted
// over in place when it is used. The map must be readable whole, since its
// keys are the mount points.
Status Engine::StartDirect(FrontEnd& fe, const conf::MapSection& m, std::shared_ptr<MapHandle> map,
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
    auto opened = fe.OpenPoint(key, kernel::AutofsKind::kDirect, table, nullptr);
    if (!opened.ok()) {
      last = opened.status();
      log_->error("{}", last.ToString());
      continue;
    }
    if (!opened->warning.empty()) log_->warn("{}", opened->warning);
    int id = CreatePoint(fe, std::move(opened->endpoint), map, "", "", map_defaults, -1,
                         opened->created_dir);
    if (opened->adopted) {
      AdoptDirect(*points_[id], *opened->adopted, table);
      log_->info("{}: re-adopted the direct automount point", key);
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

}  // namespace amd
