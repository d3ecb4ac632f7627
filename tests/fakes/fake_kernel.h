// FakeKernel: a kernel::Kernel that records every call as a line of text
// and can fail the N-th call (or every call matching a prefix), plus fake
// autofs endpoints that record the answers the engine gives. Thread-safe:
// the engine calls it from its workers.
#ifndef AMD_TESTS_FAKES_FAKE_KERNEL_H_
#define AMD_TESTS_FAKES_FAKE_KERNEL_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kernel-shim/kernel.h"

namespace amd::testing {

// What a fake autofs mount was told. Shared between the endpoint (which
// the engine owns and destroys) and the test, which reads it afterwards.
class FakeAutofsState {
 public:
  std::atomic<int> expire_calls{0};  // ExpireOne calls
  // The answer given for a token ("ready", "fail 2"), or "".
  std::string AnswerFor(uint32_t token) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = answers_.find(token);
    return it == answers_.end() ? "" : it->second;
  }
  size_t answer_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  bool unmounted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return unmounted_;
  }
  std::atomic<bool> fail_ready{false};
  // Everything else it was told ("catatonic", "timeout KEY N"), in order.
  std::vector<std::string> told() const {
    std::lock_guard<std::mutex> lock(mu_);
    return told_;
  }

 private:
  friend class FakeAutofs;
  Status Answer(uint32_t token, const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (answers_.count(token)) {
      answers_[token] += " AGAIN " + what;  // answered twice: a bug
    } else {
      answers_[token] = what;
    }
    if (fail_ready && what == "ready") return Status::FromErrno("autofs ready", EINVAL);
    return {};
  }
  void Told(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    told_.push_back(std::move(what));
  }
  void SetUnmounted() {
    std::lock_guard<std::mutex> lock(mu_);
    unmounted_ = true;
  }
  mutable std::mutex mu_;
  std::map<uint32_t, std::string> answers_;
  size_t count_ = 0;
  bool unmounted_ = false;
  std::vector<std::string> told_;
};

class FakeAutofs : public kernel::AutofsEndpoint {
 public:
  FakeAutofs(std::string path, std::shared_ptr<FakeAutofsState> state,
             kernel::AutofsKind kind = kernel::AutofsKind::kIndirect)
      : path_(std::move(path)), state_(std::move(state)), kind_(kind) {}
  const std::string& path() const override { return path_; }
  kernel::AutofsKind kind() const override { return kind_; }
  int pipe_fd() const override { return -1; }
  Status Ready(uint32_t token) const override { return state_->Answer(token, "ready"); }
  Status Fail(uint32_t token, int err) const override {
    return state_->Answer(token, "fail " + std::to_string(err));
  }
  Status SetTimeout(unsigned long) const override { return {}; }
  Status SetKeyTimeout(const std::string& name, unsigned long seconds) const override {
    state_->Told("timeout " + name + " " + std::to_string(seconds));
    return {};
  }
  ExpireResult ExpireOne(bool, Status*) const override {
    ++state_->expire_calls;
    return ExpireResult::kNothing;
  }
  Status Catatonic() const override {
    state_->Told("catatonic");
    return {};
  }
  Result<bool> MayUnmount() const override { return true; }
  Status Unmount(bool) override {
    state_->SetUnmounted();
    return {};
  }

 private:
  std::string path_;
  std::shared_ptr<FakeAutofsState> state_;
  kernel::AutofsKind kind_;
};

