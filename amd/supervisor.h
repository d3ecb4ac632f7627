// The supervisor: amd's main process. It forks the engine process, which
// does all the work, and holds what the kernel needs to keep waiting for
// an answer while no engine runs: a second read end of every autofs pipe
// (the kernel writes requests into a pipe only while someone can read
// it; otherwise it fails them and turns the mount catatonic), the process
// group (only that group's accesses bypass the automount points, and the
// kernel lets no other group take over without failing every waiter), and
// the InflightTable of requests read but not answered.
//
// When the engine process is killed (SIGKILL, a crash, the OOM killer),
// the supervisor starts a new one at once. The new engine re-adopts every
// mount through the held pipes, serves the requests the old one left in
// the table and those queued in the pipes meanwhile: no access fails.
// SIGTERM, SIGINT and SIGHUP are passed to the engine; when it exits, the
// supervisor exits with its status. An engine whose supervisor dies
// serves on (it gets SIGUSR2 and logs it) until another amd takes its
// autofs mounts over, then exits without unmounting. An engine that dies five times within 10 s of
// its start each time is not started again.
//
// Threading: Supervise runs on the process's only thread, before any other
// exists. Ownership: the supervisor owns the held pipes and the InflightTable;
// an engine gets them through EngineStart and owns what it takes (TakeHeld).
#ifndef AMD_AMD_SUPERVISOR_H_
#define AMD_AMD_SUPERVISOR_H_

#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "amd/inflight.h"

namespace amd {

// The engine's end of its link to the supervisor.
class SupervisorLink {
 public:
  SupervisorLink() = default;
  explicit SupervisorLink(int fd) : fd_(fd) {}
  // The supervisor keeps a duplicate of `pipe_fd`, the read end of the
  // autofs mount at `path` (replacing one it held for that path).
  void Hold(const std::string& path, int pipe_fd) const;
  // ... and lets it go when the mount is gone.
  void Release(const std::string& path) const;

 private:
  int fd_ = -1;
};

// What an engine process starts with.
struct EngineStart {
  int generation = 0;                     // 0 for the first engine
  std::map<std::string, int> held_pipes;  // from the engines before (by path)
  InflightTable* inflight = nullptr;
  SupervisorLink link;
  int ready_fd = -1;     // the detaching parent's; the first engine only
  pid_t supervisor = 0;  // amd's main process
};

// Takes the descriptor held under `key` out of `held` (-1 if none); the
// caller owns it then.
int TakeHeld(std::map<std::string, int>& held, const std::string& key);

// Runs `engine` in child processes as described above. Returns, in the
// supervisor, its exit status; in each engine process, `engine`'s return.
// Call with one thread only, before any other thread exists.
int Supervise(const std::shared_ptr<spdlog::logger>& log, int ready_fd,
              const std::function<int(EngineStart&)>& engine);

}  // namespace amd

#endif  // AMD_AMD_SUPERVISOR_H_
