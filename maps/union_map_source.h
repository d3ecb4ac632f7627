// Union maps (amd/info_union.c): the map name union:/dir1:/dir2:... gives
// one key per entry of the directories, each fs:=<its directory> (a later
// directory wins), "*" with fs:=<last directory>, and
// /defaults type:=link;opts:=nounmount;sublink:=${key}.
// The directories are read when the map is (re)loaded.
//
// Threading: one worker thread at a time (map_source.h). Ownership: results
// are the caller's.
#ifndef AMD_MAPS_UNION_MAP_SOURCE_H_
#define AMD_MAPS_UNION_MAP_SOURCE_H_

#include "maps/map_source.h"

namespace amd::maps {

class UnionMapSource : public MapSource {
 public:
  explicit UnionMapSource(std::string name);

  std::string_view type() const override { return "union"; }
  const std::string& name() const override { return name_; }
  std::string_view DefaultCacheMode() const override { return "all"; }
  bool CanReadAll() const override { return true; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics* diag) override;
  SearchResult Search(const std::string& key, Diagnostics* diag) override;
  std::optional<int64_t> Stamp() override { return std::nullopt; }

  static bool IsUnionMapName(std::string_view name) { return name.substr(0, 6) == "union:"; }

 private:
  std::string name_;
  std::vector<std::string> dirs_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_UNION_MAP_SOURCE_H_
