// autofs_bench: amd against Linux autofs 5.1.8 and two reference points,
// measured in one run on the same wildcard map of bind mounts:
//   bare    mount(2) of a bind mount, nothing else;
//   floor   a minimal autofs responder (bench/floor.cc): the fastest any
//           autofs daemon can be;
//   amd     this daemon;
//   autofs  Debian's automount (forks /bin/mount per mount).
// It prints trigger latency over 200 keys (the floor and amd: 5 rounds of
// 200 keys, interleaved in chunks of 20, for a steadier median on a
// virtual machine whose speed drifts), a storm of 2,000 keys from 64
// threads, how long 2,000 idle mounts take to go, and amd's start-up,
// trigger latency and RSS with 10 / 100,000 / 1,000,000-entry maps, with
// the ratios the targets in ../shared/DESIGN.md are stated in.
//
// Run it as root inside a private mount namespace (bench/run.sh does).
//   autofs_bench AMD_BINARY [--before AMD_BINARY] [--no-autofs] [--keys N] [--repeat N]
//                [--storm N] [--threads N]
// With --before, a second amd (an earlier build, bench/compare.sh) is
// measured beside the first in the same interleaved rounds, and the
// ratios of the two are printed too.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/floor.h"
#include "kernel-shim/mountinfo.h"

extern char** environ;

namespace amd::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Options {
  std::string amd;
  std::string before;  // an earlier amd to compare with, or ""
  bool autofs = true;
  int keys = 200;
  int repeat = 5;  // rounds of `keys` first accesses for the floor and amd
  int storm = 2000;
  int threads = 64;
};

struct Latency {
  double min = 0, median = 0, p90 = 0, p99 = 0;
};

Latency Summarize(std::vector<double> v) {
  Latency l;
  if (v.empty()) return l;
  std::sort(v.begin(), v.end());
  l.min = v.front();
  l.median = v[v.size() / 2];
  l.p90 = v[v.size() * 90 / 100];
  l.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  return l;
}

int MountsUnder(const std::string& dir) {
  auto t = kernel::ReadMountInfo();
  return t.ok() ? static_cast<int>(kernel::MountsUnder(*t, dir).size()) : -1;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The resident memory of `pid` and its children (amd's supervisor and
// its engine process).
long RssKiB(pid_t pid) {
  long total = 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) total += std::stol(line.substr(6));
  }
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  for (pid_t child; children >> child;) total += RssKiB(child);
  return total;
}

pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& log, bool new_session) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<std::string> a = args, e = env;
  std::vector<char*> argv, envp;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : e) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, a[0].c_str(), &fa, &attr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 600; ++i) {
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// amd with a notify socket, so "ready" is its own READY=1.
struct AmdInstance {
  pid_t pid = -1;
  double ready_ms = 0;
};

AmdInstance StartAmd(const std::string& binary, const std::string& root, const std::string& name,
                     const std::string& dir, const std::string& map_text) {
  std::string maps = root + "/maps-" + name;
  ::mkdir(maps.c_str(), 0755);
  std::ofstream(maps + "/amd.bench") << map_text;
  std::string conf = root + "/amd-" + name + ".conf";
  std::ofstream(conf) << "[ global ]\nsearch_path = " << maps << "\nauto_dir = " << root
                      << "/a\nplock = no\ncache_duration = 1\nlog_options = fatal,error\n"
                      << "[ " << dir << " ]\nmap_name = amd.bench\n";
  std::string sock = root + "/notify-" + name;
  int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  AmdInstance a;
  auto t0 = Clock::now();
  a.pid = Spawn({binary, "-F", conf, "--foreground"},
                {"NOTIFY_SOCKET=" + sock, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
                root + "/amd-" + name + ".log", false);
  char buf[256];
  timeval tv{30, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (true) {
    ssize_t n = ::recv(s, buf, sizeof buf - 1, 0);
    if (n <= 0) {
      a.pid = -1;
      break;
    }
    if (std::string(buf, static_cast<size_t>(n)).find("READY=1") != std::string::npos) break;
  }
  a.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  ::close(s);
  return a;
}

pid_t StartAutofs(const std::string& root, const std::string& dir) {
  std::ofstream(root + "/auto.bench") << "* -fstype=bind :" << root << "/src/&\n";
  std::ofstream(root + "/auto.master") << dir << " " << root << "/auto.bench --timeout=1\n";
  pid_t pid = Spawn({"/usr/sbin/automount", "-f", "-t", "1", root + "/auto.master"},
                    {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, root + "/autofs.log", true);
  if (!WaitFor([&] { return MountsUnder(dir) >= 1; }, std::chrono::seconds(20))) {
    Stop(pid);
    return -1;
  }
  return pid;
}

// Accesses dir/k<from>..k<from+n-1> one at a time; microseconds each.
std::vector<double> Trigger(const std::string& dir, int from, int n, int* errors) {
  std::vector<double> us;
  for (int i = from; i < from + n; ++i) {
    std::string p = dir + "/k" + std::to_string(i) + "/.";
    struct stat st;
    auto t0 = Clock::now();
    int r = ::stat(p.c_str(), &st);
    us.push_back(Us(Clock::now() - t0));
    if (r != 0) ++*errors;
  }
  return us;
}

struct Storm {
  double wall_ms = 0, per_s = 0;
  int errors = 0;
};

Storm RunStorm(const std::string& dir, int from, int keys, int threads) {
  std::atomic<int> errors{0};
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = from + t; i < from + keys; i += threads) {
        struct stat st;
        if (::stat((dir + "/k" + std::to_string(i) + "/.").c_str(), &st) != 0) ++errors;
      }
    });
  }
  for (auto& t : ts) t.join();
  Storm s;
  s.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  s.per_s = keys / (s.wall_ms / 1000.0);
  s.errors = errors;
  return s;
}

// Seconds from when the mounts became expirable (last use + 1 s timeout)
// until none is left; -1 if they are not gone within `limit`.
double TimeToUnmount(const std::string& dir, Clock::time_point last_use, int base_mounts) {
  bool gone = WaitFor([&] { return MountsUnder(dir) <= base_mounts; }, std::chrono::seconds(120));
  if (!gone) return -1;
  return std::chrono::duration<double>(Clock::now() - (last_use + std::chrono::seconds(1))).count();
}

void PrintLatency(const char* name, const Latency& l, int errors) {
  std::printf("  %-14s %9.1f %9.1f %9.1f %9.1f   %d\n", name, l.min, l.median, l.p90, l.p99,
              errors);
}

// amd with maps of 10, 100,000 and 1,000,000 entries: start-up, trigger
// median and RSS; the medians, for the ratios.
std::vector<double> LargeMaps(const std::string& binary, const char* label, const Options& o,
                              const std::string& root, int total) {
  std::printf(
      "\n%s with large maps%*s entries   ready ms   trigger median us   RSS MiB   (%d keys "
      "each)\n",
      label, static_cast<int>(18 - std::strlen(label)), "", o.keys);
  std::vector<double> medians;
  for (int n : {10, 100000, 1000000}) {
    std::string text = "/defaults type:=lofs\n";
    text.reserve(static_cast<size_t>(n) * 48);
    for (int i = 0; i < n; ++i)
      text +=
          "k" + std::to_string(i) + " rfs:=" + root + "/src/k" + std::to_string(i % total) + "\n";
    std::string name = std::string(label) + "-big" + std::to_string(n);
    std::string dir = root + "/" + name;
    AmdInstance a = StartAmd(binary, root, name, dir, text);
    if (a.pid <= 0) {
      std::printf("  %d entries: %s did not start\n", n, label);
      continue;
    }
    // The same number of first accesses in every map: distinct keys spread
    // over it (a key that is mounted already triggers nothing), as many as
    // in the trigger test (the 10-entry map repeats none: fewer samples).
    int errors = 0;
    std::vector<double> us;
    for (int i = 0; i < std::min(o.keys, n); ++i) {
      int k = static_cast<int>((static_cast<long>(i) * 7919) % n);
      struct stat st;
      auto t0 = Clock::now();
      if (::stat((dir + "/k" + std::to_string(k) + "/.").c_str(), &st) != 0) ++errors;
      us.push_back(Us(Clock::now() - t0));
    }
    Latency l = Summarize(us);
    medians.push_back(l.median);
    std::printf("  %26d %10.1f %19.1f %9.1f%s\n", n, a.ready_ms, l.median, RssKiB(a.pid) / 1024.0,
                errors ? " (errors)" : "");
    Stop(a.pid);
  }
  return medians;
}

