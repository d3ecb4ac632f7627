// nfs_bench: LOOKUP + READLINK round trips against amd's classic NFS front
// end, and against nfs-ganesha serving a directory of the same symbolic
// links, side by side in one run, over loopback, with the same load
// generator: T threads, each on its own TCP connection, each asking
// LOOKUP(key) then READLINK(handle) for keys in turn for S seconds.
// Prints round trips per second, per-operation latency (median, p99), the
// latency of a key's first LOOKUP at amd (which waits for the engine), and
// the ratio amd / ganesha.
//
//   nfs_bench AMD_BINARY [--keys N] [--threads T] [--seconds S] [--no-ganesha]
//
// Run it as root in private mount and network namespaces (bench/run-nfs.sh
// does): it brings lo up, starts amd (with --no-self-mount: no kernel NFS
// client is needed), rpcbind and ganesha.nfsd itself, and stops them by pid.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_stream.h"

namespace {

namespace nfs3 = amd::rpc::nfs3;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;

struct Options {
  std::string amd;
  int keys = 1000;
  int threads = 4;
  int seconds = 5;
  bool ganesha = true;
};

// One TCP connection that sends a call and waits for its reply.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // The results of one call, or nullopt.
  std::optional<Bytes> Call(uint32_t prog, uint32_t proc, const Bytes& args) {
    amd::rpc::AuthSys cred;
    cred.machine = "bench";
    auto msg = amd::rpc::FrameRecord(amd::rpc::CallMessage(++xid_, prog, 3, proc, args, &cred));
    if (::send(fd_, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size()))
      return std::nullopt;
    while (true) {
      if (auto r = records_.Next()) {
        auto reply = amd::rpc::ParseReply(*r);
        if (!reply.ok()) return std::nullopt;
        if (reply->xid != xid_) continue;
        return Bytes(reply->results.begin(), reply->results.end());
      }
      ssize_t n = ::recv(fd_, buf_, sizeof buf_, 0);
      if (n <= 0) return std::nullopt;
      if (!records_.Feed(std::span<const uint8_t>(buf_, static_cast<size_t>(n))))
        return std::nullopt;
    }
  }

 private:
  int fd_ = -1;
  uint32_t xid_ = 1;
  amd::rpc::RecordAssembler records_{1 << 20};
  uint8_t buf_[65536];
};

// The handle that a MNT or LOOKUP result begins with, when its status is OK.
std::optional<Bytes> HandleOf(const std::optional<Bytes>& results) {
  if (!results) return std::nullopt;
  amd::rpc::XdrReader rd(*results);
  uint32_t stat;
  std::span<const uint8_t> fh;
  if (!rd.U32(&stat) || stat != 0 || !rd.Opaque(64, &fh)) return std::nullopt;
  return Bytes(fh.begin(), fh.end());
}

std::optional<Bytes> MountRoot(uint16_t port, const std::string& path) {
  Conn c(port);
  if (!c.ok()) return std::nullopt;
  Bytes args;
  amd::rpc::XdrWriter(&args).String(path);
  return HandleOf(c.Call(nfs3::mount::kProgram, nfs3::mount::kMnt, args));
}

std::optional<Bytes> Lookup(Conn& c, const Bytes& dir, const std::string& name) {
  Bytes args;
  amd::rpc::XdrWriter w(&args);
  w.Opaque(dir);
  w.String(name);
  return HandleOf(c.Call(nfs3::kProgram, nfs3::kLookup, args));
}

