// Daemon lifecycle; see daemon.h. The order matters: fork (if detaching)
// before any thread exists; become a process group of our own so that our
// own accesses to automount points never trigger mounts; then the
// supervisor, which runs engine processes (engine_process.h).
#include "amd/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "amd/engine_process.h"
#include "amd/logging.h"
#include "amd/supervisor.h"

namespace amd {
namespace {

// Forks; the parent waits for the child's word (one byte: '1' ready, '0'
// failed) and exits with it. Returns the write end for the child.
int Detach() {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(fds[1]);
    char c = '0';
    ssize_t n = ::read(fds[0], &c, 1);
    ::_exit(n == 1 && c == '1' ? 0 : 1);
  }
  ::close(fds[0]);
  ::setsid();
  return fds[1];
}

}  // namespace

int RunDaemon(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config) {
  if (::geteuid() != 0) {
    std::cerr << "amd: must run as root\n";
    return 1;
  }
  // Descriptors inherited from whoever started us (a shell's open file
  // below an automount point, say) would keep mounts busy for ever.
  ::close_range(3, ~0U, 0);
  const conf::GlobalSettings& g = config->settings;
  std::string log_error;
  auto log = MakeLogger(g.log_file, g.log_options, &log_error);
  if (!log) {
    std::cerr << "amd: " << log_error << "\n";
    return 1;
  }
  bool under_systemd = std::getenv("NOTIFY_SOCKET") != nullptr;
  int ready_fd = -1;
  if (!args.foreground && !under_systemd) ready_fd = Detach();
  if (::getpgrp() != ::getpid()) ::setpgid(0, 0);
  if (g.print_pid) {
    const std::string& pid_file = g.pid_file;
    if (pid_file == "/dev/stdout") {
      std::printf("%d\n", ::getpid());
      std::fflush(stdout);
    } else {
      std::ofstream(pid_file) << ::getpid() << "\n";
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  return Supervise(log, ready_fd,
                   [&](EngineStart& start) { return RunEngineProcess(args, config, log, start); });
}

}  // namespace amd
