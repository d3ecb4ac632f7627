// Splitting of map values into locations and fields, following the
// original's strsplit(value, ' ', '"') and opt() (libamu/strutil.c,
// amd/opts.c). One deliberate difference: an empty quoted string "" is an
// empty string here, where the original skipped the character after the
// opening quote and ran on to the next quote.
#include "maps/location_syntax.h"

#include "base/strings.h"
#include "maps/expander.h"
#include "maps/variables.h"

namespace amd::maps {

namespace {

// Calls fn(word, column) for each white-space separated word of `value`,
// double-quoted parts kept whole (the original's strsplit(value, ' ', '"')).
template <typename Fn>
void ForEachWord(std::string_view value, Fn fn) {
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && IsSpace(value[i])) ++i;
    if (i >= value.size()) break;
    size_t start = i;
    while (i < value.size() && !IsSpace(value[i])) {
      if (value[i] == '"') {
        ++i;
        while (i < value.size() && value[i] != '"') ++i;
        if (i < value.size()) ++i;
      } else {
        ++i;
      }
    }
    fn(value.substr(start, i - start), static_cast<int>(start) + 1);
  }
}

LocationToken::Kind WordKind(std::string_view w) {
  if (w == "||" || w == "/") return LocationToken::Kind::kCut;
  if (w == "-") return LocationToken::Kind::kReset;
  if (w.front() == '-') return LocationToken::Kind::kDefaults;
  return LocationToken::Kind::kLocation;
}

}  // namespace

std::vector<LocationToken> SplitLocations(std::string_view value) {
  std::vector<LocationToken> out;
  ForEachWord(value, [&](std::string_view w, int column) {
    LocationToken tok;
    tok.kind = WordKind(w);
    tok.column = column;
    if (tok.kind == LocationToken::Kind::kDefaults) {
      tok.text = std::string(w.substr(1));
    } else if (tok.kind != LocationToken::Kind::kReset) {
      tok.text = std::string(w);
    }
    out.push_back(std::move(tok));
  });
  return out;
}

namespace {

// Processes one backslash escape at s[i] (inside quotes); advances i.
char Backslash(std::string_view s, size_t* i) {
  if (*i + 1 >= s.size()) {
    ++*i;
    return '\\';
  }
  ++*i;  // at the escaped character
  char c = s[*i];
  switch (c) {
    case 'g':
      ++*i;
      return '\007';
    case 'b':
      ++*i;
      return '\010';
    case 't':
      ++*i;
      return '\t';
    case 'n':
      ++*i;
      return '\n';
    case 'v':
      ++*i;
      return '\013';
    case 'f':
      ++*i;
      return '\014';
    case 'r':
      ++*i;
      return '\r';
    case 'e':
      ++*i;
      return '\033';
    default:
      break;
  }
  if (c >= '0' && c <= '7') {
    int val = 0;
    for (int n = 0; n < 3 && *i < s.size() && s[*i] >= '0' && s[*i] <= '7'; ++n, ++*i) {
      val = (val << 3) | (s[*i] - '0');
    }
    return static_cast<char>(val & 0xff);
  }
  ++*i;
  return c;
}

}  // namespace

std::vector<Field> SplitFields(std::string_view location) {
  std::vector<Field> out;
  size_t i = 0;
  while (i < location.size()) {
    Field f;
    f.column = static_cast<int>(i) + 1;
    while (i < location.size() && location[i] != ';') {
      if (location[i] == '"') {
        ++i;
        while (i < location.size() && location[i] != '"') {
          if (location[i] == '\\') {
            f.text += Backslash(location, &i);
          } else {
            f.text += location[i++];
          }
        }
        if (i < location.size()) ++i;  // closing quote
      } else {                         // a run of plain characters at once
        size_t end = i;
        while (end < location.size() && location[end] != ';' && location[end] != '"') ++end;
        f.text.append(location.substr(i, end - i));
        i = end;
      }
    }
    while (i < location.size() && location[i] == ';') ++i;
    if (!f.text.empty()) out.push_back(std::move(f));
  }
  return out;
}

namespace {

// ClassifyField on views: no allocation.
struct FieldView {
  ParsedField::Kind kind = ParsedField::Kind::kNoValue;
  std::string_view name;
  std::string_view value;
};

FieldView ClassifyView(std::string_view f) {
  using K = ParsedField::Kind;
  FieldView p;
  size_t eq = f.find('=');
  if (eq == std::string_view::npos) {
    size_t paren = f.find('(');
    p.name = f;
    if (paren == std::string_view::npos || paren == 0 || paren + 1 >= f.size()) return p;
    size_t close = f.find(')', paren + 1);
    p.name = f.substr(0, paren);
    if (close == std::string_view::npos) {
      p.kind = K::kBadFunction;
      return p;
    }
    p.kind = K::kFunction;
    if (p.name.front() == '!') {
      p.kind = K::kNotFunction;
      p.name.remove_prefix(1);
    }
    p.value = f.substr(paren + 1, close - paren - 1);
    return p;
  }
  if (eq > 0 && f[eq - 1] == '!') {
    p = {K::kNotEqual, f.substr(0, eq - 1), f.substr(eq + 1)};
  } else if (eq > 0 && f[eq - 1] == ':') {
    p = {K::kAssign, f.substr(0, eq - 1), f.substr(eq + 1)};
  } else if (eq + 1 < f.size() && f[eq + 1] == '=') {
    p = {K::kEqual, f.substr(0, eq), f.substr(eq + 2)};
  } else if (eq + 1 < f.size() && f[eq + 1] == '!') {
    p = {K::kNotEqual, f.substr(0, eq), f.substr(eq + 2)};
  } else {
    p = {K::kOldAssign, f.substr(0, eq), f.substr(eq + 1)};
  }
  return p;
}

}  // namespace

