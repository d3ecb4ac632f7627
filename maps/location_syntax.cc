// Splitting of map values into locations and fields, following the
// original's strsplit(value, ' ', '"') and opt() (libamu/strutil.c,
// amd/opts.c). One deliberate difference: an empty quoted string "" is an
// empty string here, where the original skipped the character after the
// opening quote and ran on to the next quote.
#include "maps/location_syntax.h"

#include "base/strings.h"
#include "maps/variables.h"

namespace amd::maps {

std::vector<LocationToken> SplitLocations(std::string_view value) {
  std::vector<LocationToken> out;
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
    LocationToken tok;
    tok.column = static_cast<int>(start) + 1;
    std::string_view text = value.substr(start, i - start);
    if (text == "||" || text == "/") {
      tok.kind = LocationToken::Kind::kCut;
      tok.text = std::string(text);
    } else if (text == "-") {
      tok.kind = LocationToken::Kind::kReset;
    } else if (text.front() == '-') {
      tok.kind = LocationToken::Kind::kDefaults;
      tok.text = std::string(text.substr(1));
    } else {
      tok.kind = LocationToken::Kind::kLocation;
      tok.text = std::string(text);
    }
    out.push_back(std::move(tok));
  }
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
      } else {
        f.text += location[i++];
      }
    }
    while (i < location.size() && location[i] == ';') ++i;
    if (!f.text.empty()) out.push_back(std::move(f));
  }
  return out;
}

ParsedField ClassifyField(std::string_view f) {
  ParsedField p;
  size_t eq = f.find('=');
  if (eq == std::string_view::npos) {
    size_t paren = f.find('(');
    if (paren == std::string_view::npos || paren == 0 || paren + 1 >= f.size()) {
      p.kind = ParsedField::Kind::kNoValue;
      p.name = std::string(f);
      return p;
    }
    size_t close = f.find(')', paren + 1);
    if (close == std::string_view::npos) {
      p.kind = ParsedField::Kind::kBadFunction;
      p.name = std::string(f.substr(0, paren));
      return p;
    }
    std::string_view name = f.substr(0, paren);
    p.kind = ParsedField::Kind::kFunction;
    if (name.front() == '!') {
      p.kind = ParsedField::Kind::kNotFunction;
      name.remove_prefix(1);
    }
    p.name = std::string(name);
    p.value = std::string(f.substr(paren + 1, close - paren - 1));
    return p;
  }
  if (eq > 0 && f[eq - 1] == '!') {
    p.kind = ParsedField::Kind::kNotEqual;
    p.name = std::string(f.substr(0, eq - 1));
    p.value = std::string(f.substr(eq + 1));
  } else if (eq > 0 && f[eq - 1] == ':') {
    p.kind = ParsedField::Kind::kAssign;
    p.name = std::string(f.substr(0, eq - 1));
    p.value = std::string(f.substr(eq + 1));
  } else if (eq + 1 < f.size() && f[eq + 1] == '=') {
    p.kind = ParsedField::Kind::kEqual;
    p.name = std::string(f.substr(0, eq));
    p.value = std::string(f.substr(eq + 2));
  } else if (eq + 1 < f.size() && f[eq + 1] == '!') {
    p.kind = ParsedField::Kind::kNotEqual;
    p.name = std::string(f.substr(0, eq));
    p.value = std::string(f.substr(eq + 2));
  } else {
    p.kind = ParsedField::Kind::kOldAssign;
    p.name = std::string(f.substr(0, eq));
    p.value = std::string(f.substr(eq + 1));
  }
  return p;
}

namespace {

bool HasUnbalancedQuote(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (c == '"');
  return n % 2 != 0;
}

int ValidateLocation(std::string_view text, int column, Diagnostics* diag) {
  int problems = 0;
  auto report = [&](int col, std::string msg) {
    diag->Warning(std::move(msg), column + col - 1);
    ++problems;
  };
  if (HasUnbalancedQuote(text)) report(1, "unbalanced '\"' in \"" + Printable(text) + "\"");
  for (const Field& field : SplitFields(text)) {
    ParsedField p = ClassifyField(field.text);
    const VariableInfo* var = nullptr;
    switch (p.kind) {
      case ParsedField::Kind::kNoValue:
        report(field.column, "no value component in \"" + Printable(field.text) + "\"");
        break;
      case ParsedField::Kind::kBadFunction:
        report(field.column, "malformed function call \"" + Printable(field.text) + "\"");
        break;
      case ParsedField::Kind::kFunction:
      case ParsedField::Kind::kNotFunction:
        if (!FindFunction(p.name)) {
          report(field.column, "unknown function \"" + Printable(p.name) +
                                   "\" (the location will never be selected)");
        }
        break;
      case ParsedField::Kind::kAssign:
      case ParsedField::Kind::kOldAssign:
        var = FindVariable(p.name);
        if (var == nullptr) {
          report(field.column, "unrecognized option \"" + Printable(p.name) + "\" (ignored)");
        } else if (var->kind != VariableKind::kOption) {
          report(field.column, "cannot assign to selector \"" + Printable(p.name) +
                                   "\" (the location will never be selected)");
        }
        break;
      case ParsedField::Kind::kEqual:
      case ParsedField::Kind::kNotEqual:
        var = FindVariable(p.name);
        if (var == nullptr) {
          report(field.column, "unrecognized selector \"" + Printable(p.name) + "\" (ignored)");
        }
        break;
    }
  }
  return problems;
}

}  // namespace

int ValidateEntry(std::string_view value, Diagnostics* diag) {
  int problems = 0;
  for (const LocationToken& tok : SplitLocations(value)) {
    switch (tok.kind) {
      case LocationToken::Kind::kLocation:
        problems += ValidateLocation(tok.text, tok.column, diag);
        break;
      case LocationToken::Kind::kDefaults:
        problems += ValidateLocation(tok.text, tok.column + 1, diag);
        break;
      case LocationToken::Kind::kCut:
      case LocationToken::Kind::kReset:
        break;
    }
  }
  return problems;
}

}  // namespace amd::maps
