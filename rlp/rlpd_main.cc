// rlpd: the RLP (RFC 887) responder for NFS servers. It answers
// Who-Provides? and Do-You-Provide? for the volumes this host exports,
// from /etc/rlpd.yaml and the local MOUNT service's export list. See
// rlpd(8). The decisions are Responder's (rlp_responder.h); this file is
// the socket loop and its log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "rlp/rlp_responder.h"
#include "rlp/rlpd_args.h"
#include "rlp/rlpd_config.h"
#include "rlp/rlpd_exports.h"

namespace amd::rlp {
namespace {

void Log(const std::string& line) { std::fprintf(stderr, "rlpd: %s\n", line.c_str()); }

// One datagram as received: its bytes, who sent it, and the address it
// arrived at.
struct Datagram {
  std::span<const uint8_t> bytes;
  sockaddr_in from{};
  in_pktinfo arrived{};
  uint32_t source() const { return ntohl(from.sin_addr.s_addr); }
  std::string Peer() const {
    return Ipv4ToString(source()) + ":" + std::to_string(ntohs(from.sin_port));
  }
};

class Server {
 public:
  Server(RlpdArgs args, RlpdConfig config)
      : args_(std::move(args)),
        config_(std::move(config)),
        exports_(Log),
        responder_(config_.limits) {}
  ~Server() {
    if (fd_ >= 0) ::close(fd_);
    if (sfd_ >= 0) ::close(sfd_);
  }

  // --check: what would be provided.
  int Check() {
    exports_.Configure(config_, false);
    if (config_.mount_exports) exports_.ReadOnce();  // a failure is logged; the file itself is fine
    auto p = exports_.Current();
    for (const auto& v : p->volumes) std::printf("volume %s\n", v.c_str());
    for (const auto& r : p->resources) std::printf("resource %s\n", ResourceName(r).c_str());
    return 0;
  }

  // Serves until SIGTERM or SIGINT; the exit status.
  int Run() {
    if (!Listen()) return 1;
    exports_.Configure(config_);
    Log("listening on " + config_.listen + " UDP port " + std::to_string(config_.port) + "; " +
        std::to_string(config_.volumes.size()) + " configured volume(s)" +
        (config_.mount_exports ? ", and the exports of " + config_.mount_host : std::string()));
    for (;;) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {sfd_, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) {
        Log(std::string("poll: ") + std::strerror(errno));
        return 1;
      }
      if (auto status = OnSignals()) return *status;
      for (int batch = 0; batch < 256 && ReceiveOne(); ++batch) {
      }
    }
  }

