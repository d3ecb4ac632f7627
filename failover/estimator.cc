// Response-time estimates; see estimator.h.
#include "failover/estimator.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace amd::failover {

void RttEstimator::Add(Duration sample) {
  double us = static_cast<double>(std::max<Duration::rep>(0, sample.count()));
  recent_.push_back(us);
  while (recent_.size() > window_) recent_.pop_front();
  if (samples_ == 0) {
    long_ = us;
  } else {
    double capped = std::min(us, long_ * cap_ + 1);
    long_ += (capped - long_) / weight_;
  }
  ++samples_;
}

std::optional<Duration> RttEstimator::short_term() const {
  if (recent_.empty()) return std::nullopt;
  std::vector<double> v(recent_.begin(), recent_.end());
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return Duration(static_cast<Duration::rep>(v[v.size() / 2]));
}

std::optional<Duration> RttEstimator::long_term() const {
  if (samples_ == 0) return std::nullopt;
  return Duration(static_cast<Duration::rep>(long_));
}

std::optional<Duration> RttEstimator::last() const {
  if (recent_.empty()) return std::nullopt;
  return Duration(static_cast<Duration::rep>(recent_.back()));
}

void RttEstimator::Configure(size_t short_window, double long_weight, double outlier_cap) {
  window_ = short_window;
  weight_ = long_weight;
  cap_ = outlier_cap;
  while (recent_.size() > window_) recent_.pop_front();
}

void RttEstimator::Reset() {
  recent_.clear();
  long_ = 0;
  samples_ = 0;
}

void Rto::Sample(Duration rtt) {
  double r = static_cast<double>(rtt.count());
  if (!srtt_) {
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    rttvar_ = 0.75 * *rttvar_ + 0.25 * std::abs(*srtt_ - r);
    srtt_ = 0.875 * *srtt_ + 0.125 * r;
  }
  double rto = *srtt_ + std::max(1.0, 4 * *rttvar_);
  rto_ = std::clamp(Duration(static_cast<Duration::rep>(rto)), min_, max_);
}

void Rto::Configure(const Policy& p) {
  min_ = p.min_rto;
  max_ = p.max_rto;
  rto_ = std::clamp(rto_, min_, max_);
}

void Rto::Backoff() { rto_ = std::min(max_, rto_ * 2); }

}  // namespace amd::failover
