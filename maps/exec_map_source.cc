// Exec map source; see exec_map_source.h. The program runs through
// RunSubprocess: posix_spawn, an empty environment, a deadline, its own
// process group killed when the answer is in.
#include "maps/exec_map_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "base/subprocess.h"

namespace amd::maps {

std::optional<std::string> CheckExecMapProgram(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  if (st.st_uid != 0) return path + " is not owned by root";
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) return path + " is not executable";
  if (st.st_mode & (S_ISUID | S_ISGID)) return path + " is setuid or setgid";
  if (st.st_mode & S_IWOTH) return path + " is writable by others";
  return std::nullopt;
}

bool HasCompleteEntry(const std::string& output) {
  bool continued = false;  // the line before ended with '\'
  size_t start = 0;
  for (size_t nl = output.find('\n'); nl != std::string::npos;
       start = nl + 1, nl = output.find('\n', start)) {
    std::string_view line = TrimSpace(std::string_view(output).substr(start, nl - start));
    bool blank = !continued && (line.empty() || line.front() == '#');
    continued = !line.empty() && line.back() == '\\';
    if (!blank && !continued) return true;
  }
  return false;
}

ProgramOutput RunMapProgram(const std::string& program, const std::string& arg, int timeout_s,
                            const std::atomic<bool>* cancel) {
  ProgramOutput out;
  SubprocessSpec spec;
  spec.path = program;
  spec.argv = {program, arg};
  spec.empty_environment = true;
  spec.new_process_group = true;
  spec.kill_group = true;
  spec.own_cgroup = true;
  spec.done = HasCompleteEntry;
  spec.timeout = std::chrono::seconds(timeout_s);
  if (cancel) spec.cancelled = [cancel] { return cancel->load(std::memory_order_relaxed); };
  auto r = RunSubprocess(spec);
  if (!r.ok()) {
    out.error = r.status().code() == std::errc::timed_out
                    ? program + " " + arg + ": no answer within " + std::to_string(timeout_s) + " s"
                : r.status().code() == std::errc::operation_canceled
                    ? program + " " + arg + ": stopped, the lookup was abandoned"
                    : r.status().ToString();
    return out;
  }
  out.ok = true;
  out.output = std::move(r->output);
  return out;
}

std::optional<std::string> ParseExecOutput(const std::string& output, const std::string& key) {
  auto text = MapText::Parse(output, "", nullptr);
  if (text->entries().empty()) {
    // A single word: a value with no key in front of it.
    std::string_view t = TrimSpace(output);
    size_t hash = t.find('#');
    if (hash != std::string_view::npos) t = TrimSpace(t.substr(0, hash));
    if (t.empty() || t == key) return std::nullopt;
    return std::string(t);
  }
  const MapEntry& e = text->entries().front();
  if (e.key == key) return std::string(e.value);
  return std::string(e.key) + " " + std::string(e.value);
}

SearchResult ExecMapSource::Search(const std::string& key, Diagnostics* diag) {
  std::atomic<bool> never{false};
  return SearchUntil(key, diag, never);
}

SearchResult ExecMapSource::SearchUntil(const std::string& key, Diagnostics* diag,
                                        const std::atomic<bool>& cancel) {
  if (auto bad = CheckExecMapProgram(name_)) return SearchResult::Error(*bad);
  ProgramOutput r = RunMapProgram(name_, key, timeout_s_, &cancel);
  if (!r.ok) {
    if (diag) diag->AddAt(Severity::kError, name_, 0, 0, r.error);
    return SearchResult::Error(r.error);
  }
  auto value = ParseExecOutput(r.output, key);
  if (!value) return SearchResult::NotFound();
  return SearchResult::Found(*std::move(value));
}

std::optional<int64_t> ExecMapSource::Stamp() {
  struct stat st;
  if (::stat(name_.c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace amd::maps
