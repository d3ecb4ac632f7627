// One expansion pass over a map string, following amd/opts.c expand_op():
//  - "$x" (an unknown $ sequence) loses both characters, and a trailing
//    '$' is dropped (the original read past the end);
//  - a "${" without a closing '}' is dropped and the rest kept;
// (the map loader warns of each, with file and line: ValidateEntry), except
// where amd-maps(5) lists a deliberate difference:
//  - ${wire}/${network}/${netnumber} expand to nothing instead of crashing.
#include "maps/expander.h"

namespace amd::maps {
namespace {

enum class Part { kAll, kDir, kFile, kDomain, kHost };

std::string_view TakePart(std::string_view val, Part part) {
  switch (part) {
    case Part::kAll:
      return val;
    case Part::kDir: {  // ${var/}: all but the last component
      size_t p = val.rfind('/');
      return p == std::string_view::npos ? val : val.substr(0, p);
    }
    case Part::kFile: {  // ${/var}: the last component
      size_t p = val.rfind('/');
      return p == std::string_view::npos ? val : val.substr(p + 1);
    }
    case Part::kDomain: {  // ${.var}: after the first '.'
      size_t p = val.find('.');
      return p == std::string_view::npos ? std::string_view() : val.substr(p + 1);
    }
    case Part::kHost: {  // ${var.}: before the first '.'
      size_t p = val.find('.');
      return p == std::string_view::npos ? val : val.substr(0, p);
    }
  }
  return val;
}

// Appends the reference unexpanded, as the other pass will need it.
void CopyReference(std::string* out, std::string_view name, Part part) {
  *out += "${";
  if (part == Part::kFile) *out += '/';
  if (part == Part::kDomain) *out += '.';
  *out += name;
  if (part == Part::kDir) *out += '/';
  if (part == Part::kHost) *out += '.';
  *out += '}';
}

// Expands the body of one ${...}. Returns false on a problem already reported.
void ExpandReference(std::string_view body, ExpandPass pass, const ExpandScope& scope,
                     Diagnostics* diag, std::string* out) {
  Part part = Part::kAll;
  std::string_view name = body;
  if (!name.empty() && name.front() == '/') {
    part = Part::kFile;
    name.remove_prefix(1);
  } else if (!name.empty() && name.back() == '/') {
    part = Part::kDir;
    name.remove_suffix(1);
  } else if (!name.empty() && name.front() == '.') {
    part = Part::kDomain;
    name.remove_prefix(1);
  } else if (!name.empty() && name.back() == '.') {
    part = Part::kHost;
    name.remove_suffix(1);
  }
  if (name.size() > kMaxVariableName) name = name.substr(0, kMaxVariableName);

  // ".key" and "key." are table names of their own; the part markers above
  // would otherwise eat their dot.
  const VariableInfo* var = FindVariable(name);
  if (var == nullptr && (body == ".key" || body == "key.")) {
    var = FindVariable(body);
    part = Part::kAll;
    name = body;
  }
  if (var == nullptr) {
    if (scope.taint) scope.taint->unsafe = true;  // the environment
    std::optional<std::string> env;
    if (scope.world != nullptr) env = scope.world->Getenv(std::string(name));
    if (env) {
      *out += *env;
    } else if (diag) {
      diag->Warning("unknown variable \"${" + std::string(name) + "}\" expands to nothing");
    }
    return;
  }
  bool selector_like = var->kind == VariableKind::kSelector;
  bool this_pass = (pass == ExpandPass::kSelectors) == selector_like;
  if (!this_pass) {
    CopyReference(out, name, part);
    return;
  }
  if (scope.taint && var->kind == VariableKind::kSelector) {
    Selector s = var->selector;
    if (s == Selector::kDotKey || s == Selector::kKeyDot ||
        ((s == Selector::kKey || s == Selector::kPath) && part != Part::kAll)) {
      scope.taint->unsafe = true;  // a part of the key
    }
    if (s == Selector::kUid || s == Selector::kGid)
      scope.taint->unsafe = true;  // the caller's, per request
  }
  switch (var->kind) {
    case VariableKind::kSelector:
      if (scope.selectors) *out += TakePart(scope.selectors->Get(var->selector), part);
      return;
    case VariableKind::kOption:
      if (scope.options) {
        const auto& v = scope.options->Get(var->option);
        if (v) *out += TakePart(*v, part);
      }
      return;
    case VariableKind::kDollar:
      *out += TakePart("$", part);
      return;
    case VariableKind::kNetwork:
      if (diag) diag->Warning("\"${" + std::string(name) + "}\" has no value");
      return;
  }
}

}  // namespace

std::optional<DollarSequence> NextDollarSequence(std::string_view text, size_t pos) {
  using Kind = DollarSequence::Kind;
  size_t dollar = text.find('$', pos);
  if (dollar == std::string_view::npos) return std::nullopt;
  DollarSequence seq;
  seq.begin = dollar;
  if (dollar + 1 >= text.size()) {
    seq.kind = Kind::kTrailing;
    seq.end = text.size();
  } else if (text[dollar + 1] == '$') {
    seq.kind = Kind::kDollar;
    seq.end = dollar + 2;
  } else if (text[dollar + 1] != '{') {
    seq.kind = Kind::kUnknown;
    seq.end = dollar + 2;
  } else if (size_t close = text.find('}', dollar + 2); close == std::string_view::npos) {
    seq.kind = Kind::kUnclosed;
    seq.end = text.size();
  } else {
    seq.kind = Kind::kReference;
    seq.name = text.substr(dollar + 2, close - dollar - 2);
    seq.end = close + 1;
  }
  return seq;
}

std::optional<std::string> Expand(std::string_view text, ExpandPass pass, const ExpandScope& scope,
                                  Diagnostics* diag, size_t limit) {
  using Kind = DollarSequence::Kind;
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size() && out.size() <= limit) {
    auto seq = NextDollarSequence(text, pos);
    if (!seq) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, seq->begin - pos));
    pos = seq->end;
    switch (seq->kind) {
      case Kind::kDollar:
        out += '$';
        break;
      case Kind::kReference:
        ExpandReference(seq->name, pass, scope, diag, &out);
        break;
      case Kind::kUnclosed:
        if (diag) diag->Warning("no closing '}' in \"" + std::string(text) + "\"; \"${\" dropped");
        out.append(text.substr(seq->begin + 2));
        break;
      case Kind::kUnknown:
        if (diag) {
          diag->Warning("unknown $ sequence \"" + std::string(text.substr(seq->begin, 2)) +
                        "\" in \"" + std::string(text) + "\" dropped");
        }
        break;
      case Kind::kTrailing:
        if (diag) diag->Warning("lone '$' at the end of \"" + std::string(text) + "\" dropped");
        break;
    }
  }
  if (out.size() > limit) {
    if (diag) {
      diag->Error("expansion of \"" + std::string(text.substr(0, 80)) + "...\" is longer than " +
                  std::to_string(limit) + " characters");
    }
    return std::nullopt;
  }
  // Most values have nothing to normalize: keep them as they are.
  if (scope.normalize_slashes &&
      (out.find("//") != std::string::npos || out.find("\\/") != std::string::npos)) {
    return NormalizeSlashes(out);
  }
  return out;
}

std::string NormalizeSlashes(std::string_view s) {
  size_t first = s.find('/');
  if (first == std::string_view::npos) return std::string(s);
  std::string out(s.substr(0, first));
  size_t i = first;
  bool first_run = true;
  while (i < s.size()) {
    // s[i] == '/'
    if (first_run && i + 1 < s.size() && s[i + 1] == '/') {
      out += "//";
      i += 2;
    } else {
      out += '/';
      ++i;
    }
    first_run = false;
    while (i < s.size() && s[i] == '/') ++i;
    while (i < s.size() && s[i] != '/') {
      if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '/') ++i;
      out += s[i++];
    }
  }
  return out;
}

void Deslashify(std::string* s) {
  while (s->size() > 1 && s->back() == '/') s->pop_back();
}

}  // namespace amd::maps
