// WorkerPool; see worker_pool.h.
#include "amd/worker_pool.h"

#include "amd/run_loop.h"

namespace amd {

WorkerPool::WorkerPool(size_t threads, size_t per_server, std::chrono::microseconds spin)
    : spin_(spin), per_server_(per_server == 0 ? 1 : per_server) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Join(); }

bool WorkerPool::PushLocked(std::function<void()> task) {
  runnable_.push_back(std::move(task));
  queued_.fetch_add(1, std::memory_order_release);
  // A spinning worker will take it; otherwise wake a sleeper.
  return sleeping_ > 0 && spinning_.load(std::memory_order_acquire) == 0;
}

std::function<void()> WorkerPool::Capped(const std::string& server, std::function<void()> task) {
  return [this, server, task = std::move(task)]() mutable {
    task();
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Queue& q = queues_[server];
      if (q.waiting.empty()) {
        --q.running;
        if (q.running == 0) queues_.erase(server);
        return;
      }
      std::function<void()> next = std::move(q.waiting.front());
      q.waiting.pop_front();
      wake = PushLocked(Capped(server, std::move(next)));
    }
    if (wake) cv_.notify_one();
  };
}

void WorkerPool::Submit(const std::string& server, std::function<void()> task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (joined_) return;  // dropped: its replies fail as they are destroyed
    if (server.empty()) {
      wake = PushLocked(std::move(task));
    } else {
      Queue& q = queues_[server];
      if (q.running >= per_server_) {
        q.waiting.push_back(std::move(task));
        return;
      }
      ++q.running;
      wake = PushLocked(Capped(server, std::move(task)));
    }
  }
  if (wake) cv_.notify_one();
}

void WorkerPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::function<void()> task;
    {
      if (runnable_.empty() && !stopping_ && spinning_.load(std::memory_order_relaxed) == 0 &&
          spin_.count() > 0) {
        // Watch for new work a little while before sleeping.
        spinning_.fetch_add(1, std::memory_order_acq_rel);
        lock.unlock();
        auto until = std::chrono::steady_clock::now() + spin_;
        while (queued_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until) {
          SpinPause();
        }
        lock.lock();
        spinning_.fetch_sub(1, std::memory_order_acq_rel);
      }
      ++sleeping_;
      // Stopping, a worker leaves once nothing runs that could submit more.
      cv_.wait(lock, [this] { return !runnable_.empty() || (stopping_ && active_ == 0); });
      --sleeping_;
      if (runnable_.empty()) {
        cv_.notify_all();  // the others leave too
        return;
      }
      task = std::move(runnable_.front());
      runnable_.pop_front();
      queued_.fetch_sub(1, std::memory_order_release);
      ++active_;
      // Submit wakes nobody while a worker spins; the spinner takes one
      // task, so it passes the wake-up on for the rest.
      if (!runnable_.empty() && sleeping_ > 0) cv_.notify_one();
    }
    lock.unlock();
    task();
    task = nullptr;  // what it holds goes before the count does
    lock.lock();
    --active_;
    if (stopping_ && active_ == 0) cv_.notify_all();
  }
}

void WorkerPool::Join() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (threads_.empty()) return;
    // Workers leave once nothing is runnable; a running task may still
    // submit its successor, which they run first.
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  threads_.clear();
  joined_ = true;
}

}  // namespace amd
