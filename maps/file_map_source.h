// File maps: a text file in Amd map syntax (amd/info_file.c). Cached whole
// by default (cache:=all); its mtime drives reloads.
//
// Threading: one worker thread at a time (map_source.h). Ownership: results
// are the caller's.
#ifndef AMD_MAPS_FILE_MAP_SOURCE_H_
#define AMD_MAPS_FILE_MAP_SOURCE_H_

#include "maps/map_source.h"

namespace amd::maps {

class FileMapSource : public MapSource {
 public:
  FileMapSource(std::string name, std::string path)
      : name_(std::move(name)), path_(std::move(path)) {}

  std::string_view type() const override { return "file"; }
  const std::string& name() const override { return name_; }
  std::string Describe() const override { return path_; }
  std::string_view DefaultCacheMode() const override { return "all"; }
  bool CanReadAll() const override { return true; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics* diag) override;
  SearchResult Search(const std::string& key, Diagnostics* diag) override;
  std::optional<int64_t> Stamp() override;

  // Finds a map file: `name` itself when it contains '/', else the first
  // directory of `search_path` that has it, else `name` relative to the
  // current directory. nullopt when no readable file is found.
  static std::optional<std::string> Resolve(const std::string& name,
                                            const std::vector<std::string>& search_path);

 private:
  std::string name_;
  std::string path_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_FILE_MAP_SOURCE_H_
