// WorkerPool: the threads that make blocking calls for the engine (mount(2),
// program mounts, exec maps, name look-ups, the kernel's expire ioctl).
// Tasks run in lanes. A task with a lane key runs at most `per_lane` at a
// time for that key, so one dead file server, or one map program that
// hangs, cannot take every worker; the rest queue. Lanes are of two kinds:
// file servers (kServer), and map sources that may block (kMapSource: exec
// maps). All map-source lanes together run at most half the workers, so
// however many map programs hang, mounts and the other maps keep the rest;
// their waiting tasks start in turn, lane by lane.
// Thread-safe. Completion is the task's business (it posts back to the
// engine's io_context).
//
// A worker that runs out of work keeps watching the queue for `spin`
// before it sleeps (one worker at a time), so that a mount request that
// follows closely on the last one, as in a burst of accesses, starts
// without the cost of waking a sleeping thread, which on a virtual
// machine is a trip through the hypervisor.
//
// Ownership: the pool owns its threads and queued tasks until they run.
#ifndef AMD_AMD_WORKER_POOL_H_
#define AMD_AMD_WORKER_POOL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace amd {

class WorkerPool {
 public:
  enum class LaneKind { kServer, kMapSource };

  WorkerPool(size_t threads, size_t per_lane,
             std::chrono::microseconds spin = std::chrono::microseconds(100));
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a worker. An empty `lane` is not capped.
  void Submit(const std::string& lane, std::function<void()> task,
              LaneKind kind = LaneKind::kServer);
  // Waits for every submitted task to finish (tasks may submit more
  // meanwhile); no new tasks after this.
  void Join();

 private:
  struct Lane {
    size_t running = 0;
    std::deque<std::function<void()>> waiting;
  };
  struct Kind {
    size_t cap = 0;  // tasks of all its lanes running at once
    size_t running = 0;
    std::map<std::string, Lane> lanes;
    std::string last;  // the lane started last, for turns
  };
  void Run();
  // Makes `task` runnable; mu_ held. True when a sleeper should be woken.
  bool PushLocked(std::function<void()> task);
  // Starts the waiting tasks of `kind` that its caps allow; mu_ held.
  bool DispatchLocked(LaneKind kind);
  // Wraps a lane's task so that, done, it lets the next one start.
  std::function<void()> Capped(LaneKind kind, const std::string& lane, std::function<void()> task);

  std::chrono::microseconds spin_;
  size_t per_lane_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> runnable_;  // guarded by mu_
  Kind kinds_[2];                               // guarded by mu_
  size_t sleeping_ = 0;                         // guarded by mu_
  size_t active_ = 0;                           // tasks running; guarded by mu_
  bool stopping_ = false;                       // Join called; guarded by mu_
  bool joined_ = false;                         // guarded by mu_
  std::atomic<size_t> queued_{0};               // runnable_.size(), for spinners
  std::atomic<int> spinning_{0};
  std::vector<std::thread> threads_;
};

}  // namespace amd

#endif  // AMD_AMD_WORKER_POOL_H_