class FakeKernel : public kernel::Kernel {
 public:
  Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) override {
    return Call("mount " + source + " " + target + " " + fstype + " " + std::to_string(flags) +
                " " + data);
  }
  Status Unmount(const std::string& target, int flags) override {
    return Call("umount " + target + " " + std::to_string(flags));
  }
  Status MakeDir(const std::string& path, mode_t) override { return Call("mkdir " + path); }
  Status MakeDirs(const std::string& path, mode_t) override { return Call("mkdirs " + path); }
  Status RemoveDir(const std::string& path) override { return Call("rmdir " + path); }
  Status Symlink(const std::string& target, const std::string& link) override {
    return Call("symlink " + target + " " + link);
  }
  Status Unlink(const std::string& path) override { return Call("unlink " + path); }
  bool Exists(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    return existing.count(path) > 0;
  }
  Result<kernel::ProgramResult> Run(const std::string& path, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds) override {
    std::string line = "run " + path;
    for (const auto& a : argv) line += " " + a;
    Status s = Call(line);
    if (!s.ok()) return s;
    return kernel::ProgramResult{0, ""};
  }
  Result<std::unique_ptr<kernel::AutofsEndpoint>> CreateAutofs(const std::string& path,
                                                               kernel::AutofsKind kind, pid_t,
                                                               const std::string&) override {
    Status s = Call("autofs " + path);
    if (!s.ok()) return s;
    auto state = std::make_shared<FakeAutofsState>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      autofs[path] = state;
    }
    return std::unique_ptr<kernel::AutofsEndpoint>(std::make_unique<FakeAutofs>(path, state, kind));
  }

  Result<std::unique_ptr<kernel::AutofsEndpoint>> AdoptAutofs(const std::string& path,
                                                              kernel::AutofsKind kind, dev_t,
                                                              int pipe_fd) override {
    Status s = Call("adopt " + path + (pipe_fd >= 0 ? " with its pipe" : ""));
    if (!s.ok()) return s;
    auto state = std::make_shared<FakeAutofsState>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      autofs[path] = state;
    }
    return std::unique_ptr<kernel::AutofsEndpoint>(std::make_unique<FakeAutofs>(path, state, kind));
  }
  Result<std::vector<kernel::MountInfoEntry>> MountTable() override {
    std::lock_guard<std::mutex> lock(mu_);
    return table;
  }
  std::vector<std::pair<std::string, std::string>> SymlinksIn(const std::string& dir) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = symlinks.find(dir);
    return it == symlinks.end() ? std::vector<std::pair<std::string, std::string>>{} : it->second;
  }

  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // Fail the n-th call from now (1-based) with `err`.
  void FailCall(int n, int err) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_at_ = static_cast<int>(calls_.size()) + n;
    fail_err_ = err;
  }
  // Fail every call that starts with `prefix`.
  void FailPrefix(std::string prefix, int err) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_prefixes_[std::move(prefix)] = err;
  }
  void ClearFailures() {
    std::lock_guard<std::mutex> lock(mu_);
    fail_at_ = 0;
    fail_prefixes_.clear();
  }
  // Calls starting with `prefix` take `delay` (a slow server).
  void DelayPrefix(std::string prefix, std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mu_);
    delays_[std::move(prefix)] = delay;
  }

  std::set<std::string> existing;
  std::map<std::string, std::shared_ptr<FakeAutofsState>> autofs;  // by path
  std::vector<kernel::MountInfoEntry> table;                       // what MountTable returns
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> symlinks;

 private:
  Status Call(std::string line) {
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [prefix, d] : delays_) {
        if (line.rfind(prefix, 0) == 0) delay = d;
      }
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(line);
    if (static_cast<int>(calls_.size()) == fail_at_) return Status::FromErrno(line, fail_err_);
    for (const auto& [prefix, err] : fail_prefixes_) {
      if (line.rfind(prefix, 0) == 0) return Status::FromErrno(line, err);
    }
    return {};
  }
  mutable std::mutex mu_;
  std::vector<std::string> calls_;
  int fail_at_ = 0;
  int fail_err_ = EIO;
  std::map<std::string, int> fail_prefixes_;
  std::map<std::string, std::chrono::milliseconds> delays_;
};

}  // namespace amd::testing

#endif  // AMD_TESTS_FAKES_FAKE_KERNEL_H_
