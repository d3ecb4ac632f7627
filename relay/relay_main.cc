// amd-relay: serves one replicated read-only NFS volume on a directory
// through FUSE, switching replicas under open files. amd starts one for
// each replicated key it mounts with the relay data path; it can also be
// run by hand. See amd-relay(8).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "failover/policy_file.h"
#include "kernel-shim/fuse_session.h"
#include "relay/control.h"
#include "relay/relay.h"
#include "rlp/rlp_query.h"

namespace amd::relay {
namespace {

const char kUsage[] =
    "usage: amd-relay [options] MOUNTPOINT HOST:/EXPORT...\n"
    "  --volume NAME     the volume's name, what RLP asks for (default: the first export)\n"
    "  --policy FILE     the failover policy (default /etc/amd/failover.yaml)\n"
    "  --policy-volume NAME  use NAME's section of it (default: the volume's)\n"
    "  --control PATH    answer status and switch requests on this Unix socket\n"
    "  --rlp             find more replicas by RLP broadcast\n"
    "  --rlp-host ADDR   ask ADDR with RLP Do-You-Provide? (repeatable)\n"
    "  --foreground      stay in the foreground, log to standard error\n";

struct Args {
  std::string mountpoint, volume, control, policy_volume;
  std::string policy = "/etc/amd/failover.yaml";
  std::vector<std::string> replicas;
  bool rlp = false, foreground = false;
  std::vector<uint32_t> rlp_hosts;
};

std::optional<Args> Parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (s == "--volume" && (v = value())) {
      a.volume = *v;
    } else if (s == "--policy" && (v = value())) {
      a.policy = *v;
    } else if (s == "--policy-volume" && (v = value())) {
      a.policy_volume = *v;
    } else if (s == "--control" && (v = value())) {
      a.control = *v;
    } else if (s == "--rlp") {
      a.rlp = true;
    } else if (s == "--rlp-host" && (v = value())) {
      in_addr addr{};
      if (::inet_pton(AF_INET, v->c_str(), &addr) != 1) {
        std::fprintf(stderr, "amd-relay: --rlp-host %s: not an IPv4 address\n", v->c_str());
        return std::nullopt;
      }
      a.rlp = true;
      a.rlp_hosts.push_back(ntohl(addr.s_addr));
    } else if (s == "--foreground") {
      a.foreground = true;
    } else if (s.starts_with("-")) {
      std::fprintf(stderr, "amd-relay: unknown or incomplete option %s\n%s", s.c_str(), kUsage);
      return std::nullopt;
    } else {
      rest.push_back(s);
    }
  }
  if (rest.size() < 2) {
    std::fputs(kUsage, stderr);
    return std::nullopt;
  }
  a.mountpoint = rest[0];
  a.replicas.assign(rest.begin() + 1, rest.end());
  if (a.volume.empty()) {
    auto c = a.replicas[0].find(":/");
    a.volume = c == std::string::npos ? a.replicas[0] : a.replicas[0].substr(c + 1);
  }
  return a;
}

// The IPv4 addresses of the map's replica hosts (so RLP does not find
// them again under another name).
std::set<uint32_t> KnownHosts(const std::vector<std::string>& replicas) {
  std::set<uint32_t> out;
  for (const auto& r : replicas) {
    std::string host = r.substr(0, r.find(":/"));
    addrinfo hints{};
    hints.ai_family = AF_INET;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) == 0 && res) {
      out.insert(ntohl(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr));
      ::freeaddrinfo(res);
    }
  }
  return out;
}

std::function<std::vector<std::string>()> RlpDiscovery(const Args& a) {
  if (!a.rlp) return {};
  return [volume = a.volume, hosts = a.rlp_hosts, known = KnownHosts(a.replicas)] {
    rlp::QueryOptions q;
    auto res = rlp::NfsVolume(volume);
    if (!res.ok()) return std::vector<std::string>();
    q.resources.push_back(*res);
    q.hosts = hosts;
    auto answer = rlp::Ask(q);
    std::vector<std::string> found;
    if (!answer.ok()) {
      spdlog::warn("volume {}: RLP: {}", volume, answer.status().ToString());
      return found;
    }
    for (const auto& p : answer->providers) {
      if (p.resources.empty() || known.count(p.address)) continue;
      in_addr addr{htonl(p.address)};
      char text[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, &addr, text, sizeof text);
      found.push_back(std::string(text) + ":" + volume);
    }
    return found;
  };
}

