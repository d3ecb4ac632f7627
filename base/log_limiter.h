// LogLimiter: how often a log line that peers can cause is written. The
// first 10 events of a kind are logged, then every 1,000th, each with its
// running count, so a flood of bad packets costs a few lines, and the log
// still says how many there were. One limiter per kind of line; any thread.
//
// Ownership: nothing returned but the count.
#ifndef AMD_BASE_LOG_LIMITER_H_
#define AMD_BASE_LOG_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <optional>

namespace amd {

class LogLimiter {
 public:
  static constexpr uint64_t kFirst = 10;
  static constexpr uint64_t kEvery = 1000;
  // Counts one event; its number when it is to be logged.
  std::optional<uint64_t> Count() {
    uint64_t n = ++count_;
    if (n <= kFirst || n % kEvery == 0) return n;
    return std::nullopt;
  }
  uint64_t count() const { return count_; }

 private:
  std::atomic<uint64_t> count_{0};
};

}  // namespace amd

#endif  // AMD_BASE_LOG_LIMITER_H_
