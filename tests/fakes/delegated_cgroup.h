// DelegatedCgroupForTest: moves this process into a new cgroup v2 marked
// as delegated (trusted.delegate = 1, as systemd marks a unit's cgroup with
// Delegate=yes), so that amd code run here, and amd processes started from
// here, find a delegated cgroup (base/run_cgroup.h). The destructor moves
// the process back and removes the cgroup. ok() is false, with why(), where
// the host has no writable cgroup v2 (then the test skips).
#ifndef AMD_TESTS_FAKES_DELEGATED_CGROUP_H_
#define AMD_TESTS_FAKES_DELEGATED_CGROUP_H_

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "base/run_cgroup.h"

namespace amd::testing {

class DelegatedCgroupForTest {
 public:
  DelegatedCgroupForTest() {
    auto own = OwnCgroup();
    if (!own) {
      why_ = "no cgroup v2 hierarchy mounted here";
      return;
    }
    original_ = *own;
    path_ = original_ + "/amd-test-" + std::to_string(::getpid());
    if (::mkdir(path_.c_str(), 0755) != 0) {
      why_ = "cannot make a cgroup (" + path_ + "): " + std::strerror(errno);
      path_.clear();
      return;
    }
    if (::setxattr(path_.c_str(), "trusted.delegate", "1", 1, 0) != 0) {
      why_ =
          "cannot mark a cgroup delegated (trusted.delegate): " + std::string(std::strerror(errno));
      return;
    }
    if (!Move(path_)) {
      why_ = "cannot move this process into " + path_;
      return;
    }
    moved_ = true;
  }
  ~DelegatedCgroupForTest() {
    if (moved_) Move(original_);
    if (path_.empty()) return;
    for (int i = 0; i < 200 && ::rmdir(path_.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool ok() const { return moved_; }
  const std::string& why() const { return why_; }
  const std::string& path() const { return path_; }

 private:
  static bool Move(const std::string& dir) {
    std::ofstream procs(dir + "/cgroup.procs");
    procs << ::getpid() << std::endl;
    return procs.good();
  }
  std::string original_, path_, why_;
  bool moved_ = false;
};

}  // namespace amd::testing

#endif  // AMD_TESTS_FAKES_DELEGATED_CGROUP_H_
