// Map caching and key look-up; see map.h. The all-mode index is an
// open-addressing table of entry numbers (4 bytes a slot) over the keys the
// MapText already holds, so a million-entry map needs no per-key allocation.
#include "maps/map.h"

#include <regex.h>

#include <ctime>
#include <functional>

#include "base/strings.h"
#include "maps/location_syntax.h"
#include "maps/sun_syntax.h"

namespace amd::maps {

CacheSpec ParseCacheOption(std::string_view value, std::string_view source_default,
                           Diagnostics* diag) {
  auto parse_mode = [](std::string_view w) -> std::optional<CacheMode> {
    if (w == "none") return CacheMode::kNone;
    if (w == "inc") return CacheMode::kInc;
    if (w == "all") return CacheMode::kAll;
    if (w == "regexp" || w == "re") return CacheMode::kRegexp;
    return std::nullopt;
  };
  CacheSpec spec;
  std::optional<CacheMode> mode;
  bool ambiguous = false;
  for (std::string_view w : SplitOn(value, ',')) {
    w = TrimSpace(w);
    if (w.empty()) continue;
    bool negated = w.substr(0, 2) == "no" && w != "none";
    std::string_view base = negated ? w.substr(2) : w;
    if (base == "sync") {
      spec.sync = !negated;
      continue;
    }
    if (base == "mapdefault" || base == "default") base = source_default;
    auto m = parse_mode(base);
    if (!m) {
      if (diag) diag->Warning("unknown cache mode \"" + std::string(w) + "\" ignored");
      continue;
    }
    if (negated) continue;
    if (mode && *mode != *m) ambiguous = true;
    mode = m;
  }
  if (ambiguous) {
    if (diag) diag->Warning("ambiguous map cache type \"" + std::string(value) + "\"; using inc");
    mode = CacheMode::kInc;
  }
  if (!mode) mode = parse_mode(source_default).value_or(CacheMode::kInc);
  spec.mode = *mode;
  return spec;
}

std::string CacheSpecName(const CacheSpec& spec) {
  std::string s;
  switch (spec.mode) {
    case CacheMode::kNone:
      s = "none";
      break;
    case CacheMode::kInc:
      s = "inc";
      break;
    case CacheMode::kAll:
      s = "all";
      break;
    case CacheMode::kRegexp:
      s = "regexp";
      break;
  }
  if (spec.sync) s += ",sync";
  return s;
}

// Open addressing over entry numbers; duplicate keys: the last one wins,
// as the original's hash chains (cache:=all).
class Map::Index {
 public:
  explicit Index(const MapText& text) : text_(text) {
    size_t want = 16;
    while (want < text.entries().size() * 2) want <<= 1;
    slots_.assign(want, kEmpty);
    mask_ = want - 1;
    for (uint32_t i = 0; i < text.entries().size(); ++i) Insert(i);
  }
  std::optional<uint32_t> Find(std::string_view key) const {
    for (size_t s = Hash(key) & mask_;; s = (s + 1) & mask_) {
      uint32_t v = slots_[s];
      if (v == kEmpty) return std::nullopt;
      if (text_.entries()[v].key == key) return v;
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  static size_t Hash(std::string_view k) { return std::hash<std::string_view>{}(k); }
  void Insert(uint32_t i) {
    std::string_view key = text_.entries()[i].key;
    for (size_t s = Hash(key) & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == kEmpty || text_.entries()[slots_[s]].key == key) {
        slots_[s] = i;
        return;
      }
    }
  }
  const MapText& text_;
  std::vector<uint32_t> slots_;
  size_t mask_ = 0;
};

Map::Map(std::unique_ptr<MapSource> source, std::optional<std::string> cache_option,
         bool sun_syntax, Diagnostics* diag)
    : source_(std::move(source)), sun_syntax_(sun_syntax) {
  cache_ = ParseCacheOption(cache_option.value_or("mapdefault"), source_->DefaultCacheMode(), diag);
  if ((cache_.mode == CacheMode::kAll || cache_.mode == CacheMode::kRegexp) &&
      !source_->CanReadAll()) {
    if (diag) {
      diag->Warning("map " + source_->name() + ": a " + std::string(source_->type()) +
                    " map cannot be read whole; cache:=" + CacheSpecName(cache_) + " becomes inc");
    }
    cache_.mode = CacheMode::kInc;
  }
}

Map::~Map() {
  for (void* r : regexes_) {
    if (r != nullptr) {
      regfree(static_cast<regex_t*>(r));
      delete static_cast<regex_t*>(r);
    }
  }
}

bool Map::ReadWhole(Diagnostics* diag) {
  auto text = source_->ReadAll(diag);
  if (!text) return false;
  if (sun_syntax_) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& e : text->entries()) {
      auto c = SunToAmd(e.key, e.value, diag);
      if (!c) continue;
      pairs.emplace_back(std::string(e.key), c->value);
      for (auto& sub : c->sub_entries) pairs.push_back(std::move(sub));
    }
    text = MapText::FromPairs(pairs);
  }
  if (diag != nullptr) {
    std::string file = source_->Describe();
    for (const auto& e : text->entries()) {
      diag->SetLocation(file, static_cast<int>(e.line));
      ValidateEntry(e.value, diag, e.value_column > 0 ? static_cast<int>(e.value_column) : 1);
    }
  }
  for (void* r : regexes_) {
    if (r != nullptr) {
      regfree(static_cast<regex_t*>(r));
      delete static_cast<regex_t*>(r);
    }
  }
  regexes_.assign(cache_.mode == CacheMode::kRegexp ? text->entries().size() : 0, nullptr);
  index_ = std::make_unique<Index>(*text);
  text_ = std::move(text);
  modify_time_ = static_cast<int64_t>(std::time(nullptr));
  return true;
}

