// File-map parsing; see map_text.h. The common case (no continuation, no
// comment, not too long) makes no copy: key and value point into the text.
#include "maps/map_text.h"

#include "base/strings.h"

namespace amd::maps {

std::string_view MapText::Own(std::string s) {
  owned_.push_back(std::move(s));
  return owned_.back();
}

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Splits one logical line into key and value; false when it has no key.
bool SplitRecord(std::string_view line, std::string_view* key, std::string_view* value,
                 uint32_t* value_column = nullptr) {
  size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  size_t k = i;
  while (i < line.size() && !IsBlank(line[i])) ++i;
  if (i == k) return false;
  *key = line.substr(k, i - k);
  while (i < line.size() && IsBlank(line[i])) ++i;
  size_t e = line.size();
  while (e > i && IsBlank(line[e - 1])) --e;
  *value = line.substr(i, e - i);
  if (value_column != nullptr) *value_column = static_cast<uint32_t>(i) + 1;
  return true;
}

}  // namespace

std::shared_ptr<const MapText> MapText::Parse(std::string text, std::string_view file_name,
                                              Diagnostics* diag) {
  std::shared_ptr<MapText> m(new MapText());
  m->text_ = std::move(text);
  std::string_view t = m->text_;
  size_t pos = 0;
  uint32_t line_no = 0;
  while (pos < t.size()) {
    uint32_t first_line = ++line_no;
    size_t eol = t.find('\n', pos);
    if (eol == std::string_view::npos) eol = t.size();
    std::string_view phys = t.substr(pos, eol - pos);
    pos = eol + 1;
    std::string joined;
    bool copied = false;
    // Continuations: "...\" + newline + leading white space of the next line.
    while (!phys.empty() && phys.back() == '\\' && pos <= t.size()) {
      if (!copied) {
        joined.assign(phys.substr(0, phys.size() - 1));
        copied = true;
      } else {
        joined.append(phys.substr(0, phys.size() - 1));
      }
      if (pos >= t.size()) {
        phys = std::string_view();
        break;
      }
      ++line_no;
      eol = t.find('\n', pos);
      if (eol == std::string_view::npos) eol = t.size();
      phys = t.substr(pos, eol - pos);
      pos = eol + 1;
      size_t skip = 0;
      while (skip < phys.size() && IsBlank(phys[skip])) ++skip;
      phys.remove_prefix(skip);
    }
    if (copied) joined.append(phys);
    std::string_view logical = copied ? std::string_view(joined) : phys;
    if (logical.size() >= kMaxMapLine) {
      if (diag) {
        diag->AddAt(Severity::kWarning, file_name, static_cast<int>(first_line), 0,
                    "line is too long (" + std::to_string(logical.size()) +
                        " characters); only the first " + std::to_string(kMaxMapLine - 1) +
                        " are used");
      }
      logical = logical.substr(0, kMaxMapLine - 1);
    }
    size_t hash = logical.find('#');
    if (hash != std::string_view::npos) logical = logical.substr(0, hash);
    std::string_view key, value;
    uint32_t value_column = 0;
    if (!SplitRecord(logical, &key, &value, &value_column)) continue;
    if (value.empty()) {
      if (diag) {
        diag->AddAt(Severity::kWarning, file_name, static_cast<int>(first_line), 0,
                    "key \"" + Printable(key) + "\" has no value field; line skipped");
      }
      continue;
    }
    if (copied) {
      std::string_view owned = m->Own(std::string(logical));
      SplitRecord(owned, &key, &value);
    }
    m->entries_.push_back(MapEntry{key, value, first_line, value_column});
  }
  return m;
}

std::shared_ptr<const MapText> MapText::FromPairs(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::shared_ptr<MapText> m(new MapText());
  for (const auto& [k, v] : pairs) {
    std::string_view key = m->Own(k);
    std::string_view value = m->Own(v);
    m->entries_.push_back(MapEntry{key, value, 0, 0});
  }
  return m;
}

}  // namespace amd::maps
