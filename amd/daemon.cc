// Daemon lifecycle; see daemon.h. The order matters: fork (if detaching)
// before any thread exists; become a process group of our own so that our
// own accesses to automount points never trigger mounts; then build the
// io_context, the worker pool and the engine.
#include "amd/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "amd/amq_service.h"
#include "amd/autofs_front_end.h"
#include "amd/engine.h"
#include "amd/logging.h"
#include "amd/nfs_front_end.h"
#include "amd/ownership.h"
#include "amd/run_loop.h"
#include "amd/sd_notify.h"
#include "amd/supervisor.h"
#include "amd/system_world.h"
#include "amd/version.h"
#include "amd/worker_pool.h"
#include "base/files.h"
#include "kernel-shim/kernel.h"

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

// amd.conf again, with the same command line, for SIGHUP. nullptr (and
// the reasons in diag) when it cannot be read or has errors.
std::shared_ptr<const conf::Config> LoadConfig(const conf::ParsedArgs& args, Diagnostics* diag) {
  std::optional<std::string> text;
  std::string file = args.cmd.conf_file.value_or("/etc/amd.conf");
  if (conf::ReadsConfFile(args)) {
    std::string error;
    text = ReadWholeFile(file, &error);
    if (!text) {
      diag->Error("cannot read configuration: " + error);
      return nullptr;
    }
  }
  return conf::BuildConfig(text, file, args.cmd, HostOptionDefaults(), diag);
}

// The supervisor holds the NFS front end's sockets under these names,
// beside the autofs pipes it holds by path (which start with '/').
constexpr const char* kNfsTcpKey = "nfs-front-end/tcp";
constexpr const char* kNfsUdpKey = "nfs-front-end/udp";

void Tell(int fd, bool ok) {
  if (fd < 0) return;
  char c = ok ? '1' : '0';
  [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);
  ::close(fd);
}

// An engine that cannot start: says why in the log and, where the log is
// not standard error, there too (whoever started amd sees it), tells a
// detaching parent, and gives the exit status.
int CannotStart(spdlog::logger& log, const conf::Config& config, const Status& why, int ready_fd) {
  log.error("cannot start: {}", why.ToString());
  if (!LogsToStderr(config.settings.log_file))
    std::cerr << "amd: cannot start: " << why.ToString() << "\n";
  Tell(ready_fd, false);
  return 1;
}

int RunEngine(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config,
              const std::shared_ptr<spdlog::logger>& log, EngineStart& start);

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
                   [&](EngineStart& start) { return RunEngine(args, config, log, start); });
}