ParsedField ClassifyField(std::string_view f) {
  FieldView v = ClassifyView(f);
  return ParsedField{v.kind, std::string(v.name), std::string(v.value)};
}

namespace {

bool HasUnbalancedQuote(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (c == '"');
  return n % 2 != 0;
}

int ValidateField(std::string_view text, int column, Diagnostics* diag) {
  auto report = [&](std::string msg) {
    diag->Warning(std::move(msg), column);
    return 1;
  };
  // Where amd differs from the original on purpose (amd-maps(5)).
  for (std::string_view crash : {"${wire}", "${network}", "${netnumber}"}) {
    if (text.find(crash) != std::string_view::npos) {
      return report(std::string(crash) +
                    " expands to nothing and fails the location (the original crashed on it)");
    }
  }

  FieldView p = ClassifyView(text);
  const VariableInfo* var = nullptr;
  switch (p.kind) {
    case ParsedField::Kind::kNoValue:
      return report("no value component in \"" + Printable(text) + "\"");
    case ParsedField::Kind::kBadFunction:
      return report("malformed function call \"" + Printable(text) + "\"");
    case ParsedField::Kind::kFunction:
    case ParsedField::Kind::kNotFunction:
      if (!FindFunction(p.name)) {
        return report("unknown function \"" + Printable(p.name) +
                      "\" (the location will never be selected)");
      }
      if (p.value.empty() && (p.name == "true" || p.name == "false")) {
        return report(Printable(p.name) +
                      "() with an empty argument: amd evaluates it; the original passed any call "
                      "with an empty "
                      "argument, false() too");
      }
      return 0;
    case ParsedField::Kind::kAssign:
    case ParsedField::Kind::kOldAssign:
      var = FindVariable(p.name);
      if (var == nullptr)
        return report("unrecognized option \"" + Printable(p.name) + "\" (ignored)");
      if (var->kind != VariableKind::kOption) {
        return report("cannot assign to selector \"" + Printable(p.name) +
                      "\" (the location will never be selected)");
      }
      return 0;
    case ParsedField::Kind::kEqual:
    case ParsedField::Kind::kNotEqual:
      if (FindVariable(p.name) == nullptr) {
        return report("unrecognized selector \"" + Printable(p.name) + "\" (ignored)");
      }
      return 0;
  }
  return 0;
}

int ValidateLocation(std::string_view text, int column, Diagnostics* diag) {
  int problems = 0;
  if (text.find('"') == std::string_view::npos) {
    // Fast path: fields are plain ';'-separated substrings.
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t end = text.find(';', pos);
      if (end == std::string_view::npos) end = text.size();
      if (end > pos)
        problems +=
            ValidateField(text.substr(pos, end - pos), column + static_cast<int>(pos), diag);
      pos = end + 1;
    }
    return problems;
  }
  if (size_t empty = text.find("\"\""); empty != std::string_view::npos) {
    diag->Warning(
        "an empty quoted string \"\" is empty here; the original also dropped the character after "
        "it",
        column + static_cast<int>(empty));
    ++problems;
  }
  if (HasUnbalancedQuote(text)) {
    diag->Warning("unbalanced '\"' in \"" + Printable(text) + "\"", column);
    ++problems;
  }
  for (const Field& field : SplitFields(text)) {
    problems += ValidateField(field.text, column + field.column - 1, diag);
  }
  return problems;
}

}  // namespace

int ValidateEntry(std::string_view value, Diagnostics* diag, int first_column) {
  int problems = 0;
  // '$' that begins no expansion: the original drops it (maps/expander.h).
  using Kind = DollarSequence::Kind;
  for (auto seq = NextDollarSequence(value, 0); seq; seq = NextDollarSequence(value, seq->end)) {
    int column = first_column + static_cast<int>(seq->begin);
    switch (seq->kind) {
      case Kind::kDollar:
      case Kind::kReference:
        continue;
      case Kind::kTrailing:
        diag->Warning(
            "'$' at the end is not an expansion; it is dropped, as the original drops it "
            "(write $$ for a '$')",
            column);
        break;
      case Kind::kUnclosed:
        diag->Warning(
            "\"${\" without a closing '}' is not an expansion; the \"${\" is dropped and the rest "
            "kept, as the original does",
            column);
        break;
      case Kind::kUnknown:
        diag->Warning(
            "\"$" + Printable(value.substr(seq->begin + 1, 1)) +
                "\" is not an expansion; both characters are dropped, as the original drops them "
                "(write $$ for a '$')",
            column);
        break;
    }
    ++problems;
  }
  ForEachWord(value, [&](std::string_view w, int word_column) {
    int column = word_column + first_column - 1;
    switch (WordKind(w)) {
      case LocationToken::Kind::kLocation:
        problems += ValidateLocation(w, column, diag);
        break;
      case LocationToken::Kind::kDefaults:
        problems += ValidateLocation(w.substr(1), column + 1, diag);
        break;
      case LocationToken::Kind::kCut:
      case LocationToken::Kind::kReset:
        break;
    }
  });
  return problems;
}

}  // namespace amd::maps
