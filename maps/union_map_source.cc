// Union map source; see union_map_source.h.
#include "maps/union_map_source.h"

#include <dirent.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

namespace amd::maps {

UnionMapSource::UnionMapSource(std::string name) : name_(std::move(name)) {
  for (std::string_view d : SplitOn(std::string_view(name_).substr(6), ':')) {
    if (!d.empty()) dirs_.emplace_back(d);
  }
}

std::shared_ptr<const MapText> UnionMapSource::ReadAll(Diagnostics* diag) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.emplace_back("/defaults", "type:=link;opts:=nounmount;sublink:=${key}");
  for (const auto& dir : dirs_) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (diag) diag->Warning("union map " + name_ + ": " + dir + ": " + std::strerror(errno));
      continue;
    }
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      pairs.emplace_back(n, "fs:=" + dir);
    }
    ::closedir(d);
  }
  if (!dirs_.empty()) pairs.emplace_back("*", "fs:=" + dirs_.back());
  return MapText::FromPairs(pairs);
}

SearchResult UnionMapSource::Search(const std::string& key, Diagnostics* diag) {
  auto all = ReadAll(diag);
  SearchResult found = SearchResult::NotFound();
  for (const auto& e : all->entries()) {
    if (e.key == key) found = SearchResult::Found(std::string(e.value));
  }
  return found;
}

}  // namespace amd::maps
