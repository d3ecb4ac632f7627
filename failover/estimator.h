// Response-time estimates of one replica for one kind of work, sans I/O:
// RttEstimator keeps a short-term estimate (the median of the last few
// samples, deaf to single outliers) and a long-term one (a slow average of
// samples capped at a multiple of itself); Rto derives an RPC timeout from
// the samples as RFC 6298 does for TCP, and backs it off after timeouts.
//
// Values; one thread at a time (the decision module's owner).
#ifndef AMD_FAILOVER_ESTIMATOR_H_
#define AMD_FAILOVER_ESTIMATOR_H_

#include <cstddef>
#include <deque>
#include <optional>

#include "failover/policy.h"

namespace amd::failover {

class RttEstimator {
 public:
  RttEstimator(size_t short_window, double long_weight, double outlier_cap)
      : window_(short_window), weight_(long_weight), cap_(outlier_cap) {}

  void Add(Duration sample);
  bool empty() const { return samples_ == 0; }
  size_t samples() const { return samples_; }
  // The median of the last samples (nullopt before the first).
  std::optional<Duration> short_term() const;
  std::optional<Duration> long_term() const;
  // The newest sample (nullopt before the first).
  std::optional<Duration> last() const;
  // Forgets everything (a replica that came back is measured anew).
  void Reset();
  // New settings (a policy read again); the newest samples are kept.
  void Configure(size_t short_window, double long_weight, double outlier_cap);

 private:
  size_t window_;
  double weight_;
  double cap_;
  std::deque<double> recent_;  // microseconds
  double long_ = 0;
  size_t samples_ = 0;
};

class Rto {
 public:
  explicit Rto(const Policy& p) : min_(p.min_rto), max_(p.max_rto), rto_(p.initial_rto) {}
  // A call completed in `rtt` (never one sent again: Karn's rule is the
  // caller's).
  void Sample(Duration rtt);
  // A call timed out: the timeout doubles, up to the maximum.
  void Backoff();
  Duration value() const { return rto_; }
  // New bounds (a policy read again).
  void Configure(const Policy& p);

 private:
  Duration min_, max_, rto_;
  std::optional<double> srtt_, rttvar_;  // microseconds
};

}  // namespace amd::failover

#endif  // AMD_FAILOVER_ESTIMATOR_H_
