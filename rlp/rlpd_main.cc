// rlpd: the RLP (RFC 887) responder for NFS servers. It answers
// Who-Provides? and Do-You-Provide? for the volumes this host exports,
// from /etc/rlpd.yaml and the local MOUNT service's export list. See
// rlpd(8).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/interfaces.h"
#include "rlp/rlp_responder.h"
#include "rlp/rlpd_config.h"
#include "rpc/mount_protocol.h"

namespace amd::rlp {
namespace {

void Log(const std::string& line) { std::fprintf(stderr, "rlpd: %s\n", line.c_str()); }

const char kUsage[] =
    "usage: rlpd [-c FILE] [-p PORT] [-v] [--check]\n"
    "  -c FILE   configuration (default /etc/rlpd.yaml; when not given and\n"
    "            missing, answer for the local MOUNT service's exports)\n"
    "  -p PORT   UDP port to listen on (default 39, or the file's port)\n"
    "  -v        log every answer\n"
    "  --check   read the configuration and the export list, print what\n"
    "            would be provided, and exit (1 if the file has an error)\n";

// What is provided: the configuration's volumes and resources, plus the
// MOUNT service's exports, read on a thread of their own so that a slow
// MOUNT service never delays an answer.
class Exports {
 public:
  ~Exports() { Stop(); }

  void Configure(const RlpdConfig& c, bool start_reader = true) {
    {
      std::lock_guard lock(mu_);
      config_ = c;
      reread_ = true;
      Rebuild();
    }
    if (start_reader && c.mount_exports && !thread_.joinable())
      thread_ = std::thread([this] { Run(); });
    wake_.notify_all();
  }

  std::shared_ptr<const Provided> Current() {
    std::lock_guard lock(mu_);
    return provided_;
  }

  // One read, for --check.
  Status ReadOnce() { return Fetch(); }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Rebuild() {
    auto p = std::make_shared<Provided>();
    p->volumes = config_.volumes;
    if (config_.mount_exports)
      p->volumes.insert(p->volumes.end(), exported_.begin(), exported_.end());
    p->resources = config_.resources;
    provided_ = std::move(p);
  }

  Status Fetch() {
    std::string host;
    uint16_t port = 0;
    {
      std::lock_guard lock(mu_);
      host = config_.mount_host;
      port = config_.mount_port;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    auto list = rpc::FetchExports(a, port ? std::optional<uint16_t>(port) : std::nullopt, "",
                                  std::chrono::seconds(3));
    std::lock_guard lock(mu_);
    if (!list.ok()) {
      std::string why = list.status().ToString();
      if (why != last_error_) {
        Log("the export list of " + host + " could not be read (" + why + "); answering from " +
            (exported_.empty() ? "the configuration alone" : "the last list read"));
      }
      last_error_ = why;
      return list.status();
    }
    std::vector<std::string> dirs;
    for (const auto& e : *list) dirs.push_back(e.dir);
    if (dirs != exported_ || !last_error_.empty() || !read_once_) {
      std::string names;
      for (const auto& d : dirs) names += " " + d;
      Log("exports of " + host + ":" + (names.empty() ? " (none)" : names));
    }
    read_once_ = true;
    last_error_.clear();
    exported_ = std::move(dirs);
    Rebuild();
    return Status();
  }

  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      reread_ = false;  // before the read: a reload during it reads again
      if (config_.mount_exports) {
        lock.unlock();
        Fetch();
        lock.lock();
      }
      wake_.wait_for(lock, config_.refresh, [&] { return stop_ || reread_; });
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  RlpdConfig config_;
  std::vector<std::string> exported_;
  std::string last_error_;
  bool read_once_ = false;
  bool stop_ = false;
  bool reread_ = false;  // a new configuration: read the export list now
  std::shared_ptr<const Provided> provided_ = std::make_shared<Provided>();
  std::thread thread_;
};

// This host's networks, re-read at most every few seconds.
class Networks {
 public:
  const std::vector<Ipv4Interface>& Get() {
    auto now = std::chrono::steady_clock::now();
    if (now - read_ > std::chrono::seconds(5)) {
      list_ = Ipv4Interfaces();
      read_ = now;
    }
    return list_;
  }

