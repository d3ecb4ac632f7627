// WorkerPool; see worker_pool.h.
#include "amd/worker_pool.h"

#include <boost/asio/post.hpp>

namespace amd {

WorkerPool::WorkerPool(size_t threads, size_t per_server)
    : pool_(threads), per_server_(per_server == 0 ? 1 : per_server) {}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Submit(const std::string& server, std::function<void()> task) {
  if (server.empty()) {
    boost::asio::post(pool_, std::move(task));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue& q = queues_[server];
    if (q.running >= per_server_) {
      q.waiting.push_back(std::move(task));
      return;
    }
    ++q.running;
  }
  Start(server, std::move(task));
}

void WorkerPool::Start(const std::string& server, std::function<void()> task) {
  boost::asio::post(pool_, [this, server, task = std::move(task)]() mutable {
    task();
    std::function<void()> next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Queue& q = queues_[server];
      if (q.waiting.empty()) {
        --q.running;
        if (q.running == 0) queues_.erase(server);
        return;
      }
      next = std::move(q.waiting.front());
      q.waiting.pop_front();
    }
    Start(server, std::move(next));
  });
}

void WorkerPool::Join() { pool_.join(); }

}  // namespace amd
