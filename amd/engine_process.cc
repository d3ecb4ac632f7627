// One engine process; see engine_process.h.
#include "amd/engine_process.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "amd/amq_service.h"
#include "amd/autofs_front_end.h"
#include "amd/engine.h"
#include "amd/engine_signals.h"
#include "amd/logging.h"
#include "amd/nfs_front_end.h"
#include "amd/nfs_stats.h"
#include "amd/ownership.h"
#include "amd/relays.h"
#include "amd/run_loop.h"
#include "amd/sd_notify.h"
#include "amd/system_world.h"
#include "amd/version.h"
#include "amd/worker_pool.h"
#include "base/files.h"
#include "base/log_limiter.h"
#include "base/strings.h"
#include "kernel-shim/kernel.h"
#include "kernel-shim/mountstats.h"
#include "maps/mount_options.h"
#include "relay/replica_link.h"
#include "rpc/nfs3_client.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/rpc_client.h"

namespace amd {

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

namespace {

// The supervisor holds the NFS front end's sockets under these names,
// beside the autofs pipes it holds by path (which start with '/').
constexpr const char* kNfsTcpKey = "nfs-front-end/tcp";
constexpr const char* kNfsUdpKey = "nfs-front-end/udp";

// Tells a detaching parent whether amd started (one byte).
void Tell(int fd, bool ok) {
  if (fd < 0) return;
  char c = ok ? '1' : '0';
  [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);
  ::close(fd);
}

class EngineProcess {
 public:
  EngineProcess(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config,
                std::shared_ptr<spdlog::logger> log, EngineStart& start)
      : args_(args), config_(std::move(config)), log_(std::move(log)), start_(start) {}

  int Run() {
    if (start_.generation > 0) {
      // The configuration may have changed since the first engine read it.
      Diagnostics diag;
      if (auto fresh = LoadConfig(args_, &diag)) config_ = fresh;
    }
    if (config_->settings.plock && ::mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
      log_->warn("plock: mlockall failed ({}); continuing unlocked", std::strerror(errno));
    }
    // Exactly one engine owns the mounts: one that is still serving (an
    // orphan of a killed amd, say) is asked to hand them over first.
    auto owner = Ownership::Take(*log_, std::chrono::seconds(15));
    if (!owner.ok()) return CannotStart(owner.status());
    owner_ = std::make_unique<Ownership>(std::move(owner.value()));
    StartNfsFrontEnd();
    Status started = StartEngine();
    if (!started.ok()) return CannotStart(started);
    signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGTERM, SIGINT, SIGHUP);
    signals_->add(SIGUSR2);  // the supervisor died (PR_SET_PDEATHSIG)
    signals_->add(SIGUSR1);  // another amd is taking over (amd/ownership.h)
    WaitSignal();
    PetWatchdog();
    StartAmq();
    NfsStatsTick(0);
    VolumesTick();
    if (start_.inflight != nullptr) engine_->Replay(start_.inflight->TakeAll());
    SdNotify("READY=1");
    log_->info("ready: {} automount points", engine_->MountPoints().size());
    Tell(start_.ready_fd, true);
    RunSpinning(io_, std::chrono::microseconds(100));
    pool_.Join();
    if (nfs_) nfs_->Stop();
    log_->info("exited");
    return 0;
  }

 private:
  // An engine that cannot start: says why in the log and, where the log
  // is not standard error, there too (whoever started amd sees it), tells
  // a detaching parent, and gives the exit status.
  int CannotStart(const Status& why) {
    log_->error("cannot start: {}", why.ToString());
    if (!LogsToStderr(config_->settings.log_file))
      std::cerr << "amd: cannot start: " << why.ToString() << "\n";
    Tell(start_.ready_fd, false);
    return 1;
  }