 private:
  std::vector<Ipv4Interface> list_;
  std::chrono::steady_clock::time_point read_{};
};

int Main(int argc, char** argv) {
  std::string config_path = kDefaultRlpdConfig;
  bool explicit_config = false, check = false, verbose = false;
  int port_override = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc) {
      config_path = argv[++i];
      explicit_config = true;
    } else if ((a == "-p" || a == "--port") && i + 1 < argc) {
      port_override = std::atoi(argv[++i]);
      if (port_override < 1 || port_override > 65535) {
        std::fprintf(stderr, "rlpd: -p %s: not a port\n", argv[i]);
        return 2;
      }
    } else if (a == "-v") {
      verbose = true;
    } else if (a == "--check") {
      check = true;
    } else {
      std::fputs(kUsage, stderr);
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  auto config = ReadRlpdConfig(config_path, explicit_config);
  if (!config.ok()) {
    Log(config.status().context());
    return 1;
  }
  for (const auto& w : config->warnings) Log(w);
  if (port_override) config->port = static_cast<uint16_t>(port_override);

  Exports exports;
  if (check) {
    exports.Configure(*config, false);
    if (config->mount_exports) exports.ReadOnce();  // a failure is logged; the file itself is fine
    auto p = exports.Current();
    for (const auto& v : p->volumes) std::printf("volume %s\n", v.c_str());
    for (const auto& r : p->resources) std::printf("resource %s\n", ResourceName(r).c_str());
    return 0;
  }

  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGUSR1, SIGTERM, SIGINT}) sigaddset(&signals, s);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  int sfd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  // Room for bursts: 1 MiB, beyond net.core.rmem_max when allowed to.
  int rcvbuf = 1 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(config->port);
  ::inet_pton(AF_INET, config->listen.c_str(), &local.sin_addr);
  if (fd < 0 || sfd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    Log("cannot listen on " + config->listen + " UDP port " + std::to_string(config->port) + ": " +
        std::strerror(errno));
    return 1;
  }
  exports.Configure(*config);
  Responder responder(config->limits);
  Networks networks;
  Log("listening on " + config->listen + " UDP port " + std::to_string(config->port) + "; " +
      std::to_string(config->volumes.size()) + " configured volume(s)" +
      (config->mount_exports ? ", and the exports of " + config->mount_host : std::string()));

