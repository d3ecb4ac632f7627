// Variable expansion in map values: ${var}, ${/var}, ${var/}, ${.var},
// ${var.}, $$, environment fall-back, and slash normalisation.
//
// The original expands in two passes (amd/opts.c expand_op): the selector
// pass replaces only selector variables and copies option references through
// untouched; the option pass replaces only option variables. Expand() is one
// pass; the evaluator runs them in the original's order. Pure apart from the
// World's Getenv. See amd-maps(5), "Variable expansion".
#ifndef AMD_MAPS_EXPANDER_H_
#define AMD_MAPS_EXPANDER_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/diagnostic.h"
#include "maps/variables.h"
#include "maps/world.h"

namespace amd::maps {

enum class ExpandPass { kSelectors, kOptions };

// Longest expansion result, as the original's MAXPATHLEN buffer: the
// original expands each option's value on its own, so this bounds a value.
constexpr size_t kMaxExpansion = 4095;
// Longest result of the selector pass over a whole location (all its
// fields at once, each of which may be up to kMaxExpansion).
constexpr size_t kMaxLocationExpansion = 65536;
// Variable names are compared after truncation to this many characters.
constexpr size_t kMaxVariableName = 16;

// Set while an entry template is built (maps/entry_template.h): whether
// the result depends on the key other than through ${key} and ${path}
// copied whole, or on anything outside the map and the host facts.
struct KeyTaint {
  bool unsafe = false;
};

struct ExpandScope {
  const SelectorValues* selectors = nullptr;
  const OptionTable* options = nullptr;
  World* world = nullptr;  // environment fall-back; may be null
  bool normalize_slashes = true;
  KeyTaint* taint = nullptr;
};

// One '$' sequence of a map string, as the original's expand_op() reads it.
struct DollarSequence {
  enum class Kind {
    kDollar,     // "$$": one '$'
    kReference,  // "${name}"
    kUnclosed,   // "${" with no '}' after it: the "${" is dropped, the rest kept
    kUnknown,    // "$x": both characters are dropped
    kTrailing,   // a '$' that ends the string: dropped
  };
  Kind kind = Kind::kDollar;
  size_t begin = 0;       // the '$'
  size_t end = 0;         // just past the sequence
  std::string_view name;  // kReference: between the braces
};
// The first '$' sequence at or after `pos`; nullopt when there is none.
std::optional<DollarSequence> NextDollarSequence(std::string_view text, size_t pos);

// Expands one pass over `text`. Problems (unknown ${name}, a missing '}',
// an unknown $ sequence) are reported to `diag` and the text is kept as
// described in amd-maps(5). Returns nullopt when the result would be longer
// than `limit` (an error is reported).
std::optional<std::string> Expand(std::string_view text, ExpandPass pass, const ExpandScope& scope,
                                  Diagnostics* diag, size_t limit = kMaxExpansion);

// Collapses runs of '/' to one, except that the first run of the string
// keeps two slashes when it has two or more; "\/" becomes "/" (after the
// first '/'). The original's normalize_slash().
std::string NormalizeSlashes(std::string_view s);

// Removes trailing '/' but never the first character, so "/" stays "/"
// and "//" becomes "/" (the original's deslashify()).
void Deslashify(std::string* s);

}  // namespace amd::maps

#endif  // AMD_MAPS_EXPANDER_H_