  // The classic NFS front end, when some map asks for it (mount_type = nfs).
  void StartNfsFrontEnd() {
    bool wanted = false;
    for (const auto& m : config_->maps) wanted |= m.settings.mount_type == "nfs";
    if (!wanted) return;
    const conf::GlobalSettings& g = config_->settings;
    NfsFrontEnd::Settings s;
    s.address = g.localhost_address;
    s.allow_insecure_port = g.nfs_allow_insecure_port;
    s.allow_any_interface = g.nfs_allow_any_interface;
    s.mount_self = !args_.no_self_mount;
    s.attr_cache = g.auto_attrcache;
    s.timeo = g.nfs_retry_interval_toplvl;
    s.retrans = g.nfs_retransmit_counter_toplvl;
    // amd's NFS mounts left by an earlier amd: serve them on their port.
    if (auto table = kernel_.MountTable(); table.ok()) {
      for (const auto& m : config_->maps) {
        if (auto p = EarlierNfsPort(*table, m.dir)) s.port = *p;
      }
    }
    // The sockets the engine before this one served on, which the
    // supervisor held: the same port, with or without the self-mount, and
    // no gap in which connections are refused.
    s.adopt_tcp_fd = TakeHeld(start_.held_pipes, kNfsTcpKey);
    s.adopt_udp_fd = TakeHeld(start_.held_pipes, kNfsUdpKey);
    // Requests reach the engine on its thread, by their directory's point.
    auto deliver = [this](const std::string& dir, const kernel::AutofsPacket& p) {
      boost::asio::post(io_, [this, dir, p] {
        auto it = point_ids_.find(dir);
        if (it != point_ids_.end() && engine_) engine_->OnPacket(it->second, p);
      });
    };
    auto abandon = [this](const std::string& dir, uint32_t token) {
      boost::asio::post(io_, [this, dir, token] {
        auto it = point_ids_.find(dir);
        if (it != point_ids_.end() && engine_) engine_->OnAbandoned(it->second, token);
      });
    };
    nfs_ = std::make_unique<NfsFrontEnd>(s, deliver, kernel_, log_, abandon);
    if (Status st = nfs_->Start(); !st.ok()) {
      log_->error("NFS front end: {}; maps with mount_type = nfs are served with autofs",
                  st.ToString());
      nfs_.reset();
      return;
    }
    auto [tcp, udp] = nfs_->sockets();
    start_.link.Hold(kNfsTcpKey, tcp);
    start_.link.Hold(kNfsUdpKey, udp);
  }

  Status StartEngine() {
    Engine::Options options;
    options.pgrp = ::getpgrp();
    if (nfs_) options.front_ends.push_back(nfs_.get());
    options.inflight = start_.inflight;
    options.held_pipes = start_.held_pipes;
    // Each point's pipe is read here and held by the supervisor for the
    // next engine.
    Engine::Watcher watcher{[this](int id, int fd, const std::string& path) {
                              autofs_.Watch(id, fd);
                              point_paths_[id] = path;
                              point_ids_[path] = id;
                              if (fd >= 0) start_.link.Hold(path, fd);
                            },
                            [this](int id) {
                              autofs_.Unwatch(id);
                              start_.link.Release(point_paths_[id]);
                              point_ids_.erase(point_paths_[id]);
                              point_paths_.erase(id);
                            }};
    facts_ = MakeHostFacts(*config_);  // for the engine and AMQ's version text
    engine_ = std::make_unique<Engine>(io_, kernel_, pool_, world_, facts_, config_, log_, options,
                                       watcher);
    Status started = engine_->Start();
    if (!started.ok()) return started;
    for (const auto& p : engine_->MountPoints()) log_->debug("automount point {}", p);
    return {};
  }

  void OnPipeClosed(int id) {
    if (engine_->OnPipeClosed(id)) {
      log_->warn("every automount point was taken over; exiting, mounts left to their new owner");
      io_.stop();
    }
  }

