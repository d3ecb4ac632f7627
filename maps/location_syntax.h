// The syntax of a map entry's value, without evaluating anything:
//  - SplitLocations: the value split on unquoted white space into location
//    tokens, cuts ("||" and the undocumented "/"), "-defaults" and "-";
//  - SplitFields: one location split on ';' into fields, with double-quoted
//    parts de-quoted and their backslash escapes processed;
//  - ClassifyField: what a field is (selector, function call, assignment);
//  - ValidateEntry: the warnings a map loader reports for a value.
// Columns are 1-based offsets into the value. Pure functions.
#ifndef AMD_MAPS_LOCATION_SYNTAX_H_
#define AMD_MAPS_LOCATION_SYNTAX_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace amd::maps {

struct LocationToken {
  enum class Kind {
    kLocation,  // sel-or-opt fields
    kCut,       // "||" or "/"
    kDefaults,  // "-fields": defaults for the locations that follow
    kReset,     // "-" alone: back to the map's defaults
  };
  Kind kind = Kind::kLocation;
  std::string text;  // as written (quotes kept); for kDefaults without the '-'
  int column = 0;
};

std::vector<LocationToken> SplitLocations(std::string_view value);

struct Field {
  std::string text;  // de-quoted, escapes processed
  int column = 0;    // 1-based within the location
};

std::vector<Field> SplitFields(std::string_view location);

struct ParsedField {
  enum class Kind {
    kAssign,       // name:=value
    kOldAssign,    // name=value (old style, still accepted)
    kEqual,        // name==value
    kNotEqual,     // name!=value or name=!value
    kFunction,     // name(arg)
    kNotFunction,  // !name(arg)
    kNoValue,      // no '=' and not a call
    kBadFunction,  // name( without ')' or "(arg)" without a name
  };
  Kind kind = Kind::kNoValue;
  std::string name;
  std::string value;  // right-hand side or function argument
};

ParsedField ClassifyField(std::string_view field);

// Reports syntax problems of a whole value to `diag` (at `diag`'s current
// file and line; columns are offsets into the value plus `first_column`,
// the column where the value starts in its line): unknown option or
// selector names, unknown functions, assignments to selectors, fields with
// no value, unbalanced quotes. Returns the number of problems found.
int ValidateEntry(std::string_view value, Diagnostics* diag, int first_column = 1);

}  // namespace amd::maps

#endif  // AMD_MAPS_LOCATION_SYNTAX_H_
