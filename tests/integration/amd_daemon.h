// AmdDaemon: runs the real amd binary for an integration test, with a
// config and maps in a TempDir, and waits for its READY=1 on a notify
// socket the test owns (so readiness is exact, and Type=notify is tested).
// The destructor stops amd (SIGTERM, then SIGKILL after a bound) and
// detaches whatever is still mounted below the test directory.
#ifndef AMD_TESTS_INTEGRATION_AMD_DAEMON_H_
#define AMD_TESTS_INTEGRATION_AMD_DAEMON_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/fakes/temp_dir.h"

namespace amd::testing {

class AmdDaemon {
 public:
  explicit AmdDaemon(const TempDir& dir);
  ~AmdDaemon();

  // Writes dir/amd.conf: a [global] with search_path, auto_dir, plock = no
  // and `global_extra`, then `sections`.
  void WriteConf(const std::string& global_extra, const std::string& sections);
  void WriteMap(const std::string& name, const std::string& text);
  // Starts amd; true when it said READY=1 within `timeout`.
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends `sig` and waits for amd to exit; its exit status, or -1. Its
  // engine process is waited for too, except after SIGKILL, which leaves
  // it serving (it is killed at the latest by the destructor).
  int Stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGKILL to amd and to its engine: no amd process is left.
  void KillAll();
  // Sends a signal without waiting (SIGHUP for reload).
  void Signal(int sig);
  // Waits for a second READY=1 (after a reload).
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string Log() const;
  // amd's pid: the supervisor's (amd/supervisor.h).
  pid_t pid() const { return pid_; }
  // The engine process's pid (amd's child), or -1.
  pid_t EnginePid() const;
  const std::string& root() const { return root_; }
  // Arguments added to amd's command line from the next Start on.
  std::vector<std::string> extra_args;

 private:
  std::string root_;
  std::string socket_path_;
  int notify_fd_ = -1;
  pid_t pid_ = -1;
  std::vector<pid_t> strays_;  // engines whose amd was killed
  // Appends to amd.log, for the test's report, what amd's processes and
  // their threads were doing when they did not exit in time.
  void ReportStuck(pid_t engine, std::chrono::milliseconds timeout) const;
};

// Whether process `pid` has exited (gone, or a zombie not yet reaped).
bool ProcessGone(pid_t pid);

// Polls `pred` every 100 ms until it holds or `limit` passes; its last value.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit);

// Helpers for assertions.
std::string ReadText(const std::string& path);  // "" when unreadable
int ErrnoOfStat(const std::string& path);       // 0 or errno
bool IsMountPoint(const std::string& path);     // per /proc/self/mountinfo
int MountCountUnder(const std::string& dir);

}  // namespace amd::testing

#endif  // AMD_TESTS_INTEGRATION_AMD_DAEMON_H_
