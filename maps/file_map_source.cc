// File map source; see file_map_source.h.
#include "maps/file_map_source.h"

#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace amd::maps {

std::optional<std::string> FileMapSource::Resolve(const std::string& name,
                                                  const std::vector<std::string>& search_path) {
  auto readable = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), R_OK) == 0;
  };
  if (name.find('/') == std::string::npos) {
    for (const auto& dir : search_path) {
      if (dir.empty()) continue;
      std::string p = dir + "/" + name;
      if (readable(p)) return p;
    }
  }
  if (readable(name)) return name;
  return std::nullopt;
}

std::shared_ptr<const MapText> FileMapSource::ReadAll(Diagnostics* diag) {
  std::string error;
  auto text = ReadWholeFile(path_, &error);
  if (!text) {
    if (diag) diag->AddAt(Severity::kError, path_, 0, 0, "cannot read map: " + error);
    return nullptr;
  }
  return MapText::Parse(*std::move(text), path_, diag);
}

SearchResult FileMapSource::Search(const std::string& key, Diagnostics* diag) {
  auto all = ReadAll(diag);
  if (!all) return SearchResult::Error("cannot read " + path_);
  for (const auto& e : all->entries()) {
    if (e.key == key) return SearchResult::Found(std::string(e.value), e.line, e.value_column);
  }
  return SearchResult::NotFound();
}

std::optional<int64_t> FileMapSource::Stamp() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace amd::maps
