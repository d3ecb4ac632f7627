// How amd.conf sections and type:=auto locations name their maps, in one
// place for the daemon and `amd --explain`, so both open the same map the
// same way: the search path, exec timeout and Sun syntax of a section; the
// map type from map_type or maptype:=; the cache mode from cache:=; the
// map_defaults override; direct sections. Map loading blocks (disk, exec
// maps): worker threads or start-up only.
//
// Ownership: maps returned are the caller's (unique_ptr).
#ifndef AMD_AMD_SECTION_MAPS_H_
#define AMD_AMD_SECTION_MAPS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "conf/config.h"
#include "maps/location_evaluator.h"
#include "maps/map.h"

namespace amd {

// The value of the last NAME:= (or old-style NAME=) in an option string
// such as map_options.
std::optional<std::string> AssignedOption(std::string_view options, std::string_view name);

// What opening a map needs from a configuration section, copied so a
// worker can use it without the configuration.
struct MapSettings {
  std::vector<std::string> search_path;
  int exec_timeout = 10;
  bool sun_syntax = false;
};
MapSettings MapSettingsOf(const conf::MapSettingsSection& section);

// Opens and loads a map; nullptr (with the reasons in diag) on failure.
std::unique_ptr<maps::Map> LoadMap(const MapSettings& settings, const std::string& name,
                                   const std::optional<std::string>& map_type,
                                   const std::optional<std::string>& cache, Diagnostics* diag);

// A section's own map: map_name, map_type (or maptype:= in map_options),
// cache:= from map_options.
std::unique_ptr<maps::Map> LoadSectionMap(const conf::MapSettingsSection& section,
                                          Diagnostics* diag);

// A section's map's name as the original names it (amd/mapc.c
// get_full_path): a map_name without '/' of type file (or of no type),
// found readable in a search_path directory, is that full path; any other
// name is itself. It is what ${map} expands to, and the name amq lists.
std::string SectionMapName(const conf::MapSettingsSection& section);

// The map a type:=auto location names in fs:= (not "." nor the parent's
// own map, which the caller reuses): maptype:=, and cache:= (default none).
// As in the original, the name is not looked up on search_path: a name
// without '/' is opened from "/".
std::unique_ptr<maps::Map> LoadSubMap(const MapSettings& settings, const maps::LocationResult& loc,
                                      Diagnostics* diag);

// map_options = type:=direct.
bool IsDirectSection(const conf::MapSettingsSection& section);

// The map_defaults that override the map's /defaults, if configured.
std::optional<std::string> MapDefaultsOverride(const conf::MapSettingsSection& section);

}  // namespace amd

#endif  // AMD_AMD_SECTION_MAPS_H_
