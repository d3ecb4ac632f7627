// RunSubprocess: starts a program with posix_spawn (no fork of the caller's
// address space, no shell), reads what it prints until it exits or a
// deadline passes (then kills it), and waits for it. Blocking; thread-safe.
// Used for exec maps and for program mounts.
#ifndef AMD_BASE_SUBPROCESS_H_
#define AMD_BASE_SUBPROCESS_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace amd {

struct SubprocessSpec {
  std::string path;                // the program
  std::vector<std::string> argv;   // its argument vector, argv[0] included
  bool empty_environment = false;  // else this process's environment
  bool capture_stderr = false;     // else standard error goes to /dev/null
  bool new_process_group = false;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  size_t max_output = 65536;  // more is read and dropped
  // When set, reading stops as soon as done(output so far) holds: the
  // answer is in, whatever the program's children do with its output
  // afterwards (a background child that keeps it open, say).
  std::function<bool(const std::string& output)> done;
  // With new_process_group: when the run ends (exit, answer, timeout),
  // SIGKILL to every process still in the program's group, so that
  // nothing it started in the background outlives it.
  bool kill_group = false;
  // When this process has a delegated cgroup v2 (base/run_cgroup.h): the
  // program starts in a cgroup of its own below it, and when the run ends
  // everything in that cgroup is killed and the cgroup removed, so that
  // nothing it started outlives it, even outside its process group.
  bool own_cgroup = false;
  // When set, checked at least every 100 ms: once it holds, the program
  // (and with kill_group its group) is killed and the run fails with
  // std::errc::operation_canceled.
  std::function<bool()> cancelled;
};

struct SubprocessResult {
  int exit_status = 0;  // exit code, or 128 + signal
  std::string output;   // standard output (and error, when captured)
};

// An error when the program cannot be started, does not finish in time
// (std::errc::timed_out; it is killed) or is cancelled.
Result<SubprocessResult> RunSubprocess(const SubprocessSpec& spec);

}  // namespace amd

#endif  // AMD_BASE_SUBPROCESS_H_
