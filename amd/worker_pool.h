// WorkerPool: the threads that make blocking calls for the engine (mount(2),
// program mounts, exec maps, name look-ups, the kernel's expire ioctl).
// Tasks with a server key run at most `per_server` at a time for that key,
// so one dead file server cannot take every worker; the rest queue.
// Thread-safe. Completion is the task's business (it posts back to the
// engine's io_context).
#ifndef AMD_AMD_WORKER_POOL_H_
#define AMD_AMD_WORKER_POOL_H_

#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace amd {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t per_server);
  ~WorkerPool();

  // Runs `task` on a worker. An empty `server` is not capped.
  void Submit(const std::string& server, std::function<void()> task);
  // Waits for every submitted task to finish; no new tasks after this.
  void Join();

 private:
  struct Queue {
    size_t running = 0;
    std::deque<std::function<void()>> waiting;
  };
  void Start(const std::string& server, std::function<void()> task);

  boost::asio::thread_pool pool_;
  size_t per_server_;
  std::mutex mu_;
  std::map<std::string, Queue> queues_;  // guarded by mu_
};

}  // namespace amd

#endif  // AMD_AMD_WORKER_POOL_H_