struct Subject {
  Subject(std::string n, std::string d) : name(std::move(n)), dir(std::move(d)) {}
  std::string name, dir;
  pid_t pid = -1;
  std::vector<double> latency;
  int latency_errors = 0;
  Storm storm;
  double unmount_s = -2;  // -2: not measured
  int base = 0;           // mounts under dir before any trigger
};

// The command line; nullopt (after the usage) when it is wrong.
std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: autofs_bench AMD_BINARY [--before AMD_BINARY] [--no-autofs] [--keys N] "
                 "[--repeat N] [--storm N] [--threads N]\n");
    return std::nullopt;
  }
  o.amd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-autofs") o.autofs = false;
    if (a == "--before" && i + 1 < argc) o.before = argv[++i];
    if (a == "--keys" && i + 1 < argc) o.keys = std::stoi(argv[++i]);
    if (a == "--repeat" && i + 1 < argc) o.repeat = std::max(1, std::stoi(argv[++i]));
    if (a == "--storm" && i + 1 < argc) o.storm = std::stoi(argv[++i]);
    if (a == "--threads" && i + 1 < argc) o.threads = std::stoi(argv[++i]);
  }
  if (o.autofs && ::access("/usr/sbin/automount", X_OK) != 0) {
    std::fprintf(
        stderr,
        "autofs_bench: /usr/sbin/automount missing (apt-get install autofs); use --no-autofs\n");
    return std::nullopt;
  }
  return o;
}

// Bare mount(2) of `keys` bind mounts: the latency of each.
std::vector<double> BareMounts(const Options& o, const std::string& root) {
  std::vector<double> bare;
  ::mkdir((root + "/bare").c_str(), 0755);
  for (int i = 0; i < o.keys; ++i) {
    std::string t = root + "/bare/k" + std::to_string(i);
    ::mkdir(t.c_str(), 0755);
    auto t0 = Clock::now();
    ::mount((root + "/src/k" + std::to_string(i)).c_str(), t.c_str(), nullptr, MS_BIND, nullptr);
    bare.push_back(Us(Clock::now() - t0));
  }
  for (int i = 0; i < o.keys; ++i) ::umount2((root + "/bare/k" + std::to_string(i)).c_str(), 0);

  return bare;
}