  void WaitSignal() {
    signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (!ec) OnSignal(sig);
    });
  }

  void OnSignal(int sig) {
    SignalContext context{config_->settings.unmount_on_exit, nfs_ != nullptr};
    SignalAction action = EngineSignalAction(sig, context);
    switch (action) {
      case SignalAction::kIgnore:
        break;
      case SignalAction::kSupervisorGone:
        log_->error(
            "the supervisor process is gone; serving on until another amd takes the "
            "automount points over");
        break;
      case SignalAction::kHandOver:
        log_->warn("another amd is taking over: leaving every mount to it and exiting");
        SdNotify("STOPPING=1");
        engine_->Shutdown([this] { io_.stop(); }, Engine::OnExit::kLeave);
        return;
      case SignalAction::kReleaseOwnership:
        log_->warn(
            "another amd is taking over; serving on until it has taken every automount point "
            "over");
        owner_->Release();
        break;
      case SignalAction::kReload:
        Reload();
        break;
      case SignalAction::kStopUnmounting:
      case SignalAction::kStopLeaving: {
        bool unmount = action == SignalAction::kStopUnmounting;
        log_->info("{}: {}and exiting", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   unmount ? "unmounting " : "");
        SdNotify("STOPPING=1");
        engine_->Shutdown([this] { io_.stop(); },
                          unmount ? Engine::OnExit::kUnmount : Engine::OnExit::kLeave);
        return;
      }
    }
    WaitSignal();
  }

  void Reload() {
    SdNotify("RELOADING=1");
    log_->info("SIGHUP: re-reading the configuration and the maps");
    Diagnostics diag;
    auto fresh = LoadConfig(args_, &diag);
    for (const auto& d : diag.items()) {
      if (d.severity >= Severity::kWarning) log_->error("{}", d.ToString(false));
    }
    if (fresh) {
      config_ = fresh;
      engine_->Reconfigure(fresh);
    } else {
      log_->error("the new configuration has errors; still serving the old one");
      engine_->ReloadMaps(true);
    }
    // The relays of replicated volumes read their policy file again
    // (blocking: on a worker, never on this thread).
    pool_.Submit("relays", [log = log_] {
      for (const auto& [mountpoint, answer] : ReloadRelays()) {
        if (answer.starts_with("ok")) {
          log->info("{}: {}", mountpoint, answer.substr(3));
        } else {
          log->error("{}: the policy file was not read again: {}", mountpoint,
                     answer.starts_with("error ") ? answer.substr(6) : answer);
        }
      }
    });
    SdNotify("READY=1");
  }

  // systemd's watchdog, at half its interval, when it asks for one.
  void PetWatchdog() {
    auto interval = SdWatchdogInterval();
    if (!interval) return;
    SdNotify("WATCHDOG=1");
    watchdog_.expires_after(*interval / 2);
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) PetWatchdog();
    });
  }

  // Once a second: the NULL probes due (one per server, for all its
  // mounts), and every nfs_stats_interval seconds a reading of
  // /proc/self/mountstats and mountinfo, both on workers; the outcomes
  // come back to this thread (nfs_stats.h).
  void NfsStatsTick(long tick) {
    long every = config_->settings.nfs_stats_interval;
    if (every > 0) {
      std::map<std::string, std::string> watched;
      if (tick % every == 0 && !stats_reading_) WatchedNfs(engine_->Tree(), &watched);
      if (!watched.empty()) {
        stats_reading_ = true;
        pool_.Submit("nfs-stats", [this, watched = std::move(watched)] {
          auto stats = kernel::ReadMountStats();
          auto info = ReadMountInfoText();
          boost::asio::post(io_, [this, watched, stats, info] {
            stats_reading_ = false;
            if (!stats.ok()) {
              if (auto n = stats_log_.Count()) {
                log_->warn("NFS statistics ({} times): {}", *n, stats.status().ToString());
              }
              return;
            }
            auto now = failover::Clock::now();
            auto figures = [this](const std::string& mp, const kernel::IoStatFigures& f) {
              engine_->OnNfsFigures(mp, f);
            };
            for (const auto& e : nfs_stats_.Update(*stats, info, watched, now, figures)) {
              log_->warn("{}", e);
            }
          });
        });
      }
      SendNfsProbes();
    }
    stats_timer_.expires_after(std::chrono::seconds(1));
    stats_timer_.async_wait([this, tick](const boost::system::error_code& ec) {
      if (!ec) NfsStatsTick(tick + 1);
    });
  }

  // Every 100 ms: the probes due of replicated volumes on kernel mounts,
  // and the switches decided (kernel_volumes.h). The replica in use is
  // probed every kernel_probe_interval: the tick bounds how late.
  void VolumesTick() {
    SendKernelVolumeProbes();
    engine_->TickKernelVolumes();
    volumes_timer_.expires_after(std::chrono::milliseconds(100));
    volumes_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) VolumesTick();
    });
  }

  static std::string ReadMountInfoText() {
    std::string error;
    return ReadWholeFile("/proc/self/mountinfo", &error).value_or("");
  }

  // The mount points of amd's NFS mounts (types that mount with the
  // kernel's NFS client), with their amq node paths.
  static void WatchedNfs(const Engine::AmqNode& n, std::map<std::string, std::string>* out) {
    if ((n.type == "nfs" || n.type == "nfsl" || n.type == "host" || n.type == "nfsx") &&
        !n.mount_point.empty()) {
      (*out)[n.mount_point] = n.path;
    }
    for (const auto& c : n.children) WatchedNfs(c, out);
  }

  // One probe per server for all its mounts: an NFS NULL call, then
  // (NFSv3) a GETATTR of one of its exports' roots, in turn, on a
  // connection kept from one probe to the next (relay/replica_link.h);
  // the GETATTR's time is the probe's RTT. Where the export's root cannot
  // be had (no rpcbind, MOUNT refused), the NULL call alone answers.
  void SendNfsProbes() {
    auto now = failover::Clock::now();
    using Key = std::tuple<uint32_t, uint16_t, uint32_t>;
    std::map<Key, std::vector<std::string>> servers;
    std::map<Key, sockaddr_in> addresses;
    std::map<Key, std::vector<std::pair<std::string, uint16_t>>> devices;  // and MOUNT ports
    for (const auto& p : nfs_stats_.DueProbes(now)) {
      Key key = std::make_tuple(p.server.sin_addr.s_addr, p.server.sin_port, p.vers);
      servers[key].push_back(p.mount_point);
      addresses[key] = p.server;
      if (!p.device.empty() && p.vers == 3) devices[key].push_back({p.device, p.mount_port});
    }
    auto timeout = nfs_stats_.probe_timeout();
    for (auto& [key, mounts] : servers) {
      sockaddr_in server = addresses[key];
      uint32_t vers = std::get<2>(key);
      std::shared_ptr<relay::ReplicaLink> link;
      if (auto d = devices.find(key); d != devices.end()) {
        const auto& [device, mount_port] = d->second[turn_++ % d->second.size()];
        link = ProbeLink(device, ntohs(server.sin_port), mount_port);
      }
      pool_.Submit("", [this, server, vers, timeout, link, mounts = std::move(mounts)] {
        std::string no_root;
        auto rtt = ProbeServer(server, vers, link.get(), timeout, &no_root);
        auto end = failover::Clock::now();
        boost::asio::post(io_, [this, mounts, rtt, end, link, no_root] {
          for (const auto& m : mounts) nfs_stats_.OnProbe(m, rtt, end);
          if (link && !no_root.empty() && no_root_logged_.insert(link->name()).second) {
            log_->info("{}: probed with NFS NULL calls only: {}", link->name(), no_root);
          }
        });
      });
    }
  }

  // The replicas of volumes on kernel mounts (kernel_volumes.h): each
  // probed on a link of its own (the mount options' port= and
  // mountport=, else rpcbind), NULL then GETATTR of its root, within the
  // probe's timeout (the replica's RTO for the one in use).
  void SendKernelVolumeProbes() {
    for (const auto& p : engine_->KernelVolumeProbes()) {
      auto port = [&](const char* name) {
        auto v = ParseInteger(maps::MountOptionValue(p.options, name).value_or(""));
        return static_cast<uint16_t>(v && *v > 0 && *v < 65536 ? *v : 0);
      };
      auto link = ProbeLink(p.name, port("port"), port("mountport"));
      pool_.Submit("", [this, p, link] {
        bool refused = false;
        std::optional<failover::Duration> rtt;
        if (link) rtt = ProbeReplica(*link, p.timeout, &refused);
        boost::asio::post(io_, [this, p, rtt, refused] {
          engine_->OnKernelVolumeProbe(p.id, p.replica, rtt, refused);
        });
      });
    }
  }

  // `*refused`: the probe failed on a connection error (refused, reset),
  // not a timeout.
  static std::optional<failover::Duration> ProbeReplica(relay::ReplicaLink& link,
                                                        failover::Duration timeout, bool* refused) {
    using std::chrono::duration_cast;
    namespace nfs3 = rpc::nfs3;
    auto timed_out = [](const Status& s) {
      return s.code() == std::make_error_code(std::errc::timed_out);
    };
    auto start = failover::Clock::now();
    auto ch = link.Connect(duration_cast<std::chrono::milliseconds>(timeout));
    if (!ch.ok()) {
      *refused = !timed_out(ch.status());
      return std::nullopt;
    }
    auto left = [&] {
      return timeout - duration_cast<failover::Duration>(failover::Clock::now() - start);
    };
    if (left() <= failover::Duration(0)) return std::nullopt;
    auto null = (*ch)->Call(nfs3::kProgram, 3, nfs3::kNull, {}, &relay::RelayCred(), left());
    if (!null.ok()) {
      if (!timed_out(null.status())) {
        link.Drop();
        *refused = true;
      }
      return std::nullopt;
    }
    return GetattrRoot(link, **ch, left());
  }

  // A GETATTR of `link`'s root on `ch` within `left`: its time, or
  // nullopt (the link dropped when the connection broke or the root's
  // handle is no longer good: a restarted server gives a new one).
  static std::optional<failover::Duration> GetattrRoot(relay::ReplicaLink& link, rpc::Channel& ch,
                                                       failover::Duration left) {
    namespace nfs3 = rpc::nfs3;
    if (left <= failover::Duration(0)) return std::nullopt;
    auto start = failover::Clock::now();
    auto got = ch.Call(nfs3::kProgram, 3, nfs3::kGetattr, nfs3::FhArg(link.root()),
                       &relay::RelayCred(), left);
    if (!got.ok()) {
      if (got.status().code() != std::make_error_code(std::errc::timed_out)) link.Drop();
      return std::nullopt;
    }
    auto attr = nfs3::DecodeGetattr(got->results);
    if (!attr.ok() || attr->stat != nfs3::kOk) {
      link.Drop();
      return std::nullopt;
    }
    return std::chrono::duration_cast<failover::Duration>(failover::Clock::now() - start);
  }

  // The link to `device` ("server:/export") at these NFS and MOUNT ports
  // (0: rpcbind's), made once; nullptr when the name does not parse.
  std::shared_ptr<relay::ReplicaLink> ProbeLink(const std::string& device, uint16_t nfs_port,
                                                uint16_t mount_port) {
    std::string key = device + " " + std::to_string(nfs_port) + " " + std::to_string(mount_port);
    auto it = probe_links_.find(key);
    if (it != probe_links_.end()) return it->second;
    std::shared_ptr<relay::ReplicaLink> link;
    if (auto parsed = relay::ReplicaLink::Parse(device); parsed.ok()) link = std::move(*parsed);
    if (link) link->SetPorts(nfs_port, mount_port);
    if (probe_links_.size() < 4096) probe_links_[key] = link;
    return link;
  }

  static std::optional<failover::Duration> ProbeServer(const sockaddr_in& server, uint32_t vers,
                                                       relay::ReplicaLink* link,
                                                       failover::Duration timeout,
                                                       std::string* no_root) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    namespace nfs3 = rpc::nfs3;
    rpc::Client::Options o;
    o.udp = false;
    o.port = ntohs(server.sin_port);
    rpc::Client client(server, nfs3::kProgram, o);
    auto start = failover::Clock::now();
    auto reply = client.Call(nfs3::kNull, {}, duration_cast<milliseconds>(timeout), vers);
    auto mid = failover::Clock::now();
    if (!reply.ok()) return std::nullopt;
    auto rtt = duration_cast<failover::Duration>(mid - start);
    auto left = timeout - rtt;
    if (link == nullptr || left <= failover::Duration(0)) return rtt;
    auto ch = link->Connect(duration_cast<milliseconds>(left));
    if (!ch.ok()) {  // no root to ask for: the NULL call says it
      *no_root = ch.status().ToString();
      return rtt;
    }
    left = timeout - duration_cast<failover::Duration>(failover::Clock::now() - start);
    return GetattrRoot(*link, **ch, left);
  }

  void StartAmq() {
    AmqService::Settings amq;
    amq.address = config_->settings.amq_listen_address;
    amq.port = config_->settings.preferred_amq_port;
    amq.program = config_->settings.portmap_program;
    // The process to signal: the supervisor, while there is one.
    amq.pid = ::getppid() == start_.supervisor ? start_.supervisor : ::getpid();
    amq.version = VersionString(facts_, &world_);
    amq.host = facts_.host;
    amq.log_file = config_->settings.log_file;
    amq.nfs_stats = [this] { return nfs_stats_.Views(); };
    amq_ = std::make_unique<AmqService>(
        io_, *engine_, amq, log_, [this](const std::string& v) { return SetLogOptions(*log_, v); });
    if (Status s = amq_->Start(); !s.ok())
      log_->error("AMQ: {}; amq cannot reach this amd", s.ToString());
  }

  const conf::ParsedArgs& args_;
  std::shared_ptr<const conf::Config> config_;
  std::shared_ptr<spdlog::logger> log_;
  EngineStart& start_;
  std::unique_ptr<Ownership> owner_;
  boost::asio::io_context io_;
  WorkerPool pool_{8, 2};
  kernel::SystemKernel kernel_;
  SystemWorld world_;
  maps::HostFacts facts_;
  std::unique_ptr<NfsFrontEnd> nfs_;  // outlives the engine
  std::map<std::string, int> point_ids_;
  std::map<int, std::string> point_paths_;
  std::unique_ptr<Engine> engine_;
  AutofsFrontEnd autofs_{
      io_, [this](int id, const kernel::AutofsPacket& p) { engine_->OnPacket(id, p); }, log_,
      [this](int id) { OnPipeClosed(id); }};
  std::unique_ptr<boost::asio::signal_set> signals_;  // once the engine has started
  boost::asio::steady_timer watchdog_{io_};
  NfsStats nfs_stats_;  // before amq_, which shows it
  std::map<std::string, std::shared_ptr<relay::ReplicaLink>> probe_links_;  // by device
  size_t turn_ = 0;                       // which of a server's exports the next probe asks
  std::set<std::string> no_root_logged_;  // devices probed with NULL only, logged once
  std::unique_ptr<AmqService> amq_;
  bool stats_reading_ = false;
  LogLimiter stats_log_;
  boost::asio::steady_timer stats_timer_{io_};
  boost::asio::steady_timer volumes_timer_{io_};
};

}  // namespace

int RunEngineProcess(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config,
                     const std::shared_ptr<spdlog::logger>& log, EngineStart& start) {
  EngineProcess process(args, std::move(config), log, start);
  return process.Run();
}

}  // namespace amd