bool Map::Load(Diagnostics* diag) {
  stamp_ = source_->Stamp();
  if (cache_.mode == CacheMode::kAll || cache_.mode == CacheMode::kRegexp) return ReadWhole(diag);
  modify_time_ = static_cast<int64_t>(std::time(nullptr));
  return true;
}

bool Map::Reload(bool force, Diagnostics* diag) {
  auto stamp = source_->Stamp();
  bool changed = force || stamp != stamp_;
  found_.clear();
  if (!changed) return true;
  bool ok = true;
  if (cache_.mode == CacheMode::kAll || cache_.mode == CacheMode::kRegexp) ok = ReadWhole(diag);
  if (ok) {
    stamp_ = stamp;
    ++reloads_;
  }
  return ok;
}

void Map::CheckSync(Diagnostics* diag) {
  bool inc = cache_.mode == CacheMode::kInc || cache_.mode == CacheMode::kNone;
  if (!cache_.sync && !inc) return;
  if (source_->Stamp() != stamp_) Reload(false, diag);
}

SearchResult Map::SearchSource(const std::string& key, Diagnostics* diag,
                               const LookupControl& ctl) {
  auto search = [&] {
    return ctl.cancel ? source_->SearchUntil(key, diag, *ctl.cancel) : source_->Search(key, diag);
  };
  if (!ctl.lock || !source_->ConcurrentSearch()) return search();
  std::unique_lock<std::mutex>& lock = *ctl.lock;
  for (;;) {
    auto it = searching_.find(key);
    if (it == searching_.end()) break;
    std::shared_ptr<Searching> other = it->second;
    searched_.wait(lock, [&] { return other->done; });
    if (!other->cancelled) return other->result;
    // That search was abandoned; this lookup still wants the answer.
  }
  auto mine = std::make_shared<Searching>();
  searching_.emplace(key, mine);
  lock.unlock();
  SearchResult r = search();
  lock.lock();
  mine->done = true;
  mine->cancelled = ctl.cancel && ctl.cancel->load();
  mine->result = r;
  searching_.erase(key);
  searched_.notify_all();
  return r;
}