// The floor, amd (and the earlier amd) in interleaved rounds of trigger
// latency; then autofs's latency; then each one's storm and idle unmount.
void RunSubjects(const Options& o, const std::string& root, int latency_keys,
                 std::vector<Subject>& subjects) {
  subjects.emplace_back("floor", root + "/floor");
  subjects.emplace_back("amd", root + "/amd");
  if (!o.before.empty()) subjects.emplace_back("amd-before", root + "/amd-before");
  if (o.autofs) subjects.emplace_back("autofs", root + "/autofs");
  auto start = [&](Subject& s) {
    if (s.name == "floor") s.pid = StartFloor(s.dir, root + "/src");
    if (s.name == "amd" || s.name == "amd-before") {
      s.pid = StartAmd(s.name == "amd" ? o.amd : o.before, root, s.name + "-wild", s.dir,
                       "* type:=lofs;rfs:=" + root + "/src/${key};opts:=unmount\n")
                  .pid;
    }
    if (s.name == "autofs") s.pid = StartAutofs(root, s.dir);
    if (s.pid <= 0) std::printf("  %s did not start\n", s.name.c_str());
    s.base = s.pid > 0 ? MountsUnder(s.dir) : 0;
  };
  // Trigger latency of the floor and amd in alternating rounds of 20 keys,
  // so that both see the same machine (a VM's speed drifts), with a pause
  // between rounds so that neither runs while the other's threads are
  // still awake. All of it takes well under a second: no mount expires
  // meanwhile.
  size_t interleaved = o.before.empty() ? 2 : 3;  // the floor, amd, and the earlier amd
  for (size_t i = 0; i < interleaved; ++i) start(subjects[i]);
  for (int from = 0; from < latency_keys; from += 20) {
    for (size_t i = 0; i < interleaved; ++i) {
      Subject& s = subjects[i];
      if (s.pid <= 0) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      auto us = Trigger(s.dir, from, std::min(20, latency_keys - from), &s.latency_errors);
      s.latency.insert(s.latency.end(), us.begin(), us.end());
    }
  }
  for (auto& s : subjects) {
    if (s.name == "autofs") {
      start(s);
      if (s.pid > 0) s.latency = Trigger(s.dir, 0, o.keys, &s.latency_errors);
    }
    if (s.pid <= 0) continue;
    // The amds still running (this one too) let their trigger rounds'
    // mounts go first, so that each measures its storm and idle unmount
    // from the same state, with no other amd unmounting beside it.
    for (auto& other : subjects) {
      if (other.pid <= 0 || other.name.rfind("amd", 0) != 0) continue;
      WaitFor([&] { return MountsUnder(other.dir) <= other.base; }, std::chrono::seconds(120));
    }
    int base = s.base;
    s.storm = RunStorm(s.dir, latency_keys, o.storm, o.threads);
    auto last = Clock::now();
    if (s.name != "floor") s.unmount_s = TimeToUnmount(s.dir, last, base);
    Stop(s.pid);
    s.pid = 0;  // stopped
  }
}

void PrintSubjects(const Options& o, const std::vector<double>& bare,
                   std::vector<Subject>& subjects) {
  std::printf("trigger latency (us): %d keys; floor and amd %d rounds of them, interleaved\n",
              o.keys, o.repeat);
  std::printf("                        min    median       p90       p99   errors\n");
  PrintLatency("bare mount(2)", Summarize(bare), 0);
  for (auto& s : subjects) PrintLatency(s.name.c_str(), Summarize(s.latency), s.latency_errors);
  std::printf("\nstorm: %d keys from %d threads    wall ms   mounts/s   errors\n", o.storm,
              o.threads);
  for (auto& s : subjects) {
    std::printf("  %-14s %18.1f %10.0f   %d\n", s.name.c_str(), s.storm.wall_ms, s.storm.per_s,
                s.storm.errors);
  }
  std::printf("\nidle mounts gone, s after expirable (cache 1 s)\n");
  for (auto& s : subjects) {
    if (s.unmount_s == -2) continue;
    if (s.unmount_s < 0) {
      std::printf("  %-14s %18s (not all gone within the limit)\n", s.name.c_str(), "> 120");
    } else {
      std::printf("  %-14s %18.2f\n", s.name.c_str(), s.unmount_s);
    }
  }
}

