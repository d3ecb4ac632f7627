// amd.conf syntax; see the header. Line-oriented except that a quoted value
// may run over several lines, as in the original.
#include "conf/amd_conf_parser.h"

#include "base/strings.h"

namespace amd::conf {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file, Diagnostics* diag)
      : text_(text), file_(file), diag_(diag) {}

  std::optional<std::vector<ConfSection>> Run() {
    while (pos_ < text_.size()) ParseLine();
    if (errors_) return std::nullopt;
    return std::move(sections_);
  }

 private:
  void Error(int line, std::string msg) {
    diag_->AddAt(Severity::kError, file_, line, 0, std::move(msg));
    ++errors_;
  }
  void Warning(int line, std::string msg) {
    diag_->AddAt(Severity::kWarning, file_, line, 0, std::move(msg));
  }
  std::string_view TakeLine() {
    size_t eol = text_.find('\n', pos_);
    if (eol == std::string_view::npos) eol = text_.size();
    std::string_view l = text_.substr(pos_, eol - pos_);
    pos_ = eol + 1;
    ++line_;
    return l;
  }
  void ParseLine();
  void ParseSection(std::string_view l);
  void ParseAssignment(std::string_view l, size_t start);

  std::string_view text_;
  std::string_view file_;
  Diagnostics* diag_;
  size_t pos_ = 0;
  int line_ = 0;
  int errors_ = 0;
  std::vector<ConfSection> sections_;
};

void Parser::ParseLine() {
  size_t line_start = pos_;
  std::string_view l = TakeLine();
  std::string_view t = TrimSpace(l);
  if (t.empty() || t.front() == '#') return;
  if (t.front() == '[') {
    ParseSection(t);
    return;
  }
  ParseAssignment(l, line_start);
}

void Parser::ParseSection(std::string_view t) {
  size_t close = t.find(']');
  if (close == std::string_view::npos) {
    Error(line_, "section header without ']'");
    return;
  }
  std::string_view name = TrimSpace(t.substr(1, close - 1));
  std::string_view rest = TrimSpace(t.substr(close + 1));
  if (!rest.empty() && rest.front() != '#') {
    Error(line_, "unexpected text after section header: \"" + Printable(rest) + "\"");
    return;
  }
  if (name.empty() || name.find_first_of(" \t\"[") != std::string_view::npos) {
    Error(line_, "bad section name \"" + Printable(name) + "\"");
    return;
  }
  sections_.push_back(ConfSection{std::string(name), line_, {}});
}

void Parser::ParseAssignment(std::string_view l, size_t line_start) {
  int line = line_;
  size_t i = 0;
  while (i < l.size() && IsSpace(l[i])) ++i;
  size_t k = i;
  while (i < l.size() && IsKeyChar(l[i])) ++i;
  std::string key(l.substr(k, i - k));
  while (i < l.size() && IsSpace(l[i])) ++i;
  if (key.empty() || i >= l.size() || l[i] != '=') {
    Error(line, "expected \"key = value\", got \"" + Printable(TrimSpace(l)) + "\"");
    return;
  }
  ++i;
  while (i < l.size() && IsSpace(l[i])) ++i;
  std::string value;
  size_t after;  // offset in l after the value
  if (i + 1 < l.size() && l[i] == '"' && l[i + 1] == '"') {
    // An empty quoted value: the original's lexer reads "" as those two
    // characters; it is meant as nothing, and read so.
    Warning(line,
            "\"" + key +
                "\" = \"\": an empty value (the original reads it as the two characters \"\")");
    after = i + 2;
  } else if (i < l.size() && l[i] == '"' &&
             text_.find('"', line_start + i + 1) == std::string_view::npos) {
    // No closing quote anywhere: the original takes the rest of the line,
    // quote included; amd takes the rest of the line.
    value = std::string(TrimSpace(l.substr(i + 1)));
    Warning(line, "\"" + key +
                      "\": no closing quote; the value is read to the end of the line: \"" +
                      Printable(value) + "\"");
    after = l.size();
  } else if (i < l.size() && l[i] == '"') {
    // A quoted value; it may continue on the following lines.
    size_t abs = line_start + i + 1;
    size_t close = text_.find('"', abs);
    value = std::string(text_.substr(abs, close - abs));
    for (char c : value) line_ += (c == '\n');
    size_t eol = text_.find('\n', close);
    if (eol == std::string_view::npos) eol = text_.size();
    l = text_.substr(close + 1, eol - close - 1);
    pos_ = eol + 1;
    after = 0;
  } else {
    size_t v = i;
    while (i < l.size() && !IsSpace(l[i])) ++i;
    value = std::string(l.substr(v, i - v));
    after = i;
  }
  std::string_view rest = TrimSpace(l.substr(after));
  if (!rest.empty() && rest.front() != '#') {
    Error(line, "value of \"" + key + "\" has spaces; quote it: " + key + " = \"" +
                    Printable(value) + " " + Printable(rest) + "\"");
    return;
  }
  if (sections_.empty()) {
    Error(line, "\"" + key + "\" before any [section]");
    return;
  }
  sections_.back().entries.push_back(ConfEntry{std::move(key), std::move(value), line});
}

}  // namespace

std::optional<std::vector<ConfSection>> ParseAmdConf(std::string_view text,
                                                     std::string_view file_name,
                                                     Diagnostics* diag) {
  Parser p(text, file_name, diag);
  return p.Run();
}

}  // namespace amd::conf