bool Readlink(Conn& c, const Bytes& fh) {
  Bytes args;
  amd::rpc::XdrWriter(&args).Opaque(fh);
  auto r = c.Call(nfs3::kProgram, nfs3::kReadlink, args);
  if (!r) return false;
  amd::rpc::XdrReader rd(*r);
  uint32_t stat;
  return rd.U32(&stat) && stat == 0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Result {
  double pairs_per_s = 0;
  double lookup_med = 0, lookup_p99 = 0, readlink_med = 0, readlink_p99 = 0;
  uint64_t errors = 0;
};

Result Load(uint16_t nfs_port, const Bytes& root, int keys, int threads, int seconds) {
  std::vector<std::vector<double>> lookups(threads), readlinks(threads);
  std::atomic<uint64_t> pairs{0}, errors{0};
  auto until = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      Conn c(nfs_port);
      if (!c.ok()) {
        ++errors;
        return;
      }
      lookups[t].reserve(1 << 20);
      readlinks[t].reserve(1 << 20);
      for (int i = t; Clock::now() < until; i = (i + threads) % keys) {
        auto a = Clock::now();
        auto fh = Lookup(c, root, "k" + std::to_string(i));
        auto b = Clock::now();
        if (!fh || !Readlink(c, *fh)) {
          ++errors;
          continue;
        }
        auto e = Clock::now();
        lookups[t].push_back(std::chrono::duration<double, std::micro>(b - a).count());
        readlinks[t].push_back(std::chrono::duration<double, std::micro>(e - b).count());
        ++pairs;
      }
    });
  }
  for (auto& t : ts) t.join();
  std::vector<double> l, r;
  for (int t = 0; t < threads; ++t) {
    l.insert(l.end(), lookups[t].begin(), lookups[t].end());
    r.insert(r.end(), readlinks[t].begin(), readlinks[t].end());
  }
  Result out;
  out.pairs_per_s = static_cast<double>(pairs) / seconds;
  out.lookup_med = Percentile(l, 0.5);
  out.lookup_p99 = Percentile(l, 0.99);
  out.readlink_med = Percentile(r, 0.5);
  out.readlink_p99 = Percentile(r, 0.99);
  out.errors = errors;
  return out;
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string ReadAll(const std::string& path) {
  std::string error;
  return amd::ReadWholeFile(path, &error).value_or("");
}

void Print(const char* who, const Result& r) {
  std::printf("%-8s %12.0f %10.1f %10.1f %10.1f %10.1f %8llu\n", who, r.pairs_per_s, r.lookup_med,
              r.lookup_p99, r.readlink_med, r.readlink_p99,
              static_cast<unsigned long long>(r.errors));
}

}  // namespace

namespace fs = std::filesystem;

// The command line; nullopt (after the usage) when it is wrong.
std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keys" && i + 1 < argc)
      o.keys = std::atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      o.threads = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc)
      o.seconds = std::atoi(argv[++i]);
    else if (a == "--no-ganesha")
      o.ganesha = false;
    else if (o.amd.empty())
      o.amd = a;
  }
  if (o.amd.empty() || o.keys < 1 || o.threads < 1 || o.seconds < 1) {
    std::fprintf(
        stderr,
        "usage: nfs_bench AMD_BINARY [--keys N] [--threads T] [--seconds S] [--no-ganesha]\n");
    return std::nullopt;
  }
  return o;
}

// amd's map (one link key per key), the links ganesha serves, amd.conf.
void WriteSetup(const Options& o, const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir + "/maps");
  fs::create_directories(dir + "/links");
  {
    std::ofstream map(dir + "/maps/amd.bench");
    for (int i = 0; i < o.keys; ++i) {
      map << "k" << i << " type:=link;fs:=/srv/bench/target" << i << "\n";
      fs::create_symlink("/srv/bench/target" + std::to_string(i),
                         dir + "/links/k" + std::to_string(i));
    }
    std::ofstream conf(dir + "/amd.conf");
    conf << "[ global ]\nsearch_path = " << dir << "/maps\nauto_dir = " << dir << "/a\nplock = no\n"
         << "nfs_allow_insecure_port = yes\nlog_file = " << dir
         << "/amd.log\ncache_duration = 3600\n"
         << "[ " << dir << "/home ]\nmap_name = amd.bench\nmount_type = nfs\n";
  }
}