// The ratios the targets in DESIGN.md are stated in, and with --before
// those of this amd to the earlier one.
void PrintRatios(const Options& o, const std::vector<Subject>& subjects,
                 const std::vector<double>& medians, const std::vector<double>& medians_before) {
  auto med = [&](const char* name) {
    for (auto& s : subjects) {
      if (s.name == name && !s.latency.empty()) return Summarize(s.latency).median;
    }
    return 0.0;
  };
  auto rate = [&](const char* name) {
    for (auto& s : subjects) {
      if (s.name == name) return s.storm.per_s;
    }
    return 0.0;
  };
  auto gone = [&](const char* name) {
    for (auto& s : subjects) {
      if (s.name == name) return s.unmount_s;
    }
    return -1.0;
  };
  std::printf("\nratios (targets from DESIGN.md)\n");
  std::printf("  amd / floor trigger median      %8.2f   (target <= 1.2)\n",
              med("amd") / med("floor"));
  if (o.autofs)
    std::printf("  autofs / amd trigger median     %8.1f   (target >= 100)\n",
                med("autofs") / med("amd"));
  std::printf("  amd / floor storm mounts/s      %8.2f   (target >= 0.6)\n",
              rate("amd") / rate("floor"));
  if (o.autofs && gone("amd") > 0) {
    if (gone("autofs") < 0) {
      std::printf(
          "  autofs / amd idle unmount time  > %6.1f   (target >= 10; autofs hit the limit)\n",
          120.0 / gone("amd"));
    } else {
      std::printf("  autofs / amd idle unmount time  %8.1f   (target >= 10)\n",
                  gone("autofs") / gone("amd"));
    }
  }
  if (medians.size() == 3)
    std::printf("  1M / 10-entry map trigger       %8.2f   (target <= 1.2)\n",
                medians[2] / medians[0]);
  if (!o.before.empty()) {
    std::printf("\nthis amd against the earlier one (%s), measured side by side\n",
                o.before.c_str());
    std::printf("  trigger median, amd / before    %8.2f   (below 1: faster now)\n",
                med("amd") / med("amd-before"));
    std::printf("  amd-before / floor trigger      %8.2f\n", med("amd-before") / med("floor"));
    std::printf("  storm mounts/s, amd / before    %8.2f   (above 1: faster now)\n",
                rate("amd") / rate("amd-before"));
    if (gone("amd") > 0 && gone("amd-before") > 0)
      std::printf("  idle unmount time, amd / before %8.2f\n", gone("amd") / gone("amd-before"));
    if (medians_before.size() == 3) {
      std::printf("  1M / 10-entry map, before       %8.2f\n",
                  medians_before[2] / medians_before[0]);
      std::printf("  1M-entry trigger, amd / before  %8.2f\n", medians[2] / medians_before[2]);
    }
  }
}

int Main(int argc, char** argv) {
  auto parsed = ParseArgs(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  char tmpl[] = "/tmp/amd-bench-XXXXXX";
  std::string root = ::mkdtemp(tmpl);
  ::mount("amd-bench", root.c_str(), "tmpfs", 0, "size=256m");
  int latency_keys = o.keys * o.repeat;  // the floor's and amd's
  int total = latency_keys + o.storm;
  ::mkdir((root + "/src").c_str(), 0755);
  for (int i = 0; i < total; ++i) ::mkdir((root + "/src/k" + std::to_string(i)).c_str(), 0755);
  std::printf("amd benchmark: %d trigger keys, storm of %d keys from %d threads, in %s\n\n", o.keys,
              o.storm, o.threads, root.c_str());

  std::vector<double> bare = BareMounts(o, root);
  std::vector<Subject> subjects;
  RunSubjects(o, root, latency_keys, subjects);
  PrintSubjects(o, bare, subjects);
  std::vector<double> medians = LargeMaps(o.amd, "amd", o, root, total);
  std::vector<double> medians_before;
  if (!o.before.empty()) medians_before = LargeMaps(o.before, "amd-before", o, root, total);

  PrintRatios(o, subjects, medians, medians_before);
  ::umount2(root.c_str(), MNT_DETACH);
  ::rmdir(root.c_str());
  return 0;
}

}  // namespace
}  // namespace amd::bench

int main(int argc, char** argv) { return amd::bench::Main(argc, argv); }
