// map_bench: how fast a file map of N entries becomes ready (read, parse,
// check every entry, index) and how long a look-up takes, for 10, 100,000
// and 1,000,000 entries, with the process's RSS after each load.
//   build/bench/map_bench [entries...]
// The map is written to $TMPDIR and removed afterwards.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "maps/file_map_source.h"
#include "maps/map.h"

namespace {

using Clock = std::chrono::steady_clock;

long RssKiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void Run(long n) {
  std::string path = std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/amd-map-bench." +
                     std::to_string(getpid());
  {
    std::ofstream out(path);
    out << "/defaults type:=lofs;opts:=rw\n";
    for (long i = 0; i < n; ++i) {
      out << "key" << i << " rfs:=/srv/data/" << i << ";fs:=${autodir}/k" << i << "\n";
    }
    out << "* rfs:=/srv/other/${key}\n";
  }
  long rss_before = RssKiB();
  auto t0 = Clock::now();
  amd::Diagnostics diag;
  amd::maps::Map map(std::make_unique<amd::maps::FileMapSource>("bench", path), std::nullopt, false,
                     &diag);
  if (!map.Load(&diag)) {
    std::fprintf(stderr, "load failed\n");
    return;
  }
  auto t1 = Clock::now();
  long rss_after = RssKiB();
  std::vector<double> ns;
  const int kLookups = 20000;
  for (int i = 0; i < kLookups; ++i) {
    std::string key = "key" + std::to_string((i * 7919L) % std::max(n, 1L));
    auto a = Clock::now();
    auto r = map.Lookup(key, nullptr);
    auto b = Clock::now();
    if (!r.found()) std::fprintf(stderr, "missing %s\n", key.c_str());
    ns.push_back(std::chrono::duration<double, std::nano>(b - a).count());
  }
  std::sort(ns.begin(), ns.end());
  std::printf(
      "%9ld entries: ready in %8.1f ms, lookup median %6.0f ns p99 %6.0f ns, RSS +%ld MiB\n", n,
      std::chrono::duration<double, std::milli>(t1 - t0).count(), ns[ns.size() / 2],
      ns[ns.size() * 99 / 100], (rss_after - rss_before) / 1024);
  unlink(path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes = {10, 100000, 1000000};
  if (argc > 1) {
    sizes.clear();
    for (int i = 1; i < argc; ++i) sizes.push_back(std::stol(argv[i]));
  }
  for (long n : sizes) Run(n);
}
