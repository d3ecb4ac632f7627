// Ownership; see ownership.h. flock(2) is released by the kernel when the
// holder dies, however it dies, so a stale owner file never blocks: only a
// live engine holds the lock, and the pid in the file is that engine's.
#include "amd/ownership.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "rpc/amq_port_file.h"

namespace amd {
namespace {

pid_t HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? static_cast<pid_t>(std::atol(buf)) : -1;
}

void WritePid(int fd) {
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) [[maybe_unused]]
    ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
}

}  // namespace

Ownership& Ownership::operator=(Ownership&& o) noexcept {
  if (this != &o) {
    Release();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void Ownership::Release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<Ownership> Ownership::Take(spdlog::logger& log, std::chrono::milliseconds wait) {
  std::string dir = rpc::RuntimeDir();
  ::mkdir(dir.c_str(), 0755);
  std::string path = dir + "/owner";
  Ownership o;
  o.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (o.fd_ < 0) return Status::FromErrno("open(" + path + ")", errno);
  if (::flock(o.fd_, LOCK_EX | LOCK_NB) != 0) {
    pid_t holder = HolderPid(o.fd_);
    log.info("another amd engine (pid {}) owns the mounts; asking it to hand them over", holder);
    if (holder > 0 && holder != ::getpid()) ::kill(holder, SIGUSR1);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(o.fd_, LOCK_EX | LOCK_NB) != 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::Error("another amd engine (pid " + std::to_string(holder) +
                                 ") did not hand the mounts over within " +
                                 std::to_string(wait.count() / 1000) + " s",
                             std::errc::resource_unavailable_try_again);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    log.info("the mounts are handed over (pid {})", holder);
  }
  WritePid(o.fd_);
  return o;
}

}  // namespace amd