namespace {

// One engine process (see supervisor.h): the io_context, the worker pool,
// the engine and the autofs front end, until SIGTERM or SIGINT.
int RunEngine(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config,
              const std::shared_ptr<spdlog::logger>& log, EngineStart& start) {
  int ready_fd = start.ready_fd;
  if (start.generation > 0) {
    // The configuration may have changed since the first engine read it.
    Diagnostics diag;
    if (auto fresh = LoadConfig(args, &diag)) config = fresh;
  }
  if (config->settings.plock && ::mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    log->warn("plock: mlockall failed ({}); continuing unlocked", std::strerror(errno));
  }

  // Exactly one engine owns the mounts: one that is still serving (an
  // orphan of a killed amd, say) is asked to hand them over first.
  auto owner = Ownership::Take(*log, std::chrono::seconds(15));
  if (!owner.ok()) return CannotStart(*log, *config, owner.status(), ready_fd);
  boost::asio::io_context io;
  WorkerPool pool(8, 2);
  kernel::SystemKernel kernel;
  SystemWorld world;
  std::unique_ptr<Engine> engine;
  AutofsFrontEnd front_end(
      io, [&engine](int id, const kernel::AutofsPacket& p) { engine->OnPacket(id, p); }, log,
      [&](int id) {
        if (engine->OnPipeClosed(id)) {
          log->warn(
              "every automount point was taken over; exiting, mounts left to their new owner");
          io.stop();
        }
      });
  // The classic NFS front end, when some map asks for it (mount_type = nfs).
  std::unique_ptr<NfsFrontEnd> nfs;
  std::map<std::string, int> point_ids;
  bool any_classic = false;
  for (const auto& m : config->maps) any_classic |= m.settings.mount_type == "nfs";
  if (any_classic) {
    const conf::GlobalSettings& g = config->settings;
    NfsFrontEnd::Settings s;
    s.address = g.localhost_address;
    s.allow_insecure_port = g.nfs_allow_insecure_port;
    s.allow_any_interface = g.nfs_allow_any_interface;
    s.mount_self = !args.no_self_mount;
    s.attr_cache = g.auto_attrcache;
    s.timeo = g.nfs_retry_interval_toplvl;
    s.retrans = g.nfs_retransmit_counter_toplvl;
    // amd's NFS mounts left by an earlier amd: serve them on their port.
    if (auto table = kernel.MountTable(); table.ok()) {
      for (const auto& m : config->maps) {
        if (auto p = EarlierNfsPort(*table, m.dir)) s.port = *p;
      }
    }
    // The sockets the engine before this one served on, which the
    // supervisor held (kNfsTcpKey, kNfsUdpKey): the same port, with or
    // without the self-mount, and no gap in which connections are refused.
    s.adopt_tcp_fd = TakeHeld(start.held_pipes, kNfsTcpKey);
    s.adopt_udp_fd = TakeHeld(start.held_pipes, kNfsUdpKey);
    nfs = std::make_unique<NfsFrontEnd>(
        s,
        [&io, &engine, &point_ids](const std::string& dir, const kernel::AutofsPacket& p) {
          boost::asio::post(io, [&engine, &point_ids, dir, p] {
            auto it = point_ids.find(dir);
            if (it != point_ids.end() && engine) engine->OnPacket(it->second, p);
          });
        },
        kernel, log,
        [&io, &engine, &point_ids](const std::string& dir, uint32_t token) {
          boost::asio::post(io, [&engine, &point_ids, dir, token] {
            auto it = point_ids.find(dir);
            if (it != point_ids.end() && engine) engine->OnAbandoned(it->second, token);
          });
        });
    if (Status st = nfs->Start(); !st.ok()) {
      log->error("NFS front end: {}; maps with mount_type = nfs are served with autofs",
                 st.ToString());
      nfs.reset();
    } else {
      auto [tcp, udp] = nfs->sockets();
      start.link.Hold(kNfsTcpKey, tcp);
      start.link.Hold(kNfsUdpKey, udp);
    }
  }
  Engine::Options options;
  options.pgrp = ::getpgrp();
  if (nfs) options.front_ends.push_back(nfs.get());
  options.inflight = start.inflight;
  options.held_pipes = start.held_pipes;
  std::map<int, std::string> point_paths;
  Engine::Watcher watcher{[&](int id, int fd, const std::string& path) {
                            front_end.Watch(id, fd);
                            point_paths[id] = path;
                            point_ids[path] = id;
                            if (fd >= 0) start.link.Hold(path, fd);
                          },
                          [&](int id) {
                            front_end.Unwatch(id);
                            start.link.Release(point_paths[id]);
                            point_ids.erase(point_paths[id]);
                            point_paths.erase(id);
                          }};
  maps::HostFacts facts = MakeHostFacts(*config);  // for the engine and AMQ's version text
  engine = std::make_unique<Engine>(io, kernel, pool, world, facts, config, log, options, watcher);
  Status started = engine->Start();
  if (!started.ok()) return CannotStart(*log, *config, started, ready_fd);
  for (const auto& p : engine->MountPoints()) log->debug("automount point {}", p);

  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  signals.add(SIGUSR2);  // the supervisor died (PR_SET_PDEATHSIG)
  signals.add(SIGUSR1);  // another amd is taking over (amd/ownership.h)
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGUSR2) {
        log->error(
            "the supervisor process is gone; serving on until another amd takes the "
            "automount points over");
        wait_signal();
        return;
      }
      if (sig == SIGUSR1) {
        if (nfs) {
          log->warn("another amd is taking over: leaving every mount to it and exiting");
          SdNotify("STOPPING=1");
          engine->Shutdown([&io] { io.stop(); }, Engine::OnExit::kLeave);
          return;
        }
        log->warn(
            "another amd is taking over; serving on until it has taken every automount point over");
        owner->Release();
        wait_signal();
        return;
      }
      if (sig == SIGHUP) {
        SdNotify("RELOADING=1");
        log->info("SIGHUP: re-reading the configuration and the maps");
        Diagnostics diag;
        auto fresh = LoadConfig(args, &diag);
        for (const auto& d : diag.items()) {
          if (d.severity >= Severity::kWarning) log->error("{}", d.ToString(false));
        }
        if (fresh) {
          config = fresh;
          engine->Reconfigure(fresh);
        } else {
          log->error("the new configuration has errors; still serving the old one");
          engine->ReloadMaps(true);
        }
        SdNotify("READY=1");
        wait_signal();
        return;
      }
      // SIGINT always unmounts, as in the original; SIGTERM per
      // unmount_on_exit.
      bool unmount = sig == SIGINT || config->settings.unmount_on_exit;
      log->info("{}: {}and exiting", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                unmount ? "unmounting " : "");
      SdNotify("STOPPING=1");
      engine->Shutdown([&io] { io.stop(); },
                       unmount ? Engine::OnExit::kUnmount : Engine::OnExit::kLeave);
    });
  };
  wait_signal();

  boost::asio::steady_timer watchdog(io);
  std::function<void()> pet;
  if (auto interval = SdWatchdogInterval()) {
    pet = [&, half = *interval / 2] {
      SdNotify("WATCHDOG=1");
      watchdog.expires_after(half);
      watchdog.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) pet();
      });
    };
    pet();
  }

  AmqService::Settings amq;
  amq.address = config->settings.amq_listen_address;
  amq.port = config->settings.preferred_amq_port;
  amq.program = config->settings.portmap_program;
  // The process to signal: the supervisor, while there is one.
  amq.pid = ::getppid() == start.supervisor ? start.supervisor : ::getpid();
  amq.version = VersionString(facts, &world);
  amq.host = facts.host;
  amq.log_file = config->settings.log_file;
  AmqService amq_service(io, *engine, amq, log,
                         [&log](const std::string& v) { return SetLogOptions(*log, v); });
  if (Status s = amq_service.Start(); !s.ok())
    log->error("AMQ: {}; amq cannot reach this amd", s.ToString());
  if (start.inflight != nullptr) engine->Replay(start.inflight->TakeAll());
  SdNotify("READY=1");
  log->info("ready: {} automount points", engine->MountPoints().size());
  Tell(ready_fd, true);
  RunSpinning(io, std::chrono::microseconds(100));
  pool.Join();
  if (nfs) nfs->Stop();
  log->info("exited");
  return 0;
}

}  // namespace
}  // namespace amd
