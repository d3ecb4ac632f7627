// WorkerPool: the threads that make blocking calls for the engine (mount(2),
// program mounts, exec maps, name look-ups, the kernel's expire ioctl).
// Tasks with a server key run at most `per_server` at a time for that key,
// so one dead file server cannot take every worker; the rest queue.
// Thread-safe. Completion is the task's business (it posts back to the
// engine's io_context).
//
// A worker that runs out of work keeps watching the queue for `spin`
// before it sleeps (one worker at a time), so that a mount request that
// follows closely on the last one, as in a burst of accesses, starts
// without the cost of waking a sleeping thread, which on a virtual
// machine is a trip through the hypervisor.
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
  WorkerPool(size_t threads, size_t per_server,
             std::chrono::microseconds spin = std::chrono::microseconds(100));
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a worker. An empty `server` is not capped.
  void Submit(const std::string& server, std::function<void()> task);
  // Waits for every submitted task to finish (tasks may submit more
  // meanwhile); no new tasks after this.
  void Join();

 private:
  struct Queue {
    size_t running = 0;
    std::deque<std::function<void()>> waiting;
  };
  void Run();
  // Makes `task` runnable; mu_ held. True when a sleeper should be woken.
  bool PushLocked(std::function<void()> task);
  // Wraps a capped task so that it starts the next one of its server.
  std::function<void()> Capped(const std::string& server, std::function<void()> task);

  std::chrono::microseconds spin_;
  size_t per_server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> runnable_;  // guarded by mu_
  std::map<std::string, Queue> queues_;         // guarded by mu_
  size_t sleeping_ = 0;                         // guarded by mu_
  size_t active_ = 0;                           // tasks running; guarded by mu_
  bool stopping_ = false;                       // Join called; guarded by mu_
  bool joined_ = false;                         // guarded by mu_
  std::atomic<size_t> queued_{0};    // runnable_.size(), for spinners
  std::atomic<int> spinning_{0};
  std::vector<std::thread> threads_;
};

}  // namespace amd

#endif  // AMD_AMD_WORKER_POOL_H_
