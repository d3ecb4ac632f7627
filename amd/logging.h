// The daemon's logger from amd.conf log_file and log_options:
// "/dev/stderr" (the default; the journal under systemd), "syslog" or
// "syslog:FACILITY", or a file (appended to). log_options picks the level:
// debug or map give debug, the defaults give info; fatal and error can
// never be turned off.
//
// Threading: made at start-up; the logger is thread-safe. Ownership: the
// logger is shared (shared_ptr).
#ifndef AMD_AMD_LOGGING_H_
#define AMD_AMD_LOGGING_H_

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace amd {

// Whether log_file (amd.conf) means standard error.
bool LogsToStderr(const std::string& log_file);

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& log_file,
                                           const std::string& log_options, std::string* error);
// Applies new log_options (amq -x). False, changing nothing, when a word
// is not a log option.
bool SetLogOptions(spdlog::logger& log, const std::string& log_options);

}  // namespace amd

#endif  // AMD_AMD_LOGGING_H_
