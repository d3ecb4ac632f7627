// MapSource: where a map's entries come from (a file, a program, the password
// database, a union of directories; later LDAP and NIS). One implementation
// per file, behind this one interface, as the original's info_*.c.
//
// Every call may block (disk, a child process, a name service): the daemon
// calls sources from its worker pool, never from the engine thread. A
// source is used by one thread at a time, except Search of a source whose
// ConcurrentSearch() holds.
//
// Ownership: sources are owned by their Map; results are the caller's.
#ifndef AMD_MAPS_MAP_SOURCE_H_
#define AMD_MAPS_MAP_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "maps/map_text.h"

namespace amd::maps {

struct SearchResult {
  enum class Status { kFound, kNotFound, kError };
  Status status = Status::kNotFound;
  std::string value;
  uint32_t line = 0;    // where the entry is, when the source has lines
  uint32_t column = 0;  // where its value starts in that line
  std::string error;    // for kError

  static SearchResult Found(std::string v, uint32_t line = 0, uint32_t column = 0) {
    return {Status::kFound, std::move(v), line, column, {}};
  }
  static SearchResult NotFound() { return {}; }
  static SearchResult Error(std::string e) { return {Status::kError, {}, 0, 0, std::move(e)}; }
};

class MapSource {
 public:
  virtual ~MapSource() = default;
  // "file", "exec", "passwd", "union".
  virtual std::string_view type() const = 0;
  // The name the map was configured with.
  virtual const std::string& name() const = 0;
  // What the source reads (a resolved path), for messages.
  virtual std::string Describe() const { return name(); }
  // The cache mode "mapdefault" means for this source.
  virtual std::string_view DefaultCacheMode() const = 0;
  // Whether ReadAll works (needed by cache:=all and cache:=regexp).
  virtual bool CanReadAll() const = 0;
  // The whole map; nullptr on failure (reported to diag).
  virtual std::shared_ptr<const MapText> ReadAll(Diagnostics* diag) = 0;
  // One key, exactly (no wildcards). For sources with duplicate keys, the
  // first one (the original's direct file scan).
  virtual SearchResult Search(const std::string& key, Diagnostics* diag) = 0;
  // Search that gives up with an error soon after `cancel` becomes true
  // (the lookup was abandoned); sources that answer quickly just search.
  virtual SearchResult SearchUntil(const std::string& key, Diagnostics* diag,
                                   const std::atomic<bool>& /*cancel*/) {
    return Search(key, diag);
  }
  // Whether a search may take long (a program, the network): the daemon
  // then runs this source's lookups in a worker lane of its own, capped,
  // and lets several run at once.
  virtual bool MayBlock() const { return false; }
  // Whether Search may run on several threads at once.
  virtual bool ConcurrentSearch() const { return false; }
  // A stamp that changes when the source changes (file mtime in ns);
  // nullopt when the source has none.
  virtual std::optional<int64_t> Stamp() = 0;
};

struct MapSourceSpec {
  std::string name;                      // as configured (map_name / command line)
  std::optional<std::string> map_type;   // amd.conf map_type or maptype:=, if given
  std::vector<std::string> search_path;  // for file maps given without '/'
  int exec_map_timeout_s = 10;
};

// Opens a source by the original's rules: the given type only, or else the
// first of passwd, union, file, exec that recognises the name.
std::unique_ptr<MapSource> OpenMapSource(const MapSourceSpec& spec, Diagnostics* diag);

// Map types the amd.conf grammar accepts for map_type.
bool IsKnownMapType(std::string_view type);
// Map types this amd can read.
bool IsSupportedMapType(std::string_view type);

// Exec map programs: a regular file owned by root, executable, neither
// setuid nor setgid, not writable by others. Returns the reason when not.
std::optional<std::string> CheckExecMapProgram(const std::string& path);

}  // namespace amd::maps

#endif  // AMD_MAPS_MAP_SOURCE_H_