// nfs-ganesha serving the same links, loaded as amd was; nullopt with
// `note` saying why when it cannot run.
std::optional<Result> RunGanesha(const Options& o, const std::string& dir, std::string* note) {
  std::optional<Result> ganesha_result;
  if (o.ganesha && fs::exists("/usr/bin/ganesha.nfsd") && fs::exists("/sbin/rpcbind")) {
    ::mkdir("/run", 0755);
    std::system("mount -t tmpfs bench-run /run");
    pid_t rpcbind = Spawn({"/sbin/rpcbind", "-f"}, dir + "/rpcbind.out");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(dir + "/ganesha.conf")
        << "NFS_CORE_PARAM { Protocols = 3; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; "
           "Enable_RQUOTA = false; }\n"
        << "EXPORT { Export_Id = 1; Path = " << dir << "/links; Pseudo = /links; Access_Type = RO; "
        << "Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys; FSAL { Name = "
           "VFS; } }\n"
        << "LOG { Default_Log_Level = WARN; }\n";
    pid_t ganesha = Spawn({"/usr/bin/ganesha.nfsd", "-F", "-f", dir + "/ganesha.conf", "-L",
                           dir + "/ganesha.log", "-p", "/run/ganesha.pid"},
                          dir + "/ganesha.out");
    std::optional<Bytes> groot;
    for (int i = 0; i < 100 && !groot; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      groot = MountRoot(20048, dir + "/links");
    }
    if (groot) {
      ganesha_result = Load(2049, *groot, o.keys, o.threads, o.seconds);
    } else {
      *note = "ganesha did not answer MNT; see " + dir + "/ganesha.log";
    }
    Stop(ganesha);
    Stop(rpcbind);
  } else {
    *note = "ganesha.nfsd or rpcbind is missing (bench/run-nfs.sh installs them)";
  }

  return ganesha_result;
}

void PrintResults(const Options& o, const Result& amd_result,
                  const std::optional<Result>& ganesha_result, const std::string& ganesha_note,
                  std::vector<double>& first) {
  std::printf("LOOKUP+READLINK over loopback TCP: %d keys, %d threads, %d s each\n", o.keys,
              o.threads, o.seconds);
  std::printf("%-8s %12s %10s %10s %10s %10s %8s\n", "server", "pairs/s", "LOOKUP", "LOOKUP",
              "READLINK", "READLINK", "errors");
  std::printf("%-8s %12s %10s %10s %10s %10s %8s\n", "", "", "med us", "p99 us", "med us", "p99 us",
              "");
  Print("amd", amd_result);
  if (ganesha_result) {
    Print("ganesha", *ganesha_result);
    std::printf("amd / ganesha round trips per second: %.2f\n",
                amd_result.pairs_per_s / ganesha_result->pairs_per_s);
  } else {
    std::printf("ganesha: not run: %s\n", ganesha_note.c_str());
  }
  std::printf(
      "first LOOKUP of a key at amd (resolved by the engine): median %.1f us, p99 %.1f us (%zu "
      "keys)\n",
      Percentile(first, 0.5), Percentile(first, 0.99), first.size());
}

int main(int argc, char** argv) {
  auto parsed = ParseArgs(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  if (std::system("ip link set lo up") != 0) return 1;
  std::string dir = "/tmp/amd-nfs-bench";
  WriteSetup(o, dir);
  pid_t amd =
      Spawn({o.amd, "-F", dir + "/amd.conf", "--foreground", "--no-self-mount"}, dir + "/amd.out");
  std::optional<uint16_t> port;
  for (int i = 0; i < 100 && !port; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::smatch m;
    std::string log = ReadAll(dir + "/amd.log");
    if (std::regex_search(log, m, std::regex("MOUNTv3 on 127\\.0\\.0\\.1:([0-9]+)")) &&
        log.find("ready:") != std::string::npos) {
      port = static_cast<uint16_t>(std::stoi(m[1].str()));
    }
  }
  if (!port) {
    std::fprintf(stderr, "nfs_bench: amd did not start:\n%s\n", ReadAll(dir + "/amd.log").c_str());
    Stop(amd);
    return 1;
  }
  auto root = MountRoot(*port, dir + "/home");
  if (!root) {
    std::fprintf(stderr, "nfs_bench: MNT of amd failed\n");
    Stop(amd);
    return 1;
  }
  // First lookups: each waits for the engine to resolve the key.
  std::vector<double> first;
  {
    Conn c(*port);
    for (int i = 0; i < o.keys; ++i) {
      auto a = Clock::now();
      auto fh = Lookup(c, *root, "k" + std::to_string(i));
      if (fh) first.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    }
  }
  Result amd_result = Load(*port, *root, o.keys, o.threads, o.seconds);
  Stop(amd);

  std::string ganesha_note;
  std::optional<Result> ganesha_result = RunGanesha(o, dir, &ganesha_note);
  PrintResults(o, amd_result, ganesha_result, ganesha_note, first);
  fs::remove_all(dir);
  return amd_result.errors == 0 ? 0 : 1;
}
