// AutofsReply: one kernel request (an autofs packet's token) that must be
// answered exactly once. Move-only; answering twice is impossible, and a
// reply dropped unanswered sends FAIL, so no process waits forever on a
// forgotten path (STYLE.md rule 5). Engine thread only.
//
// SharedReply: any thread. An AutofsReply owns its answer: whoever holds it
// must answer.
#ifndef AMD_AMD_AUTOFS_REPLY_H_
#define AMD_AMD_AUTOFS_REPLY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "base/status.h"
#include "kernel-shim/autofs_mount.h"

namespace amd {

class AutofsReply {
 public:
  AutofsReply() = default;
  // `mark`, when given, is the request's InflightTable slot, cleared once
  // the kernel is answered.
  AutofsReply(std::shared_ptr<kernel::AutofsEndpoint> endpoint, uint32_t token,
              std::atomic<uint32_t>* mark = nullptr)
      : endpoint_(std::move(endpoint)), token_(token), mark_(mark) {}
  AutofsReply(AutofsReply&& o) noexcept
      : endpoint_(std::move(o.endpoint_)),
        token_(o.token_),
        mark_(std::exchange(o.mark_, nullptr)) {}
  AutofsReply& operator=(AutofsReply&& o) noexcept {
    if (this != &o) {
      Fail(ENOENT);
      endpoint_ = std::move(o.endpoint_);
      token_ = o.token_;
      mark_ = std::exchange(o.mark_, nullptr);
    }
    return *this;
  }
  AutofsReply(const AutofsReply&) = delete;
  AutofsReply& operator=(const AutofsReply&) = delete;
  ~AutofsReply() { Fail(ENOENT); }

  bool pending() const { return endpoint_ != nullptr; }
  uint32_t token() const { return token_; }
  Status Ready() {
    if (!endpoint_) return {};
    auto e = std::move(endpoint_);
    Status s = e->Ready(token_);
    Answered();
    return s;
  }
  Status Fail(int err) {
    if (!endpoint_) return {};
    auto e = std::move(endpoint_);
    Status s = e->Fail(token_, err);
    Answered();
    return s;
  }

 private:
  void Answered() {
    if (mark_ != nullptr) std::exchange(mark_, nullptr)->store(0, std::memory_order_release);
  }
  std::shared_ptr<kernel::AutofsEndpoint> endpoint_;
  uint32_t token_ = 0;
  std::atomic<uint32_t>* mark_ = nullptr;
};

// A reply that two threads may race to answer: the worker that finishes a
// mount (saving a trip through the engine thread) and the engine when the
// attempt times out. Whoever comes first answers; the other learns it did
// not. Thread-safe.
class SharedReply {
 public:
  explicit SharedReply(AutofsReply reply) : token_(reply.token()), reply_(std::move(reply)) {}
  uint32_t token() const { return token_; }
  // True when this call answered.
  bool TryReady(Status* status = nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!reply_.pending()) return false;
    Status s = reply_.Ready();
    if (status != nullptr) *status = s;
    return true;
  }
  bool TryFail(int err) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!reply_.pending()) return false;
    reply_.Fail(err);
    return true;
  }

 private:
  const uint32_t token_;
  std::mutex mu_;
  AutofsReply reply_;  // guarded by mu_
};

}  // namespace amd

#endif  // AMD_AMD_AUTOFS_REPLY_H_
