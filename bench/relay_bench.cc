// relay_bench: the FUSE relay (amd-relay) against nfs-ganesha replicas in
// the network lab, side by side with libnfs's nfs-cat against the same
// server:
//   - throughput: a 256 MiB file read sequentially through the relay and
//     by nfs-cat, the ratio printed;
//   - metadata: stat of 10,000 files through the relay, cold (first
//     look-up) and warm (the kernel's cache), beside a libnfs client
//     doing the same LOOKUP and GETATTR (libnfs_stat);
//   - stalls: the serving ganesha killed (-9) and stopped (SIGSTOP) N times
//     each under a sequential reader: the longest pause each time, with
//     p50, p99 and max, and every read checked;
//   - slowdown: both replicas' links limited to 400 Mbit/s (tc tbf), the
//     serving one's then to 80 (5x slower) under a sequential reader, S
//     times: how long the relay takes to leave it. (A kernel NFS mount,
//     as Linux autofs makes it, stays on the replica it mounted.)
//
//   relay_bench AMD_RELAY NFS_SERVER_SH LIBNFS_STAT [--rounds N] [--mib M] [--slow-rounds S]
//
// Needs root; bench/run-relay.sh builds and runs it.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
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
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "tests/netlab/netlab.h"

using amd::testing::NetLab;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::string Slurp(const std::string& path) {
  std::string error;
  return amd::ReadWholeFile(path, &error).value_or("");
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Bench {
  std::string relay_bin, server_sh, dir, exp, mnt, log;
  size_t mib = 256;
  NetLab lab{3};
  pid_t servers[3] = {-1, -1, -1};
  pid_t relay = -1;

  // ganesha in host h (the child of the unshare started there).
  pid_t Ganesha(int h) {
    pid_t u = servers[h];
    return static_cast<pid_t>(std::atoi(
        Slurp("/proc/" + std::to_string(u) + "/task/" + std::to_string(u) + "/children").c_str()));
  }
  void StartServer(int h) {
    std::string copy = dir + "/copy" + std::to_string(h), sdir = dir + "/s" + std::to_string(h);
    std::filesystem::create_directories(sdir);
    servers[h] = lab.Spawn(h,
                           {"/usr/bin/unshare", "-m", "-p", "-f", "--kill-child", "--mount-proc",
                            "--propagation", "private", "/bin/sh", "-c",
                            "mount --bind " + copy + " " + exp + " && exec /bin/sh " + server_sh +
                                " " + sdir + " " + exp},
                           sdir + "/server.log");
    std::string url = "nfs://10.77.0." + std::to_string(h + 1) + exp + "/";
    WaitUntil([&] { return lab.Run(0, {"/usr/bin/nfs-ls", url}, nullptr, 5s) == 0; }, 60s);
  }
  std::string Status() {
    std::string out;
    lab.Run(0,
            {"/usr/bin/python3", "-c",
             "import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);"
             "s.send(b'status\\n');print(s.recv(100000).decode())",
             dir + "/relay.sock"},
            &out, 10s);
    return out;
  }
  int Serving() {
    std::string s = Status();
    auto at = s.find("\"replica\":\"10.77.0.");
    return at == std::string::npos ? -1 : std::atoi(s.c_str() + at + 19) - 1;
  }
  std::string State(int h) {
    std::string s = Status();
    auto at = s.find("\"name\":\"10.77.0." + std::to_string(h + 1) + ":");
    if (at == std::string::npos) return "";
    at = s.find("\"state\":\"", at);
    return at == std::string::npos ? "" : s.substr(at + 9, s.find('"', at + 9) - at - 9);
  }
};

// Reads `path` sequentially until `stop`, dropping what it read from the
// page cache; the longest pause between two reads, and failures.
struct Reader {
  std::atomic<bool> stop{false};
  std::atomic<long long> longest_us{0};
  std::atomic<int> failures{0};
  std::thread t;
  Reader(const std::string& path, const std::string& expect) {
    t = std::thread([this, path, &expect] {
      int fd = ::open(path.c_str(), O_RDONLY);
      std::string buf(1 << 20, '\0');
      size_t off = 0;
      auto last = Clock::now();
      while (!stop) {
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
        auto now = Clock::now();
        if (n <= 0 || std::memcmp(buf.data(), expect.data() + off, static_cast<size_t>(n)) != 0) {
          ++failures;
          continue;
        }
        long long us = std::chrono::duration_cast<std::chrono::microseconds>(now - last).count();
        if (us > longest_us) longest_us = us;
        last = now;
        ::posix_fadvise(fd, static_cast<off_t>(off), n, POSIX_FADV_DONTNEED);
        off = (off + static_cast<size_t>(n)) % expect.size();
      }
      ::close(fd);
    });
  }
  ~Reader() {
    stop = true;
    t.join();
  }
};

constexpr int kFiles = 10000;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: relay_bench AMD_RELAY NFS_SERVER_SH LIBNFS_STAT [--rounds N] [--mib M]\n");
    return 2;
  }
  std::string libnfs_stat = argv[3];
  int rounds = 20, slow_rounds = 5;
  Bench b;
  b.relay_bin = argv[1];
  b.server_sh = argv[2];
  for (int i = 4; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--mib") b.mib = static_cast<size_t>(std::atoi(argv[i + 1]));
    if (std::string(argv[i]) == "--slow-rounds") slow_rounds = std::atoi(argv[i + 1]);
  }
  if (!b.lab.status().ok()) {
    std::fprintf(stderr, "relay_bench: %s\n", b.lab.status().ToString().c_str());
    return 1;
  }
  char tmpl[] = "/tmp/relay-bench-XXXXXX";
  b.dir = ::mkdtemp(tmpl);
  b.exp = b.dir + "/export";
  b.mnt = b.dir + "/mnt";
  std::filesystem::create_directories(b.exp);
  std::filesystem::create_directories(b.mnt);
  std::string big(b.mib << 20, '\0');
  std::mt19937_64 g(1);
  for (size_t i = 0; i + 8 <= big.size(); i += 8) {
    uint64_t v = g();
    std::memcpy(&big[i], &v, 8);
  }
  for (int h = 1; h <= 2; ++h) {
    std::string copy = b.dir + "/copy" + std::to_string(h);
    std::filesystem::create_directories(copy);
    std::ofstream(copy + "/big.bin", std::ios::binary) << big;
    std::ofstream(copy + "/.amd-revision") << "1\n";
    std::filesystem::create_directories(copy + "/many");
    for (int i = 0; i < kFiles; ++i) std::ofstream(copy + "/many/f" + std::to_string(i)) << i;
    for (auto& e : std::filesystem::directory_iterator(copy))
      std::filesystem::last_write_time(e.path(), std::filesystem::file_time_type(1700000000s));
    b.StartServer(h);
  }
  b.log = b.dir + "/relay.log";
  b.relay = b.lab.Spawn(0,
                        {b.relay_bin, "--foreground", "--control", b.dir + "/relay.sock",
                         "--volume", b.exp, b.mnt, "10.77.0.2:" + b.exp, "10.77.0.3:" + b.exp},
                        b.log);
  if (!WaitUntil([&] { return Slurp(b.log).find(" on " + b.mnt) != std::string::npos; }, 30s)) {
    std::fprintf(stderr, "relay_bench: the relay did not start:\n%s", Slurp(b.log).c_str());
    return 1;
  }
  std::printf(
      "relay_bench: %zu MiB, replicas on 10.77.0.2 and .3 (nfs-ganesha), client 10.77.0.1\n",
      b.mib);
  // Throughput, three runs each, alternating; the best of each.
  double relay_best = 1e9, cat_best = 1e9;
  for (int run = 0; run < 3; ++run) {
    std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
    auto t0 = Clock::now();
    int rc =
        b.lab.Run(0, {"/bin/sh", "-c", "cat " + b.mnt + "/big.bin > /dev/null"}, nullptr, 300s);
    double relay_s = Seconds(Clock::now() - t0);
    t0 = Clock::now();
    int rc2 = b.lab.Run(
        0, {"/bin/sh", "-c", "/usr/bin/nfs-cat nfs://10.77.0.2" + b.exp + "/big.bin > /dev/null"},
        nullptr, 300s);
    double cat_s = Seconds(Clock::now() - t0);
    if (rc != 0 || rc2 != 0)
      std::printf("  run %d: relay exit %d, nfs-cat exit %d\n", run, rc, rc2);
    relay_best = std::min(relay_best, relay_s);
    cat_best = std::min(cat_best, cat_s);
  }
  double mb = static_cast<double>(b.mib) * 1.048576;
  std::printf("throughput: relay %.0f MB/s, nfs-cat %.0f MB/s, relay/nfs-cat %.2f\n",
              mb / relay_best, mb / cat_best, cat_best / relay_best);
  // Metadata: stat of every file, cold then warm, beside libnfs.
  auto stat_all = [&] {
    auto t = Clock::now();
    for (int i = 0; i < kFiles; ++i) {
      struct stat st;
      ::stat((b.mnt + "/many/f" + std::to_string(i)).c_str(), &st);
    }
    return Seconds(Clock::now() - t);
  };
  double cold = stat_all(), warm = stat_all();
  std::string out;
  b.lab.Run(0, {libnfs_stat, "10.77.0.2", b.exp + "/many", "f", std::to_string(kFiles)}, &out,
            300s);
  double direct = std::atof(out.c_str());
  std::printf(
      "metadata: stat of %d files: relay cold %.0f ms, warm %.0f ms; libnfs %.0f ms; "
      "libnfs/relay cold %.2f, warm %.1f\n",
      kFiles, cold * 1000, warm * 1000, direct * 1000, direct / cold, direct / warm);
  // Stalls.
  for (int sig : {SIGKILL, SIGSTOP}) {
    std::vector<double> stalls;
    int failures = 0;
    for (int r = 0; r < rounds; ++r) {
      int serving = b.Serving();
      if (serving < 1) break;
      int other = 3 - serving;
      if (!WaitUntil([&] { return b.State(other) == "up"; }, 30s)) break;
      std::this_thread::sleep_for(500ms);
      double stall;
      {
        Reader reader(b.mnt + "/big.bin", big);
        std::this_thread::sleep_for(500ms);
        reader.longest_us = 0;
        ::kill(b.Ganesha(serving), sig);
        WaitUntil([&] { return b.Serving() == other; }, 10s);
        std::this_thread::sleep_for(1000ms);
        stall = static_cast<double>(reader.longest_us) / 1000.0;
        failures += reader.failures;
      }
      stalls.push_back(stall);
      if (sig == SIGKILL) {
        ::waitpid(b.servers[serving], nullptr, 0);
        b.StartServer(serving);
      } else {
        ::kill(b.Ganesha(serving), SIGCONT);
      }
    }
    std::printf("stalls (%s, %zu rounds): p50 %.0f ms, p99 %.0f ms, max %.0f ms; failed reads %d\n",
                sig == SIGKILL ? "kill -9" : "SIGSTOP", stalls.size(), Percentile(stalls, 0.5),
                Percentile(stalls, 0.99),
                stalls.empty() ? 0 : *std::max_element(stalls.begin(), stalls.end()), failures);
  }
  // Slowdown.
  constexpr int kLinkMbit = 400;
  std::vector<double> left;
  int slow_failures = 0;
  for (int h = 1; h <= 2; ++h) b.lab.LimitRate(h, kLinkMbit);
  for (int r = 0; r < slow_rounds; ++r) {
    int serving = b.Serving();
    if (serving < 1) break;
    int other = 3 - serving;
    if (!WaitUntil([&] { return b.State(other) == "up"; }, 30s)) break;
    std::this_thread::sleep_for(10s);  // the policy's min_dwell since the last switch
    Reader reader(b.mnt + "/big.bin", big);
    std::this_thread::sleep_for(3s);
    b.lab.LimitRate(serving, kLinkMbit / 5);
    auto t0 = Clock::now();
    bool moved = WaitUntil([&] { return b.Serving() == other; }, 60s);
    double took = Seconds(Clock::now() - t0);
    b.lab.LimitRate(serving, kLinkMbit);
    slow_failures += reader.failures;
    if (!moved) {
      std::printf("  slowdown round %d: still on the slow replica after 60 s\n", r);
      break;
    }
    left.push_back(took);
    std::printf("  slowdown round %d: left after %.1f s\n", r, took);
  }
  std::printf(
      "slowdown (%d Mbit/s links, one made 5x slower; %zu rounds): left after p50 %.1f s, "
      "max %.1f s; failed reads %d; a kernel NFS mount (Linux autofs): never\n",
      kLinkMbit, left.size(), Percentile(left, 0.5),
      left.empty() ? 0 : *std::max_element(left.begin(), left.end()), slow_failures);
  ::umount2(b.mnt.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(b.dir, ec);
  return 0;
}