LookupResult Map::FindInSource(const std::string& key, Diagnostics* diag,
                               const LookupControl& ctl) {
  LookupResult r;
  r.matched_key = key;
  SearchResult s = SearchSource(key, diag, ctl);
  if (s.status == SearchResult::Status::kError) {
    r.status = LookupResult::Status::kError;
    r.error = s.error;
    return r;
  }
  if (s.status == SearchResult::Status::kNotFound && sun_syntax_) {
    // A multi-mount offset "parent/offset" lives in the parent's entry.
    size_t slash = key.find('/');
    if (slash != std::string::npos && slash > 0) {
      SearchResult parent = SearchSource(key.substr(0, slash), diag, ctl);
      if (parent.status == SearchResult::Status::kFound) {
        if (auto c = SunToAmd(key.substr(0, slash), parent.value, diag)) {
          for (const auto& [k, v] : c->sub_entries) {
            if (k == key) {
              r.status = LookupResult::Status::kFound;
              r.value = v;
              return r;
            }
          }
        }
      }
    }
    return r;
  }
  if (s.status == SearchResult::Status::kNotFound) return r;
  r.status = LookupResult::Status::kFound;
  r.line = s.line;
  if (diag != nullptr) {
    diag->SetLocation(source_->Describe(), static_cast<int>(s.line));
    ValidateEntry(s.value, diag, s.column > 0 ? static_cast<int>(s.column) : 1);
  }
  if (sun_syntax_) {
    auto c = SunToAmd(key, s.value, diag);
    if (!c) {
      r.status = LookupResult::Status::kNotFound;
      return r;
    }
    r.value = c->value;
  } else {
    r.value = std::move(s.value);
  }
  return r;
}

LookupResult Map::FindRegexp(const std::string& key, Diagnostics* diag) {
  LookupResult r;
  const auto& entries = text_->entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (regexes_[i] == nullptr) {
      auto* re = new regex_t;
      std::string pattern = "^" + std::string(entries[i].key) + "$";
      if (regcomp(re, pattern.c_str(), REG_ICASE | REG_NOSUB) != 0) {
        delete re;
        if (diag) {
          diag->AddAt(Severity::kWarning, source_->Describe(), static_cast<int>(entries[i].line), 0,
                      "bad regular expression key \"" + std::string(entries[i].key) + "\"");
        }
        continue;
      }
      regexes_[i] = re;
    }
    if (regexec(static_cast<regex_t*>(regexes_[i]), key.c_str(), 0, nullptr, 0) == 0) {
      r.status = LookupResult::Status::kFound;
      r.matched_key = std::string(entries[i].key);
      r.value = std::string(entries[i].value);
      r.line = entries[i].line;
      return r;
    }
  }
  return r;
}

LookupResult Map::Find(const std::string& key, Diagnostics* diag, const LookupControl& ctl) {
  CheckSync(diag);
  switch (cache_.mode) {
    case CacheMode::kAll:
    case CacheMode::kRegexp: {
      LookupResult r;
      if (!text_) return r;
      if (auto i = index_->Find(key)) {
        const MapEntry& e = text_->entries()[*i];
        r.status = LookupResult::Status::kFound;
        r.matched_key = key;
        r.value = std::string(e.value);
        r.line = e.line;
        return r;
      }
      if (cache_.mode == CacheMode::kRegexp) return FindRegexp(key, diag);
      return r;
    }
    case CacheMode::kInc: {
      auto it = found_.find(key);
      if (it != found_.end()) return it->second;
      LookupResult r = FindInSource(key, diag, ctl);
      if (r.found()) found_.emplace(key, r);
      return r;
    }
    case CacheMode::kNone:
      return FindInSource(key, diag, ctl);
  }
  return {};
}

LookupResult Map::Lookup(const std::string& key, Diagnostics* diag, const LookupControl& ctl) {
  LookupResult r = Find(key, diag, ctl);
  if (r.status != LookupResult::Status::kNotFound) return r;
  if (cache_.mode == CacheMode::kRegexp || key.empty() || key[0] == '/') return r;
  std::string wild = key;
  size_t slash;
  while ((slash = wild.rfind('/')) != std::string::npos) {
    wild.resize(slash);
    LookupResult w = Find(wild + "/*", diag, ctl);
    if (w.status != LookupResult::Status::kNotFound) return w;
  }
  return Find("*", diag, ctl);
}

size_t Map::entry_count() const {
  if (text_) return text_->entries().size();
  return found_.size();
}

std::vector<std::string> Map::Keys() const {
  std::vector<std::string> keys;
  if (text_) {
    for (const auto& e : text_->entries()) keys.emplace_back(e.key);
  } else {
    for (const auto& [k, v] : found_) keys.push_back(k);
  }
  return keys;
}

}  // namespace amd::maps
