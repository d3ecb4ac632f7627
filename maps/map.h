// Map: one Amd map as lookups see it. It owns a MapSource and caches its
// entries by the map's cache mode, finds a key with the original's wildcard
// rules, and converts Sun syntax when asked.
//
// Cache modes (cache:= option; amd-maps(5) "Map caching"):
//   none    every lookup asks the source;
//   inc     entries are kept as they are found;
//   all     the whole map is read at load and on reload; a key not in it is
//           not found without asking the source;
//   regexp  like all, but keys are anchored POSIX basic regular expressions,
//           matched case-insensitively, in map order, with no wildcards;
//   sync    (with any of them) the source's stamp is checked on every lookup
//           and the map reloaded when it changed.
// Lookup order for a key a/b/c: a/b/c, a/b/*, a/*, *. Keys that begin with
// '/' (such as /defaults) are only looked up exactly.
//
// Not thread-safe: one thread (a worker holding the map's lock) at a time.
// The one exception is a search of a source that may block and allows
// concurrent searches (an exec map): a lookup given the caller's lock
// (LookupControl) releases it while the program runs, so lookups of other
// keys proceed meanwhile, and a lookup of a key already being searched
// waits for that search's answer instead of running the program again. A
// failed reload keeps the old entries.
#ifndef AMD_MAPS_MAP_H_
#define AMD_MAPS_MAP_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/diagnostic.h"
#include "maps/map_source.h"
#include "maps/map_text.h"

namespace amd::maps {

enum class CacheMode { kNone, kInc, kAll, kRegexp };

struct CacheSpec {
  CacheMode mode = CacheMode::kAll;
  bool sync = false;
};

// Parses a cache:= value: a comma list of none, inc, all, regexp (re),
// mapdefault (default), sync, each optionally prefixed "no". Two modes at
// once are ambiguous and give inc, as the original. `source_default` is the
// source's meaning of mapdefault.
CacheSpec ParseCacheOption(std::string_view value, std::string_view source_default,
                           Diagnostics* diag);
std::string CacheSpecName(const CacheSpec& spec);

struct LookupResult {
  enum class Status { kFound, kNotFound, kError };
  Status status = Status::kNotFound;
  std::string matched_key;  // the map key whose entry is used
  std::string value;
  uint32_t line = 0;
  std::string error;
  bool found() const { return status == Status::kFound; }
};

// How one lookup may wait: `lock` is the lock the caller holds the map
// with (released during a concurrent source's search); `cancel`, when it
// becomes true, stops a search in progress.
struct LookupControl {
  std::unique_lock<std::mutex>* lock = nullptr;
  const std::atomic<bool>* cancel = nullptr;
};

class Map {
 public:
  Map(std::unique_ptr<MapSource> source, std::optional<std::string> cache_option, bool sun_syntax,
      Diagnostics* diag);
  ~Map();
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  // Reads the map as its cache mode needs. False (with the reason in
  // diag) when the source cannot be read. Every entry read is checked
  // (ValidateEntry) and its problems reported to diag with file and line;
  // entries of inc/none maps are checked as they are found.
  bool Load(Diagnostics* diag);
  // Re-reads an all/regexp map when its stamp changed (always when
  // `force`), and clears inc caches. Keeps the old entries on failure.
  bool Reload(bool force, Diagnostics* diag);

  // The entry for `key` with wildcard fall-back.
  LookupResult Lookup(const std::string& key, Diagnostics* diag, const LookupControl& ctl = {});
  // The entry for exactly `key`.
  LookupResult Find(const std::string& key, Diagnostics* diag, const LookupControl& ctl = {});

  const MapSource& source() const { return *source_; }
  const CacheSpec& cache() const { return cache_; }
  // Entries held now (all: the whole map; inc: those found so far).
  size_t entry_count() const;
  int reloads() const { return reloads_; }
  // When the entries were last (re)read, seconds since the epoch.
  int64_t modify_time() const { return modify_time_; }
  // Keys held now, in map order (for browsable directories).
  std::vector<std::string> Keys() const;

 private:
  class Index;
  LookupResult FindRegexp(const std::string& key, Diagnostics* diag);
  LookupResult FindInSource(const std::string& key, Diagnostics* diag, const LookupControl& ctl);
  // One search of the source, shared with concurrent searches of the key.
  SearchResult SearchSource(const std::string& key, Diagnostics* diag, const LookupControl& ctl);
  bool ReadWhole(Diagnostics* diag);
  void CheckSync(Diagnostics* diag);

  std::unique_ptr<MapSource> source_;
  CacheSpec cache_;
  bool sun_syntax_;
  std::shared_ptr<const MapText> text_;                  // all / regexp
  std::unique_ptr<Index> index_;                         // all
  std::vector<void*> regexes_;                           // regexp: compiled lazily (regex_t*)
  std::unordered_map<std::string, LookupResult> found_;  // inc
  // Searches in progress with the lock released, by key.
  struct Searching {
    bool done = false;
    bool cancelled = false;
    SearchResult result;
  };
  std::map<std::string, std::shared_ptr<Searching>> searching_;
  std::condition_variable searched_;
  std::optional<int64_t> stamp_;
  int reloads_ = 0;
  int64_t modify_time_ = 0;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_MAP_H_
