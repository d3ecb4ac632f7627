// The amd.conf file format (am-utils 6.2 amd/conf_tok.l, conf_parse.y):
//   [ section ]            "[global]" or a mount point such as "[/home]"
//   key = value            one per line; value a word or "a quoted string"
//   # comment              whole lines only in the original
// Accepted beyond the original: key=value without spaces, a trailing
// "# comment" after a value (a '#' preceded by white space), and a last
// line without a newline. Everything the original accepts is accepted.
// Pure: text in, sections out, problems to Diagnostics with file and line.
#ifndef AMD_CONF_AMD_CONF_PARSER_H_
#define AMD_CONF_AMD_CONF_PARSER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace amd::conf {

struct ConfEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct ConfSection {
  std::string name;  // "global" or a mount point
  int line = 0;
  std::vector<ConfEntry> entries;
};

// Returns nullopt when the text has a syntax error (each reported).
std::optional<std::vector<ConfSection>> ParseAmdConf(std::string_view text,
                                                     std::string_view file_name, Diagnostics* diag);

}  // namespace amd::conf

#endif  // AMD_CONF_AMD_CONF_PARSER_H_
