// Logger construction; see logging.h.
#include "amd/logging.h"

#include <algorithm>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include "base/strings.h"

namespace amd {
namespace {

int Facility(std::string_view name) {
  static const std::pair<std::string_view, int> kFacilities[] = {
      {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
      {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
      {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
      {"local7", LOG_LOCAL7}, {"auth", LOG_AUTH},     {"syslog", LOG_SYSLOG},
  };
  for (const auto& [n, f] : kFacilities) {
    if (n == name) return f;
  }
  return LOG_DAEMON;  // the original's fall-back
}

// The lowest level log_options enables: the original's classes are
// fatal/error (always on), user/warn/warning, info/stats, map/debug;
// "defaults" is fatal,error,user,warning,info and "all" is everything; a
// "no" prefix turns a class off.
spdlog::level::level_enum LevelOf(const std::string& options) {
  bool warn = false, info = false, debug = false;
  for (std::string_view o : SplitOn(options, ',')) {
    bool on = o.substr(0, 2) != "no";
    std::string_view name = on ? o : o.substr(2);
    if (name == "all") warn = info = debug = on;
    if (name == "defaults") warn = info = on;
    if (name == "user" || name == "warn" || name == "warning") warn = on;
    if (name == "info" || name == "stats") info = on;
    if (name == "map" || name == "debug") debug = on;
  }
  if (debug) return spdlog::level::debug;
  if (info) return spdlog::level::info;
  if (warn) return spdlog::level::warn;
  return spdlog::level::err;
}

}  // namespace

bool LogsToStderr(const std::string& log_file) { return log_file.empty() || log_file == "/dev/stderr"; }

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& log_file,
                                           const std::string& log_options, std::string* error) {
  std::shared_ptr<spdlog::logger> log;
  try {
    if (LogsToStderr(log_file)) {
      log = std::make_shared<spdlog::logger>("amd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else if (log_file == "syslog" || log_file.rfind("syslog:", 0) == 0) {
      int facility = log_file.size() > 7 ? Facility(log_file.substr(7)) : LOG_DAEMON;
      log = std::make_shared<spdlog::logger>(
          "amd", std::make_shared<spdlog::sinks::syslog_sink_mt>("amd", LOG_PID, facility, false));
    } else {
      log = std::make_shared<spdlog::logger>(
          "amd", std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, false));
    }
  } catch (const std::exception& e) {
    *error = "log_file " + log_file + ": " + e.what();
    return nullptr;
  }
  // (The syslog sink sends the bare message: syslog adds time, name, pid
  // and the level as the priority.)
  log->set_pattern("%Y-%m-%d %H:%M:%S.%e amd[%P]: %l: %v");
  log->set_level(LevelOf(log_options));
  log->flush_on(spdlog::level::info);
  return log;
}

bool SetLogOptions(spdlog::logger& log, const std::string& log_options) {
  static const std::string_view kNames[] = {"fatal", "error", "user", "warn", "warning", "info",
                                            "map",   "stats", "debug", "all", "defaults"};
  for (std::string_view o : SplitOn(log_options, ',')) {
    std::string_view name = o.substr(0, 2) == "no" ? o.substr(2) : o;
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) return false;
  }
  log.set_level(LevelOf(log_options));
  return true;
}

}  // namespace amd
