// Formatting and bookkeeping for Diagnostic lists.
#include "base/diagnostic.h"

namespace amd {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kDebug:
      return "debug";
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

std::string Diagnostic::ToString(bool with_severity) const {
  std::string out;
  if (!file.empty()) {
    out += file;
    out += ':';
  }
  if (line > 0) {
    out += std::to_string(line);
    out += ':';
    if (column > 0) {
      out += std::to_string(column);
      out += ':';
    }
  }
  if (!out.empty()) out += ' ';
  if (with_severity) {
    out += SeverityName(severity);
    out += ": ";
  }
  out += message;
  return out;
}

void Diagnostics::Add(Severity severity, std::string message, int column) {
  items_.push_back(Diagnostic{severity, file_, line_, column, std::move(message)});
}

void Diagnostics::AddAt(Severity severity, std::string_view file, int line, int column,
                        std::string message) {
  items_.push_back(Diagnostic{severity, std::string(file), line, column, std::move(message)});
}

bool Diagnostics::HasErrors() const { return CountAtLeast(Severity::kError) > 0; }

size_t Diagnostics::CountAtLeast(Severity severity) const {
  size_t n = 0;
  for (const auto& d : items_) {
    if (d.severity >= severity) ++n;
  }
  return n;
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

}  // namespace amd
