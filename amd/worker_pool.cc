// WorkerPool; see worker_pool.h.
#include "amd/worker_pool.h"

#include <cstdint>

#include "amd/run_loop.h"

namespace amd {

WorkerPool::WorkerPool(size_t threads, size_t per_lane, std::chrono::microseconds spin)
    : spin_(spin), per_lane_(per_lane == 0 ? 1 : per_lane) {
  if (threads == 0) threads = 1;
  kinds_[static_cast<int>(LaneKind::kServer)].cap = SIZE_MAX;
  kinds_[static_cast<int>(LaneKind::kMapSource)].cap = threads / 2 == 0 ? 1 : threads / 2;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Join(); }

bool WorkerPool::PushLocked(std::function<void()> task) {
  runnable_.push_back(std::move(task));
  queued_.fetch_add(1, std::memory_order_release);
  // A spinning worker will take it; otherwise wake a sleeper.
  return sleeping_ > 0 && spinning_.load(std::memory_order_acquire) == 0;
}

bool WorkerPool::DispatchLocked(LaneKind kind) {
  Kind& k = kinds_[static_cast<int>(kind)];
  bool wake = false;
  while (k.running < k.cap && !k.lanes.empty()) {
    // The next lane after the last one started that may start a task.
    auto it = k.lanes.upper_bound(k.last);
    auto found = k.lanes.end();
    for (size_t n = 0; n < k.lanes.size(); ++n, ++it) {
      if (it == k.lanes.end()) it = k.lanes.begin();
      if (!it->second.waiting.empty() && it->second.running < per_lane_) {
        found = it;
        break;
      }
    }
    if (found == k.lanes.end()) break;
    it = found;
    Lane& lane = it->second;
    std::function<void()> next = std::move(lane.waiting.front());
    lane.waiting.pop_front();
    ++lane.running;
    ++k.running;
    k.last = it->first;
    wake = PushLocked(Capped(kind, it->first, std::move(next))) || wake;
  }
  return wake;
}

std::function<void()> WorkerPool::Capped(LaneKind kind, const std::string& lane,
                                         std::function<void()> task) {
  return [this, kind, lane, task = std::move(task)]() mutable {
    task();
    task = nullptr;  // what it holds goes before the count does
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Kind& k = kinds_[static_cast<int>(kind)];
      --k.running;
      auto it = k.lanes.find(lane);
      if (--it->second.running == 0 && it->second.waiting.empty()) k.lanes.erase(it);
      wake = DispatchLocked(kind);
    }
    if (wake) cv_.notify_one();
  };
}

void WorkerPool::Submit(const std::string& lane, std::function<void()> task, LaneKind kind) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (joined_) return;  // dropped: its replies fail as they are destroyed
    if (lane.empty()) {
      wake = PushLocked(std::move(task));
    } else {
      kinds_[static_cast<int>(kind)].lanes[lane].waiting.push_back(std::move(task));
      wake = DispatchLocked(kind);
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
        while (queued_.load(std::memory_order_acquire) == 0 &&
               std::chrono::steady_clock::now() < until) {
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
