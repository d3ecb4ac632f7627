// Diagnostics: the messages that parsers and evaluators report about their
// input (a map line, an amd.conf line, a selector that did not match).
//
// Parsers never print and never throw on bad input: they append a Diagnostic
// naming the file, line and column, and carry on with what they could use.
// The caller decides where the list goes (stderr, the log, `amd --explain`).
// Not thread-safe; one Diagnostics per operation.
#ifndef AMD_BASE_DIAGNOSTIC_H_
#define AMD_BASE_DIAGNOSTIC_H_

#include <string>
#include <string_view>
#include <vector>

namespace amd {

enum class Severity { kDebug, kInfo, kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;  // empty when the input has no file (a string, a program)
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string message;

  // "file:line:column: error: message" (parts that are unknown are left
  // out; the severity too when !with_severity, for loggers that print it).
  std::string ToString(bool with_severity = true) const;
};

class Diagnostics {
 public:
  // Where the next messages come from; used when a call gives no position.
  void SetLocation(std::string_view file, int line) {
    file_ = std::string(file);
    line_ = line;
  }
  const std::string& file() const { return file_; }
  int line() const { return line_; }

  void Add(Severity severity, std::string message, int column = 0);
  void AddAt(Severity severity, std::string_view file, int line, int column, std::string message);
  void Error(std::string message, int column = 0) {
    Add(Severity::kError, std::move(message), column);
  }
  void Warning(std::string message, int column = 0) {
    Add(Severity::kWarning, std::move(message), column);
  }
  void Info(std::string message) { Add(Severity::kInfo, std::move(message)); }
  void Debug(std::string message) { Add(Severity::kDebug, std::move(message)); }

  const std::vector<Diagnostic>& items() const { return items_; }
  bool HasErrors() const;
  size_t CountAtLeast(Severity severity) const;
  void Append(const Diagnostics& other);
  void Clear() { items_.clear(); }

 private:
  std::string file_;
  int line_ = 0;
  std::vector<Diagnostic> items_;
};

const char* SeverityName(Severity severity);

}  // namespace amd

#endif  // AMD_BASE_DIAGNOSTIC_H_
