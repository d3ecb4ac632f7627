// RunSubprocess; see subprocess.h.
#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>

#include "base/run_cgroup.h"

extern char** environ;

namespace amd {
namespace {

// clone3's arguments (linux/sched.h), to version 2 (with the cgroup).
struct CloneArgs {
  uint64_t flags = 0;
  uint64_t pidfd = 0;
  uint64_t child_tid = 0;
  uint64_t parent_tid = 0;
  uint64_t exit_signal = 0;
  uint64_t stack = 0;
  uint64_t stack_size = 0;
  uint64_t tls = 0;
  uint64_t set_tid = 0;
  uint64_t set_tid_size = 0;
  uint64_t cgroup = 0;
};
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

// Starts `path` in the cgroup `cgroup_fd` (clone3 with CLONE_INTO_CGROUP,
// so it is there before it runs a single instruction of its own), with
// what posix_spawn would have set up: standard input from /dev/null,
// output into `out`, error into `out` or /dev/null, an empty signal mask,
// a process group of its own when asked. The child makes only
// async-signal-safe calls. The pid, or -errno.
pid_t SpawnInCgroup(int cgroup_fd, const SubprocessSpec& spec, int out, char* const argv[],
                    char* const envp[]) {
  CloneArgs args;
  args.flags = kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) return -errno;
  if (pid > 0) return static_cast<pid_t>(pid);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (spec.new_process_group) ::setpgid(0, 0);
  int in = ::open("/dev/null", O_RDONLY);
  int null_out = ::open("/dev/null", O_WRONLY);
  if (in < 0 || null_out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
      ::dup2(spec.capture_stderr ? out : null_out, 2) < 0) {
    ::_exit(127);
  }
  ::execve(spec.path.c_str(), argv, envp);
  ::_exit(127);
}

}  // namespace

namespace {

// Starts the program with its standard output (and error, if captured)
// on `out`: in a cgroup of its own when the spec asks and one can be
// made (`cgroup` then holds it), else with posix_spawn. 0 or an errno.
int Spawn(const SubprocessSpec& spec, int out, std::optional<RunCgroup>* cgroup, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  if (spec.capture_stderr) {
    posix_spawn_file_actions_adddup2(&actions, out, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGMASK;
  if (spec.new_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setflags(&attr, flags);
  std::vector<std::string> copy = spec.argv;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* no_env[] = {nullptr};
  int rc = -1;
  if (spec.own_cgroup) {
    if (auto parent = DelegatedCgroup()) {
      auto made = RunCgroup::Create(*parent);
      if (made.ok()) cgroup->emplace(std::move(made.value()));
    }
  }
  if (*cgroup) {
    *pid = SpawnInCgroup((*cgroup)->fd(), spec, out, argv.data(),
                         spec.empty_environment ? no_env : environ);
    rc = *pid < 0 ? -*pid : 0;
    if (rc == ENOSYS || rc == EINVAL || rc == EOPNOTSUPP || rc == EPERM)
      cgroup->reset();  // an older kernel
  }
  if (!*cgroup) {
    rc = ::posix_spawn(pid, spec.path.c_str(), &actions, &attr, argv.data(),
                       spec.empty_environment ? no_env : environ);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

enum class ReadEnd { kDone, kTimedOut, kCancelled };

// Reads the program's output from `fd` until it ends, `done` says it is
// whole, the timeout passes, or the spec's `cancelled` says so (checked
// every 100 ms).
ReadEnd ReadOutput(const SubprocessSpec& spec, int fd, std::string* output) {
  auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  char buf[4096];
  while (true) {
    if (spec.cancelled && spec.cancelled()) return ReadEnd::kCancelled;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return ReadEnd::kTimedOut;
    if (spec.cancelled) left = std::min<long long>(left, 100);
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;  // the deadline and cancel are checked above
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return ReadEnd::kDone;
    if (output->size() < spec.max_output) output->append(buf, static_cast<size_t>(r));
    if (spec.done && spec.done(*output)) return ReadEnd::kDone;
  }
}

}  // namespace

Result<SubprocessResult> RunSubprocess(const SubprocessSpec& spec) {
  if (spec.path.empty() || spec.argv.empty()) return Status::Error("run: empty command");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  pid_t pid = -1;
  std::optional<RunCgroup> cgroup;
  int rc = Spawn(spec, fds[1], &cgroup, &pid);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::FromErrno("spawn(" + spec.path + ")", rc);
  }
  SubprocessResult result;
  ReadEnd end = ReadOutput(spec, fds[0], &result.output);
  ::close(fds[0]);
  // The group outlives the program while its (unreaped) pid holds the
  // group id, so the group's id names no one else here.
  if (spec.kill_group && spec.new_process_group) ::kill(-pid, SIGKILL);
  if (end != ReadEnd::kDone) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cgroup) cgroup->KillAll();  // what left the process group too
  if (end == ReadEnd::kTimedOut)
    return Status::Error(spec.path + ": timed out", std::errc::timed_out);
  if (end == ReadEnd::kCancelled)
    return Status::Error(spec.path + ": cancelled", std::errc::operation_canceled);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace amd