// Forks: the parent waits until the child has mounted (its exit status
// says whether it did); the child returns the pipe to report on.
int Daemonize() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(p[1]);
    char buf[512];
    ssize_t n = ::read(p[0], buf, sizeof buf - 1);
    if (n > 0 && buf[0] == '+') ::_exit(0);
    if (n > 1) std::fprintf(stderr, "amd-relay: %.*s\n", static_cast<int>(n - 1), buf + 1);
    ::_exit(1);
  }
  ::close(p[0]);
  return p[1];
}

void Report(int fd, bool ok, const std::string& what) {
  if (fd < 0) return;
  std::string msg = (ok ? "+" : "-") + what;
  (void)!::write(fd, msg.data(), msg.size());
  ::close(fd);
}

int Main(int argc, char** argv) {
  auto args = Parse(argc, argv);
  if (!args) return 2;
  // SIGHUP reads the policy again (below); blocked in every thread, it is
  // taken by sigtimedwait, never by the FUSE session's handler (which
  // would end the session).
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  int report = -1;
  if (!args->foreground) {
    report = Daemonize();
    spdlog::set_default_logger(
        spdlog::syslog_logger_mt("amd-relay", "amd-relay", LOG_PID, LOG_DAEMON));
  }
  auto fail = [&](const std::string& why) {
    spdlog::error("{}", why);
    if (args->foreground) std::fprintf(stderr, "amd-relay: %s\n", why.c_str());
    Report(report, false, why);
    return 1;
  };
  auto policies = failover::ReadPolicyFile(args->policy);
  if (!policies.ok()) return fail(policies.status().ToString());
  const std::string section = args->policy_volume.empty() ? args->volume : args->policy_volume;
  RelayOptions o;
  o.volume = args->volume;
  o.mountpoint = args->mountpoint;
  o.replicas = args->replicas;
  o.policy = policies->For(section);
  o.discover = RlpDiscovery(*args);
  auto relay = Relay::Open(std::move(o));
  if (!relay.ok()) return fail(relay.status().ToString());
  kernel::FuseSession::Options so;
  so.fsname = args->volume;
  so.subtype = "amd-relay";
  auto session = kernel::FuseSession::Mount(args->mountpoint, so, relay->get());
  if (!session.ok()) return fail(session.status().ToString());
  // The policy file read again (SIGHUP, or amd's "reload"): a file with
  // errors leaves the policy in force as it is.
  Relay* r = relay->get();
  auto reload = [&args, &section, r]() -> Result<std::string> {
    auto fresh = failover::ReadPolicyFile(args->policy);
    if (!fresh.ok()) {
      spdlog::error("volume {}: {}; the policy in force is kept", args->volume,
                    fresh.status().ToString());
      return fresh.status();
    }
    r->SetPolicy(fresh->For(section));
    spdlog::info("volume {}: policy read again from {}", args->volume, args->policy);
    return "policy read again from " + args->policy;
  };
  std::atomic<bool> done{false};
  std::thread hangups([&] {
    timespec slice{0, 200 * 1000 * 1000};
    while (!done) {
      if (::sigtimedwait(&hup, nullptr, &slice) == SIGHUP) (void)reload();
    }
  });
  struct Joiner {
    std::atomic<bool>& done;
    std::thread& thread;
    ~Joiner() {
      done = true;
      thread.join();
    }
  } joiner{done, hangups};
  std::unique_ptr<ControlServer> control;
  if (!args->control.empty()) {
    auto c = ControlServer::Start(args->control, relay->get(), reload);
    if (!c.ok()) return fail(c.status().ToString());
    control = std::move(*c);
  }
  spdlog::info("volume {} on {}, from {}", args->volume, args->mountpoint,
               (*relay)->serving_name());
  if (report >= 0) {
    // Mounted from amd's process group (autofs lets that group pass);
    // now a session of its own, so that it outlives amd.
    ::setsid();
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    Report(report, true, "");
  }
  Status s = (*session)->Run();
  (*relay)->Stop();
  control.reset();
  session->reset();
  spdlog::info("volume {} on {}: unmounted{}", args->volume, args->mountpoint,
               s.ok() ? "" : ": " + s.ToString());
  return 0;
}

}  // namespace
}  // namespace amd::relay

int main(int argc, char** argv) { return amd::relay::Main(argc, argv); }
