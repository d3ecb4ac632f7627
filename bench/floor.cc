// The floor responder; see floor.h. Deliberately the least work an
// autofs daemon can do for a bind-mount map.
#include "bench/floor.h"

#include <fcntl.h>
#include <linux/auto_fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace amd::bench {
namespace {

volatile sig_atomic_t g_stop = 0;  // set by the signal handler only
void OnTerm(int) { g_stop = 1; }

[[noreturn]] void Serve(const std::string& dir, const std::string& source_root, int ready_fd) {
  ::setpgid(0, 0);
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  ::sigaction(SIGTERM, &sa, nullptr);  // no SA_RESTART: read() returns EINTR
  int p[2];
  if (::pipe(p) != 0) ::_exit(1);
  std::string opts = "fd=" + std::to_string(p[1]) + ",pgrp=" + std::to_string(::getpgrp()) +
                     ",minproto=5,maxproto=5,indirect";
  ::mkdir(dir.c_str(), 0755);
  if (::mount("floor", dir.c_str(), "autofs", 0, opts.c_str()) != 0) ::_exit(1);
  ::close(p[1]);
  int ioc = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  unsigned long timeout = 1;
  ::ioctl(ioc, AUTOFS_IOC_SETTIMEOUT, &timeout);
  [[maybe_unused]] ssize_t w = ::write(ready_fd, "1", 1);
  ::close(ready_fd);
  std::vector<std::string> mounted;
  union autofs_v5_packet_union pkt;
  while (!g_stop) {
    ssize_t n = ::read(p[0], &pkt, sizeof pkt);
    if (n <= 0) continue;
    const auto& v = pkt.v5_packet;
    std::string path = dir + "/" + v.name;
    ::mkdir(path.c_str(), 0555);
    std::string source = source_root + "/" + v.name;
    if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0) {
      ::ioctl(ioc, AUTOFS_IOC_READY, v.wait_queue_token);
      mounted.push_back(path);
    } else {
      ::rmdir(path.c_str());
      ::ioctl(ioc, AUTOFS_IOC_FAIL, v.wait_queue_token);
    }
  }
  for (const auto& m : mounted) ::umount2(m.c_str(), MNT_DETACH);
  ::ioctl(ioc, AUTOFS_IOC_CATATONIC, 0);
  ::close(ioc);
  ::umount2(dir.c_str(), MNT_DETACH);
  ::_exit(0);
}

}  // namespace

pid_t StartFloor(const std::string& dir, const std::string& source_root) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    Serve(dir, source_root, ready[1]);
  }
  ::close(ready[1]);
  char c = 0;
  ssize_t n = ::read(ready[0], &c, 1);
  ::close(ready[0]);
  return n == 1 ? pid : -1;
}

}  // namespace amd::bench