  auto last_limit_log = std::chrono::steady_clock::time_point{};
  uint64_t send_failures = 0;
  uint8_t buf[kMaxDatagram];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  for (;;) {
    pollfd p[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) {
      Log(std::string("poll: ") + std::strerror(errno));
      return 1;
    }
    signalfd_siginfo si;
    while (::read(sfd, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGUSR1) {
        Log(responder.StatsLine());
      } else if (si.ssi_signo == SIGHUP) {
        auto fresh = ReadRlpdConfig(config_path, explicit_config);
        if (!fresh.ok()) {
          Log(fresh.status().context() + "; keeping the configuration in use");
          continue;
        }
        for (const auto& w : fresh->warnings) Log(w);
        if (port_override) fresh->port = static_cast<uint16_t>(port_override);
        if (fresh->port != config->port || fresh->listen != config->listen) {
          Log("listen and port changes take effect at the next start");
        }
        config = std::move(fresh);
        exports.Configure(*config);
        responder.set_limits(config->limits);
        Log("configuration reloaded: " + std::to_string(config->volumes.size()) +
            " configured volume(s)");
      } else {
        Log("stopping: " + responder.StatsLine());
        return 0;
      }
    }
    for (int batch = 0; batch < 256; ++batch) {
      sockaddr_in from{};
      iovec iov{buf, sizeof buf};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(fd, &msg, 0);
      if (n < 0) break;
      in_pktinfo arrived{};
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
          std::memcpy(&arrived, CMSG_DATA(c), sizeof arrived);
      }
      uint32_t source = ntohl(from.sin_addr.s_addr);
      auto peer = [&] { return Ipv4ToString(source) + ":" + std::to_string(ntohs(from.sin_port)); };
      auto request = [&](const Responder::Decision& d) {
        return d.request ? Describe(*d.request) : std::string();
      };
      // The address to answer from. A request sent to one of our
      // addresses is answered from that address. A broadcast is answered
      // from our address on the requester's network, so that a server on
      // several networks names the address the requester can reach.
      uint32_t to = ntohl(arrived.ipi_addr.s_addr), reply_from = 0;
      bool from_local = false;
      for (const auto& i : networks.Get()) {
        if (!i.up) continue;
        if (i.OnNetwork(source) && !from_local) {
          from_local = true;
          if (reply_from == 0) reply_from = i.address;
        }
        if (i.address == to) reply_from = to;
      }
      auto now = std::chrono::steady_clock::now();
      auto d = responder.Handle(std::span<const uint8_t>(buf, static_cast<size_t>(n)), source,
                                from_local, *exports.Current(), now, ntohs(from.sin_port));
      const auto& st = responder.stats();
      switch (d.outcome) {
        case Responder::Outcome::kMalformed:
          if (st.malformed <= 10 || st.malformed % 1000 == 0) {
            Log("dropped malformed datagram #" + std::to_string(st.malformed) + " from " + peer() +
                ": " + d.why);
          }
          break;
        case Responder::Outcome::kNotRequest:
          if (st.not_request <= 10 || st.not_request % 1000 == 0) {
            Log("dropped #" + std::to_string(st.not_request) + " from " + peer() +
                ", a reply, not a request: " + request(d));
          }
          break;
        case Responder::Outcome::kRateLimited:
          if (now - last_limit_log > std::chrono::seconds(10)) {
            last_limit_log = now;
            Log("over the rate limit (" + std::to_string(static_cast<long>(config->limits.rate)) +
                "/s): " + peer() + "; " + std::to_string(st.rate_limited) +
                " datagrams dropped so far");
          }
          break;
        case Responder::Outcome::kNotLocal:
          if (verbose) Log("not answering " + peer() + ", not on our networks: " + request(d));
          break;
        case Responder::Outcome::kSilent:
          if (verbose) Log("silent to " + peer() + ": " + request(d));
          break;
        case Responder::Outcome::kAnswer: {
          iovec out{d.reply.data(), d.reply.size()};
          msghdr reply{};
          reply.msg_name = &from;
          reply.msg_namelen = sizeof from;
          reply.msg_iov = &out;
          reply.msg_iovlen = 1;
          alignas(cmsghdr) char rc[CMSG_SPACE(sizeof(in_pktinfo))] = {};
          reply.msg_control = rc;
          reply.msg_controllen = sizeof rc;
          cmsghdr* c = CMSG_FIRSTHDR(&reply);
          c->cmsg_level = IPPROTO_IP;
          c->cmsg_type = IP_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
          in_pktinfo info{};
          info.ipi_spec_dst = reply_from != 0 ? in_addr{htonl(reply_from)} : arrived.ipi_spec_dst;
          std::memcpy(CMSG_DATA(c), &info, sizeof info);
          if (::sendmsg(fd, &reply, 0) < 0) {
            // A forged source (port 0, say) must not flood the log either.
            if (++send_failures <= 10 || send_failures % 1000 == 0) {
              Log("answer #" + std::to_string(send_failures) + " to " + peer() +
                  " not sent: " + std::strerror(errno));
            }
          } else if (verbose) {
            Log("answered " + peer() + ": " + request(d));
          }
          break;
        }
      }
    }
  }
}

}  // namespace
}  // namespace amd::rlp

int main(int argc, char** argv) { return amd::rlp::Main(argc, argv); }
