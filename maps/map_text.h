// MapText: the entries of an Amd file map (or of any text in file-map
// syntax: exec map output, ndbm sources), parsed once and immutable.
//
// File-map lexical rules, as the original's file_read_line() (amd/info_file.c):
// a line ending in '\' is joined with the next, the backslash, newline and
// the next line's leading white space removed; then everything from the
// first '#' is a comment; the key is the first word and the value the rest.
// A joined line longer than kMaxMapLine-1 characters is cut there, with a
// warning. Lines with a key but no value are reported and skipped.
//
// Entries point into the text the MapText owns, so a million-entry map costs
// little more than its file. Safe to share between threads once built.
#ifndef AMD_MAPS_MAP_TEXT_H_
#define AMD_MAPS_MAP_TEXT_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace amd::maps {

// The original's INFO_MAX_LINE_LEN (its manual says 2047; its code 1500).
constexpr size_t kMaxMapLine = 1500;

struct MapEntry {
  std::string_view key;
  std::string_view value;
  uint32_t line = 0;          // first physical line of the entry
  uint32_t value_column = 0;  // 1-based column of the value in that (joined) line
};

class MapText {
 public:
  // Parses `text`; problems go to `diag` with `file_name` and the line.
  static std::shared_ptr<const MapText> Parse(std::string text, std::string_view file_name,
                                              Diagnostics* diag);
  // Builds a MapText from ready key/value pairs (union maps, tests).
  static std::shared_ptr<const MapText> FromPairs(
      const std::vector<std::pair<std::string, std::string>>& pairs);

  const std::vector<MapEntry>& entries() const { return entries_; }

 private:
  MapText() = default;
  std::string_view Own(std::string s);

  std::string text_;
  std::deque<std::string> owned_;  // joined or cut lines
  std::vector<MapEntry> entries_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_MAP_TEXT_H_
