// Map naming and loading for sections and sub-maps; see section_maps.h.
#include "amd/section_maps.h"

#include <unistd.h>

#include "base/strings.h"
#include "maps/location_syntax.h"

namespace amd {

std::optional<std::string> AssignedOption(std::string_view options, std::string_view name) {
  std::optional<std::string> v;
  for (const auto& f : maps::SplitFields(options)) {
    maps::ParsedField p = maps::ClassifyField(f.text);
    if ((p.kind == maps::ParsedField::Kind::kAssign ||
         p.kind == maps::ParsedField::Kind::kOldAssign) &&
        p.name == name) {
      v = p.value;
    }
  }
  return v;
}

MapSettings MapSettingsOf(const conf::MapSettingsSection& s) {
  MapSettings m;
  for (std::string_view d : SplitOn(s.search_path, ':')) {
    if (!d.empty()) m.search_path.emplace_back(d);
  }
  m.exec_timeout = s.exec_map_timeout;
  m.sun_syntax = s.sun_map_syntax;
  return m;
}

std::unique_ptr<maps::Map> LoadMap(const MapSettings& settings, const std::string& name,
                                   const std::optional<std::string>& map_type,
                                   const std::optional<std::string>& cache, Diagnostics* diag) {
  maps::MapSourceSpec spec{name, map_type, settings.search_path, settings.exec_timeout};
  auto source = maps::OpenMapSource(spec, diag);
  if (!source) return nullptr;
  auto map = std::make_unique<maps::Map>(std::move(source), cache, settings.sun_syntax, diag);
  if (!map->Load(diag)) return nullptr;
  return map;
}

std::unique_ptr<maps::Map> LoadSectionMap(const conf::MapSettingsSection& section,
                                          Diagnostics* diag) {
  const std::string& options = section.map_options;
  std::optional<std::string> map_type;
  if (!section.map_type.empty()) map_type = section.map_type;
  if (auto t = AssignedOption(options, "maptype")) map_type = t;
  return LoadMap(MapSettingsOf(section), section.map_name, map_type,
                 AssignedOption(options, "cache"), diag);
}

std::string SectionMapName(const conf::MapSettingsSection& section) {
  const std::string& name = section.map_name;
  std::optional<std::string> map_type;
  if (!section.map_type.empty()) map_type = section.map_type;
  if (auto t = AssignedOption(section.map_options, "maptype")) map_type = t;
  if ((map_type && *map_type != "file") || name.empty() || name.find('/') != std::string::npos)
    return name;
  const std::string& search_path = section.search_path;
  for (std::string_view dir : SplitOn(search_path, ':')) {
    if (dir.empty()) continue;
    std::string full(dir);
    if (full.back() != '/') full += '/';
    full += name;
    if (::access(full.c_str(), R_OK) == 0) return full;
  }
  return name;
}

std::unique_ptr<maps::Map> LoadSubMap(const MapSettings& settings, const maps::LocationResult& loc,
                                      Diagnostics* diag) {
  using maps::Option;
  std::optional<std::string> type, cache = std::string("none");
  if (loc.options.Has(Option::kMaptype)) type = std::string(loc.options.Value(Option::kMaptype));
  if (loc.options.Has(Option::kCache)) cache = std::string(loc.options.Value(Option::kCache));
  // The original opens a sub-map by the name as given (amd/mapc.c
  // mapc_find), not on search_path (get_full_path serves the top-level
  // maps only), from its working directory, "/".
  MapSettings own = settings;
  own.search_path.clear();
  std::string name(loc.options.Value(Option::kFs));
  bool relative = !name.empty() && name.find('/') == std::string::npos;
  auto map = LoadMap(own, relative ? "/" + name : name, type, cache, diag);
  if (!map && relative && diag) {
    diag->Warning("sub-map \"" + name +
                  "\": a name without '/' is opened from /, not looked up on search_path, "
                  "as the original does; give its full path (or ${map/}/" +
                  name + ")");
  }
  return map;
}

bool IsDirectSection(const conf::MapSettingsSection& section) {
  return AssignedOption(section.map_options, "type") == std::optional<std::string>("direct");
}

std::optional<std::string> MapDefaultsOverride(const conf::MapSettingsSection& section) {
  if (section.map_defaults_set) return section.map_defaults;
  return std::nullopt;
}

}  // namespace amd
