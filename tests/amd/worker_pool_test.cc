// WorkerPool: every task runs, per-server caps hold, Join waits for tasks
// that submit more.
#include "amd/worker_pool.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace amd {
namespace {

TEST_CASE("worker pool: every task of a burst from two threads runs", "[worker_pool]") {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(4, 2);
    auto submit = [&] {
      for (int i = 0; i < 20000; ++i) pool.Submit(i % 3 == 0 ? "server" : "", [&] { ++ran; });
    };
    std::thread a(submit), b(submit);
    a.join();
    b.join();
    pool.Join();
  }
  CHECK(ran == 40000);
}

TEST_CASE("worker pool: at most per_server tasks of one server run at once", "[worker_pool]") {
  std::atomic<int> running{0}, most{0}, other{0};
  WorkerPool pool(6, 2);
  for (int i = 0; i < 8; ++i) {
    pool.Submit("slow", [&] {
      int now = ++running;
      int m = most.load();
      while (now > m && !most.compare_exchange_weak(m, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      --running;
    });
  }
  pool.Submit("", [&] { ++other; });
  pool.Submit("fast", [&] { ++other; });
  pool.Join();
  CHECK(most == 2);
  CHECK(other == 2);
}

TEST_CASE("worker pool: map sources that hang hold at most half the workers, lane by lane",
          "[worker_pool]") {
  using Kind = WorkerPool::LaneKind;
  std::atomic<int> running{0}, most{0}, other{0};
  // Tasks end one at a time: the task that started n-th ends once
  // `released` is above n (all of them once it is huge).
  std::atomic<size_t> released{0};
  std::mutex mu;
  std::vector<std::string> order;
  WorkerPool pool(8, 2);
  auto hang = [&](std::string lane) {
    return [&, lane] {
      size_t index;
      {
        std::lock_guard<std::mutex> lock(mu);
        index = order.size();
        order.push_back(lane);
      }
      int now = ++running;
      int m = most.load();
      while (now > m && !most.compare_exchange_weak(m, now)) {
      }
      while (released <= index) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --running;
    };
  };
  // Five hanging map programs, 40 lookups each.
  for (int i = 0; i < 40; ++i) {
    for (std::string lane : {"a", "b", "c", "d", "e"})
      pool.Submit(lane, hang(lane), Kind::kMapSource);
  }
  // What other maps and mounts need still runs, at once.
  for (int i = 0; i < 4; ++i) pool.Submit(i % 2 ? "" : "server", [&] { ++other; });
  auto started = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return order.size();
  };
  auto wait_started = [&](size_t n) {
    for (int t = 0; t < 10000 && started() < n; ++t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // one more would have started
    return started();
  };
  for (int t = 0; t < 5000 && other < 4; ++t)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(other == 4);
  CHECK(wait_started(4) == 4);  // half of eight workers
  CHECK(most == 4);
  {
    std::lock_guard<std::mutex> lock(mu);
    // The first four to start are of four different lanes.
    std::set<std::string> lanes(order.begin(), order.end());
    CHECK(lanes.size() == 4);
  }
  // One ends at a time, and each time the next lane in turn starts one:
  // the fifth lane first, then the others again.
  for (size_t n = 5; n <= 9; ++n) {
    released = n - 4;
    CHECK(wait_started(n) == n);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> turns(order.begin() + 4, order.begin() + 9);
    std::vector<std::string> first(order.begin(), order.begin() + 4);
    std::string fifth;
    for (std::string l : {"a", "b", "c", "d", "e"}) {
      if (std::find(first.begin(), first.end(), l) == first.end()) fifth = l;
    }
    CHECK(turns[0] == fifth);
    std::set<std::string> lanes(turns.begin(), turns.end());
    CHECK(lanes.size() == 5);  // each lane once
  }
  released = SIZE_MAX;
  pool.Join();
  CHECK(order.size() == 200);
}

TEST_CASE("worker pool: Join waits for tasks that a running task submits", "[worker_pool]") {
  std::atomic<int> ran{0};
  WorkerPool pool(2, 1);
  pool.Submit("", [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pool.Submit("s", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ++ran;
    });
    ++ran;
  });
  pool.Join();
  CHECK(ran == 2);
}

TEST_CASE("worker pool: a task after an idle spell runs", "[worker_pool]") {
  WorkerPool pool(2, 2, std::chrono::microseconds(50));
  for (int i = 0; i < 3; ++i) {
    std::atomic<bool> done{false};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // workers asleep
    pool.Submit("", [&] { done = true; });
    for (int t = 0; t < 2000 && !done; ++t)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(done);
  }
}

}  // namespace
}  // namespace amd

namespace amd {
namespace {

TEST_CASE("worker pool: tasks submitted while a worker spins do not wait behind a slow one",
          "[worker_pool]") {
  WorkerPool pool(4, 4, std::chrono::milliseconds(50));
  std::atomic<bool> warm{false};
  pool.Submit("", [&] { warm = true; });
  while (!warm) std::this_thread::yield();  // its worker now spins
  std::atomic<int> quick{0};
  auto t0 = std::chrono::steady_clock::now();
  pool.Submit("", [] { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
  std::atomic<int64_t> last_ms{0};
  for (int i = 0; i < 3; ++i) {
    pool.Submit("", [&] {
      ++quick;
      last_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
    });
  }
  while (quick < 3 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(quick == 3);
  CHECK(last_ms < 300);  // not after the 600 ms task
  pool.Join();
}

}  // namespace
}  // namespace amd
