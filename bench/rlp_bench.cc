// rlp_bench: RLP in the network lab. One client and three servers running
// rlpd (10.77.0.2 and .3 export /export/vol, .4 /export/other); prints
// rlpq's answer from the client, the round trip of Do-You-Provide? to
// rlpd beside that of a UDP echo server on the same host (the floor: a
// user-space round trip doing nothing else), and how many of 1,000 and
// 20,000 queries per second rlpd answers.
//
//   rlp_bench RLPD RLPQ RLP_BLAST [--queries N]
//
// Needs root (network namespaces); bench/run-rlp.sh builds and runs it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "tests/netlab/netlab.h"

using amd::testing::NetLab;

namespace {

std::string Slurp(const std::string& path) {
  std::string error;
  return amd::ReadWholeFile(path, &error).value_or("");
}

double Field(const std::string& text, const std::string& name) {
  auto at = text.find(name + " ");
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + name.size() + 1);
}

}  // namespace

// Three rlpds: .2 and .3 provide /export/vol (.2 without a rate limit),
// .4 /export/other; waits until they listen.
void StartResponders(NetLab& lab, const std::string& rlpd, const std::string& dir) {
  const char* configs[] = {"volumes: [/export/vol]\nrate_limit: 0\n", "volumes: [/export/vol]\n",
                           "volumes: [/export/other]\n"};
  for (int i = 1; i <= 3; ++i) {
    std::string conf = dir + "/rlpd" + std::to_string(i) + ".yaml";
    std::ofstream(conf) << configs[i - 1] << "mount_exports: false\n";
    lab.Spawn(i, {rlpd, "-c", conf}, dir + "/rlpd" + std::to_string(i) + ".log");
  }
  for (int tries = 0; tries < 250; ++tries) {
    bool up = true;
    for (int i = 1; i <= 3; ++i)
      up = up &&
           Slurp(dir + "/rlpd" + std::to_string(i) + ".log").find("listening") != std::string::npos;
    if (up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Do-You-Provide? round trips to rlpd and to a UDP echo (the floor), in
// turns.
void RoundTrips(NetLab& lab, const std::string& blast, const std::string& queries) {
  lab.Spawn(1, {blast, "--echo", "7"});
  // In turns, in chunks, because this virtual machine's speed drifts
  // from one second to the next: the floor and rlpd see the same drift.
  std::vector<double> rlp_medians, floor_medians, rlp_p99, floor_p99;
  std::string rlp, floor;
  for (int round = 0; round < 5; ++round) {
    lab.Run(0, {blast, "--to", "10.77.0.2", "--sequential", queries, "/export/vol"}, &rlp);
    lab.Run(0, {blast, "--to", "10.77.0.2", "--port", "7", "--sequential", queries, "/export/vol"},
            &floor);
    rlp_medians.push_back(Field(rlp, "median"));
    floor_medians.push_back(Field(floor, "median"));
    rlp_p99.push_back(Field(rlp, "p99"));
    floor_p99.push_back(Field(floor, "p99"));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf(
      "Round trip of Do-You-Provide?, one query at a time, client to 10.77.0.2: 5 rounds of %s "
      "queries,\n"
      "rlpd and the floor in turn (the floor: a UDP echo server on the same host, doing nothing "
      "else)\n",
      queries.c_str());
  std::printf("  last round, rlpd:   %s", rlp.c_str());
  std::printf("  last round, floor:  %s", floor.c_str());
  double r = median(rlp_medians), f = median(floor_medians);
  std::printf("  median of the rounds' medians: rlpd %.1f us, floor %.1f us, rlpd / floor %.2f\n",
              r, f, r / f);
  std::printf("  median of the rounds' p99s:    rlpd %.1f us, floor %.1f us\n", median(rlp_p99),
              median(floor_p99));
}

void Load(NetLab& lab, const std::string& blast) {
  std::string out;
  std::printf("\nLoad (rate_limit 0 on 10.77.0.2):\n");
  for (auto [rate, seconds] : {std::pair<const char*, const char*>{"1000", "10"}, {"20000", "3"}}) {
    lab.Run(0, {blast, "--to", "10.77.0.2", "--rate", rate, "--seconds", seconds, "/export/vol"},
            &out, std::chrono::seconds(60));
    std::printf("  %s queries/s for %s s: %s", rate, seconds, out.c_str());
  }
  lab.Run(0, {blast, "--to", "10.77.0.3", "--rate", "1000", "--seconds", "10", "/export/vol"}, &out,
          std::chrono::seconds(60));
  std::printf("  1000 queries/s for 10 s to 10.77.0.3 (default limit 50/s, burst 100): %s",
              out.c_str());
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: rlp_bench RLPD RLPQ RLP_BLAST [--queries N]\n");
    return 2;
  }
  std::string rlpd = argv[1], rlpq = argv[2], blast = argv[3];
  std::string queries = "1000";
  for (int i = 4; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--queries") queries = argv[++i];
  }
  char tmpl[] = "/tmp/rlp-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  NetLab lab(4);
  if (!lab.status().ok()) {
    std::fprintf(stderr, "rlp_bench: %s\n", lab.status().ToString().c_str());
    return 1;
  }
  StartResponders(lab, rlpd, dir);
  std::printf(
      "RLP in the network lab: client 10.77.0.1; rlpd on 10.77.0.2 and .3 (/export/vol), .4 "
      "(/export/other)\n\n");
  std::string out;
  lab.Run(0, {rlpq, "-v", "/export/vol"}, &out);
  std::printf("$ rlpq -v /export/vol\n%s\n", out.c_str());
  lab.Run(
      0, {rlpq, "-v", "-n", "-H", "10.77.0.2", "-H", "10.77.0.3", "-H", "10.77.0.4", "/export/vol"},
      &out);
  std::printf("$ rlpq -v -n -H 10.77.0.2 -H 10.77.0.3 -H 10.77.0.4 /export/vol\n%s\n", out.c_str());
  RoundTrips(lab, blast, queries);
  Load(lab, blast);
  std::string cleanup = "rm -rf " + dir;
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
