// Exec map source; see exec_map_source.h. The program is started with
// posix_spawn (no fork of the daemon's address space) and read with poll()
// against a deadline.
#include "maps/exec_map_source.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/strings.h"

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

ProgramOutput RunMapProgram(const std::string& program, const std::string& arg, int timeout_s) {
  ProgramOutput out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::string argv0 = program;
  std::vector<char*> argv = {argv0.data(), const_cast<char*>(arg.c_str()), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    out.error = program + ": " + std::strerror(rc);
    return out;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool timed_out = false;
  char buf[4096];
  while (out.output.size() < 65536) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      timed_out = n == 0;
      break;
    }
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.output.append(buf, static_cast<size_t>(r));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    out.error = program + " " + arg + ": no answer within " + std::to_string(timeout_s) + " s";
    return out;
  }
  out.ok = true;
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
  if (auto bad = CheckExecMapProgram(name_)) return SearchResult::Error(*bad);
  ProgramOutput r = RunMapProgram(name_, key, timeout_s_);
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