 private:
  // The signals as a descriptor, and the UDP socket bound.
  bool Listen() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGHUP, SIGUSR1, SIGTERM, SIGINT}) sigaddset(&signals, s);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    sfd_ = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    ::setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    // Room for bursts: 1 MiB, beyond net.core.rmem_max when allowed to.
    int rcvbuf = 1 << 20;
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(config_.port);
    ::inet_pton(AF_INET, config_.listen.c_str(), &local.sin_addr);
    if (fd_ < 0 || sfd_ < 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      Log("cannot listen on " + config_.listen + " UDP port " + std::to_string(config_.port) +
          ": " + std::strerror(errno));
      return false;
    }
    return true;
  }

  // SIGUSR1 logs the counters, SIGHUP reloads; SIGTERM and SIGINT give
  // the exit status.
  std::optional<int> OnSignals() {
    signalfd_siginfo si;
    while (::read(sfd_, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGUSR1) {
        Log(responder_.StatsLine());
      } else if (si.ssi_signo == SIGHUP) {
        Reload();
      } else {
        Log("stopping: " + responder_.StatsLine());
        return 0;
      }
    }
    return std::nullopt;
  }

  void Reload() {
    auto fresh = ReadRlpdConfig(args_.config_path, args_.explicit_config);
    if (!fresh.ok()) {
      Log(fresh.status().context() + "; keeping the configuration in use");
      return;
    }
    for (const auto& w : fresh->warnings) Log(w);
    if (args_.port_override) fresh->port = args_.port_override;
    if (fresh->port != config_.port || fresh->listen != config_.listen) {
      Log("listen and port changes take effect at the next start");
    }
    config_ = std::move(*fresh);
    exports_.Configure(config_);
    responder_.set_limits(config_.limits);
    Log("configuration reloaded: " + std::to_string(config_.volumes.size()) +
        " configured volume(s)");
  }

  // Receives and handles one datagram; false when none is waiting.
  bool ReceiveOne() {
    Datagram d;
    iovec iov{buf_, sizeof buf_};
    msghdr msg{};
    msg.msg_name = &d.from;
    msg.msg_namelen = sizeof d.from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control_;
    msg.msg_controllen = sizeof control_;
    ssize_t n = ::recvmsg(fd_, &msg, 0);
    if (n < 0) return false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        std::memcpy(&d.arrived, CMSG_DATA(c), sizeof d.arrived);
    }
    d.bytes = std::span<const uint8_t>(buf_, static_cast<size_t>(n));
    Handle(d);
    return true;
  }

  // The address to answer from, and whether the sender is on one of our
  // networks. A request sent to one of our addresses is answered from
  // that address. A broadcast is answered from our address on the
  // requester's network, so that a server on several networks names the
  // address the requester can reach.
  uint32_t ReplyAddress(const Datagram& d, bool* from_local) {
    uint32_t to = ntohl(d.arrived.ipi_addr.s_addr), reply_from = 0;
    *from_local = false;
    for (const auto& i : networks_.Get()) {
      if (!i.up) continue;
      if (i.OnNetwork(d.source()) && !*from_local) {
        *from_local = true;
        if (reply_from == 0) reply_from = i.address;
      }
      if (i.address == to) reply_from = to;
    }
    return reply_from;
  }

  void Handle(const Datagram& d) {
    bool from_local = false;
    uint32_t reply_from = ReplyAddress(d, &from_local);
    auto now = std::chrono::steady_clock::now();
    auto decision = responder_.Handle(d.bytes, d.source(), from_local, *exports_.Current(), now,
                                      ntohs(d.from.sin_port));
    if (decision.outcome == Responder::Outcome::kAnswer) {
      Send(d, decision, reply_from);
    } else {
      LogDropped(d, decision, now);
    }
  }

  static std::string RequestOf(const Responder::Decision& d) {
    return d.request ? Describe(*d.request) : std::string();
  }

  // Why a datagram got no answer, logged sparingly: a flood must not
  // flood the log.
  void LogDropped(const Datagram& d, const Responder::Decision& decision,
                  std::chrono::steady_clock::time_point now) {
    const auto& st = responder_.stats();
    switch (decision.outcome) {
      case Responder::Outcome::kMalformed:
        if (st.malformed <= 10 || st.malformed % 1000 == 0) {
          Log("dropped malformed datagram #" + std::to_string(st.malformed) + " from " + d.Peer() +
              ": " + decision.why);
        }
        break;
      case Responder::Outcome::kNotRequest:
        if (st.not_request <= 10 || st.not_request % 1000 == 0) {
          Log("dropped #" + std::to_string(st.not_request) + " from " + d.Peer() +
              ", a reply, not a request: " + RequestOf(decision));
        }
        break;
      case Responder::Outcome::kRateLimited:
        if (now - last_limit_log_ > std::chrono::seconds(10)) {
          last_limit_log_ = now;
          Log("over the rate limit (" + std::to_string(static_cast<long>(config_.limits.rate)) +
              "/s): " + d.Peer() + "; " + std::to_string(st.rate_limited) +
              " datagrams dropped so far");
        }
        break;
      case Responder::Outcome::kNotLocal:
        if (args_.verbose)
          Log("not answering " + d.Peer() + ", not on our networks: " + RequestOf(decision));
        break;
      case Responder::Outcome::kSilent:
        if (args_.verbose) Log("silent to " + d.Peer() + ": " + RequestOf(decision));
        break;
      case Responder::Outcome::kAnswer:
        break;
    }
  }

  // The answer, sent from `reply_from` (or where the request arrived).
  void Send(const Datagram& d, Responder::Decision& decision, uint32_t reply_from) {
    sockaddr_in to = d.from;
    iovec out{decision.reply.data(), decision.reply.size()};
    msghdr reply{};
    reply.msg_name = &to;
    reply.msg_namelen = sizeof to;
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
    info.ipi_spec_dst = reply_from != 0 ? in_addr{htonl(reply_from)} : d.arrived.ipi_spec_dst;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    if (::sendmsg(fd_, &reply, 0) < 0) {
      // A forged source (port 0, say) must not flood the log either.
      if (++send_failures_ <= 10 || send_failures_ % 1000 == 0) {
        Log("answer #" + std::to_string(send_failures_) + " to " + d.Peer() +
            " not sent: " + std::strerror(errno));
      }
    } else if (args_.verbose) {
      Log("answered " + d.Peer() + ": " + RequestOf(decision));
    }
  }

  RlpdArgs args_;
  RlpdConfig config_;
  RlpdExports exports_;
  Responder responder_;
  RlpdNetworks networks_;
  int fd_ = -1, sfd_ = -1;
  std::chrono::steady_clock::time_point last_limit_log_{};
  uint64_t send_failures_ = 0;
  uint8_t buf_[kMaxDatagram];
  alignas(cmsghdr) char control_[CMSG_SPACE(sizeof(in_pktinfo))];
};

int Main(int argc, char** argv) {
  int exit_status = 0;
  std::string message;
  auto args =
      ParseRlpdArgs(std::vector<std::string>(argv + 1, argv + argc), &exit_status, &message);
  if (!args) {
    std::fputs(message.c_str(), stderr);
    return exit_status;
  }
  auto config = ReadRlpdConfig(args->config_path, args->explicit_config);
  if (!config.ok()) {
    Log(config.status().context());
    return 1;
  }
  for (const auto& w : config->warnings) Log(w);
  if (args->port_override) config->port = args->port_override;
  Server server(*args, std::move(*config));
  return args->check ? server.Check() : server.Run();
}

}  // namespace
}  // namespace amd::rlp

int main(int argc, char** argv) { return amd::rlp::Main(argc, argv); }
