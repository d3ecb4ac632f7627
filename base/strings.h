// Small string helpers shared by the parsers. Pure functions, no locale:
// Amd's grammar is ASCII and its case rules are ASCII case rules.
//
// Ownership: strings returned are the caller's; string_views returned view the
// argument.
#ifndef AMD_BASE_STRINGS_H_
#define AMD_BASE_STRINGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amd {

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view s);
// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> SplitOn(std::string_view s, char sep);
// The words of `s`: runs of non-space characters (IsSpace).
std::vector<std::string_view> SplitWords(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
// A whole decimal integer (optional sign), nothing else.
std::optional<long long> ParseInteger(std::string_view s);
// Renders `s` for a message: printable ASCII as is, the rest as \xNN.
std::string Printable(std::string_view s);
// Renders `s` for a log line: as is, but for control characters (C0, DEL,
// and C1 in UTF-8) and bytes that are not well-formed UTF-8, as \xNN (\t,
// \n and \r as such), so that nothing a peer sends can end a line, move
// a terminal's cursor or hide what came before. Non-ASCII text stays.
std::string LogSafe(std::string_view s);

}  // namespace amd

#endif  // AMD_BASE_STRINGS_H_
