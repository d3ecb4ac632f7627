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

// A sink that hands every message on with LogSafe applied: names, paths and
// map text that peers supply (a LOOKUP name with ESC in it, say) reach the
// log with their control characters escaped, whichever sink it is.
class EscapingSink : public spdlog::sinks::sink {
 public:
  explicit EscapingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (std::all_of(payload.begin(), payload.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
      inner_->log(msg);
      return;
    }
    std::string safe = LogSafe(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace

bool LogsToStderr(const std::string& log_file) {
  return log_file.empty() || log_file == "/dev/stderr";
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& log_file,
                                           const std::string& log_options, std::string* error) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (LogsToStderr(log_file)) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (log_file == "syslog" || log_file.rfind("syslog:", 0) == 0) {
      int facility = log_file.size() > 7 ? Facility(log_file.substr(7)) : LOG_DAEMON;
      sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("amd", LOG_PID, facility, false);
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, false);
    }
  } catch (const std::exception& e) {
    *error = "log_file " + log_file + ": " + e.what();
    return nullptr;
  }
  auto log =
      std::make_shared<spdlog::logger>("amd", std::make_shared<EscapingSink>(std::move(sink)));
  // (The syslog sink sends the bare message: syslog adds time, name, pid
  // and the level as the priority.)
  log->set_pattern("%Y-%m-%d %H:%M:%S.%e amd[%P]: %l: %v");
  log->set_level(LevelOf(log_options));
  log->flush_on(spdlog::level::info);
  return log;
}

bool SetLogOptions(spdlog::logger& log, const std::string& log_options) {
  static const std::string_view kNames[] = {"fatal", "error", "user",  "warn", "warning", "info",
                                            "map",   "stats", "debug", "all",  "defaults"};
  for (std::string_view o : SplitOn(log_options, ',')) {
    std::string_view name = o.substr(0, 2) == "no" ? o.substr(2) : o;
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) return false;
  }
  log.set_level(LevelOf(log_options));
  return true;
}

}  // namespace amd
