// RLP end to end in the network lab: rlpd on three servers, rlpq and
// rlp_blast on a client, over a real bridge (and, for L, a router to a
// second subnet).
#include <signal.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "tests/fakes/skip.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/amd_daemon.h"
#include "tests/netlab/netlab.h"

namespace amd::testing {
namespace {

using namespace std::chrono_literals;

// Whether the file at `path` says `text` within `limit`.
bool WaitFor(const std::string& path, const std::string& text,
             std::chrono::milliseconds limit = 5s) {
  return WaitUntil([&] { return ReadText(path).find(text) != std::string::npos; }, limit);
}

// The lab: host 0 is the client (10.77.0.1); hosts 1-3 are servers
// (10.77.0.2-4): 1 and 2 export /export/vol, 3 exports /export/other.
struct RlpLab {
  explicit RlpLab(const std::vector<std::string>& extra = {}) : lab(4) {
    if (!lab.status().ok()) return;
    std::vector<std::string> configs = {"", "volumes: [/export/vol]\n",
                                        "volumes: [/export/vol, /export/both]\n",
                                        "volumes: [/export/other]\n"};
    for (size_t i = 1; i < configs.size(); ++i) {
      std::string extra_lines = i - 1 < extra.size() ? extra[i - 1] : "";
      Start(static_cast<int>(i), configs[i] + "mount_exports: false\n" + extra_lines);
    }
  }

  // Starts rlpd in host i with `config`; its log is Log(i).
  void Start(int i, const std::string& config) {
    std::string conf = dir.Write("rlpd" + std::to_string(i) + ".yaml", config);
    pids[i] = lab.Spawn(i, {RLPD_BINARY, "-c", conf, "-v"}, Log(i));
    ready = ready && WaitFor(Log(i), "listening on");
  }
  std::string Log(int i) const { return dir.path() + "/rlpd" + std::to_string(i) + ".log"; }

  // rlpq in host `from`: exit status and output.
  int Rlpq(int from, std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), RLPQ_BINARY);
    return lab.Run(from, args, out, 20s);
  }
  // Asks rlpd in host i for its counters.
  std::string Stats(int i) {
    size_t before = ReadText(Log(i)).size();
    ::kill(pids[i], SIGUSR1);
    std::string stats;
    WaitUntil(
        [&] {
          std::string log = ReadText(Log(i));
          size_t at = log.find("received ", before);
          if (at == std::string::npos || log.find('\n', at) == std::string::npos) return false;
          stats = log.substr(at);
          return true;
        },
        2s);
    return stats;
  }

  TempDir dir;
  NetLab lab;
  std::map<int, pid_t> pids;
  bool ready = true;
};

bool Has(const std::string& out, const std::string& s) { return out.find(s) != std::string::npos; }

TEST_CASE("rlp lab: Who-Provides? finds exactly the servers that export the volume",
          "[root][netlab][rlp]") {
  RlpLab l;
  INFO(l.lab.status().ToString());
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  std::string out;
  CHECK(l.Rlpq(0, {"-i", "eth0", "/export/vol"}, &out) == 0);
  INFO(out);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, "10.77.0.3 "));
  CHECK_FALSE(Has(out, "10.77.0.4"));
  CHECK(Has(out, " ms  /export/vol\n"));
  // Several resources at once: each server lists the ones it provides.
  CHECK(l.Rlpq(0, {"/export/other", "/export/both"}, &out) == 0);
  CHECK(Has(out, "10.77.0.3 "));
  CHECK(Has(out, "/export/both\n"));
  CHECK(Has(out, "10.77.0.4 "));
  CHECK(Has(out, "/export/other\n"));
  CHECK_FALSE(Has(out, "10.77.0.2 "));
  // Nobody provides it: no line, exit status 1.
  CHECK(l.Rlpq(0, {"-w", "400", "/export/none"}, &out) == 1);
  CHECK(out.empty());
}

TEST_CASE(
    "rlp lab: a server that provides nothing asked is silent on broadcasts, answers "
    "Do-You-Provide? empty",
    "[root][netlab][rlp]") {
  RlpLab l;
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  std::string out;
  CHECK(l.Rlpq(0, {"/export/vol"}, &out) == 0);
  CHECK_FALSE(Has(out, "10.77.0.4"));
  CHECK(WaitFor(l.Log(3), "silent to 10.77.0.1"));
  CHECK(Has(l.Stats(3), "answered 0, silent 1,"));
  // Asked directly, it answers with an empty list.
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.0.4", "/export/vol"}, &out) == 1);
  INFO(out);
  CHECK(Has(out, "10.77.0.4 "));
  CHECK(Has(out, "(provides none of them)"));
  CHECK(Has(l.Stats(3), "answered 1, silent 1,"));
  // A host that runs no rlpd at all: no answer.
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.0.1", "-w", "400", "/export/vol"}, &out) == 1);
  INFO(out);
  CHECK(Has(out, "10.77.0.1 "));
  CHECK(Has(out, "  no answer\n"));
  // Direct and broadcast together: the named host and the broadcast's answers.
  CHECK(l.Rlpq(0, {"-H", "10.77.0.4", "/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, "10.77.0.3 "));
  CHECK(Has(out, "10.77.0.4 "));
}

TEST_CASE("rlp lab: with L set only hosts on the client's network answer", "[root][netlab][rlp]") {
  RlpLab l;
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  Status st = l.lab.AddSubnet(1, "10.77.1");
  INFO(st.ToString());
  REQUIRE(st.ok());
  int remote = l.lab.size() - 1;  // 10.77.1.1, behind the router
  REQUIRE(l.lab.host(remote).address == "10.77.1.1");
  l.Start(remote, "volumes: [/export/vol]\nmount_exports: false\n");
  REQUIRE(l.ready);
  std::string out;
  REQUIRE(l.lab.Run(0, {"/bin/busybox", "ping", "-c", "1", "-W", "5", "10.77.1.1"}, &out) == 0);
  // Broadcast on both subnets (the router forwards the directed
  // broadcast): with L the remote server stays silent.
  CHECK(l.Rlpq(0, {"-b", "10.77.0.255", "-b", "10.77.1.255", "/export/vol"}, &out) == 0);
  INFO(out);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, "10.77.0.3 "));
  CHECK_FALSE(Has(out, "10.77.1.1"));
  CHECK(WaitFor(l.Log(remote), "not answering 10.77.0.1"));
  std::string stats = l.Stats(remote);
  INFO(stats);
  CHECK(Has(stats, "answered 0,"));
  CHECK_FALSE(Has(stats, "not local 0,"));
  // The router runs rlpd too, on both subnets: it answers a broadcast
  // from its address on the requester's network, and a request sent to
  // one of its addresses from that address, even when another of its
  // addresses is on the requester's network.
  l.Start(l.lab.router(), "volumes: [/export/vol]\nmount_exports: false\n");
  REQUIRE(l.ready);
  CHECK(l.Rlpq(remote, {"/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.1.254 "));
  CHECK_FALSE(Has(out, "10.77.0.254"));
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.1.254", "/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.1.254 "));
  CHECK_FALSE(Has(out, "10.77.0.254"));
  // Without L it answers too, across the router.
  CHECK(l.Rlpq(0, {"-N", "-b", "10.77.0.255", "-b", "10.77.1.255", "/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, "10.77.1.1 "));
  // Do-You-Provide? goes without L: the way to ask a server beyond the router.
  CHECK(l.Rlpq(0, {"-H", "10.77.1.1", "/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.1.1 "));
}

// "sent N garbage G answered A"
std::array<long, 3> BlastCounts(const std::string& out) {
  std::array<long, 3> c{-1, -1, -1};
  std::sscanf(out.c_str(), "sent %ld garbage %ld answered %ld", &c[0], &c[1], &c[2]);
  return c;
}

TEST_CASE(
    "rlp lab: garbage and truncated datagrams are dropped and counted, good queries still answered",
    "[root][netlab][rlp]") {
  RlpLab l;
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  std::string out;
  // 80 queries at 40/s (within the default limit), each followed by 3
  // malformed datagrams.
  REQUIRE(l.lab.Run(0,
                    {RLP_BLAST_BINARY, "--to", "10.77.0.2", "--rate", "40", "--seconds", "2",
                     "--garbage", "3", "/export/vol"},
                    &out, 20s) == 0);
  INFO(out);
  auto c = BlastCounts(out);
  CHECK(c[0] == 80);
  CHECK(c[1] == 240);
  CHECK(c[2] == 80);
  std::string stats = l.Stats(1);
  INFO(stats);
  CHECK(Has(stats, "received 320, answered 80,"));
  CHECK(Has(stats, "malformed 240,"));
  std::string log = ReadText(l.Log(1));
  CHECK(Has(log, "dropped malformed datagram #1 from 10.77.0.1:"));
  CHECK(Has(log, "dropped malformed datagram #10 from 10.77.0.1:"));
  CHECK_FALSE(Has(log, "dropped malformed datagram #11 "));  // the log is bounded
  CHECK(l.Rlpq(0, {"/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.0.2 "));
}

TEST_CASE("rlp lab: 1,000 queries per second for 10 s leave rlpd answering",
          "[root][netlab][rlp]") {
  // Server 2 (10.77.0.3) has no rate limit; server 1 (10.77.0.2) the default 50/s.
  RlpLab l({"", "rate_limit: 0\n"});
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  std::string limited_out = l.dir.path() + "/limited.out", open_out = l.dir.path() + "/open.out";
  pid_t limited = l.lab.Spawn(
      0,
      {RLP_BLAST_BINARY, "--to", "10.77.0.2", "--rate", "1000", "--seconds", "10", "/export/vol"},
      limited_out);
  pid_t open = l.lab.Spawn(
      0,
      {RLP_BLAST_BINARY, "--to", "10.77.0.3", "--rate", "1000", "--seconds", "10", "/export/vol"},
      open_out);
  REQUIRE(limited > 0);
  REQUIRE(open > 0);
  // Meanwhile another host asks, once a second, and is answered by both.
  int asked = 0, answered = 0;
  std::string out;
  for (int i = 0; i < 9; ++i) {
    std::this_thread::sleep_for(1s);
    ++asked;
    if (l.Rlpq(3, {"-n", "-H", "10.77.0.2", "-H", "10.77.0.3", "/export/vol"}, &out) == 0 &&
        Has(out, "10.77.0.2 ") && Has(out, "10.77.0.3 ")) {
      ++answered;
    }
  }
  CHECK(answered == asked);
  REQUIRE(WaitFor(limited_out, "answered", 15s));
  REQUIRE(WaitFor(open_out, "answered", 15s));
  auto lc = BlastCounts(ReadText(limited_out));
  auto oc = BlastCounts(ReadText(open_out));
  INFO("limited: " << ReadText(limited_out) << "unlimited: " << ReadText(open_out));
  CHECK(oc[0] == 10000);
  CHECK(oc[2] >= 9900);  // all, but for the odd datagram a loaded CI machine may drop
  CHECK(lc[0] == 10000);
  CHECK(lc[2] > 0);
  CHECK(lc[2] < 2000);  // 100 at once, then about 50 a second
  CHECK(Has(ReadText(l.Log(1)), "over the rate limit (50/s): 10.77.0.1:"));
  // Both still answer the flooding host afterwards.
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.0.2", "-H", "10.77.0.3", "/export/vol"}, &out) == 0);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, "10.77.0.3 "));
  INFO(l.Stats(1) << l.Stats(2));
}

TEST_CASE("rlp lab: a flood forging a client's address does not silence the client",
          "[root][netlab][rlp]") {
  RlpLab l;
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  // Host 3 floods server 1 with queries bearing the client's address
  // (10.77.0.1, port 4444): 1,000 a second for 8 s. Nothing on the segment
  // stops it (reverse-path filtering would not either: the forged address
  // is on the same network).
  std::string forged_out = l.dir.path() + "/forged.out";
  pid_t forger = l.lab.Spawn(3,
                             {RLP_BLAST_BINARY, "--to", "10.77.0.2", "--rate", "1000", "--seconds",
                              "8", "--forge", "10.77.0.1:4444", "/export/vol"},
                             forged_out);
  REQUIRE(forger > 0);
  std::this_thread::sleep_for(1s);  // the address's bucket is spent
  // The client asks 20 times meanwhile, each time from a new port.
  int answered = 0;
  std::string out;
  for (int i = 0; i < 20; ++i) {
    if (l.Rlpq(0, {"-n", "-H", "10.77.0.2", "/export/vol"}, &out) == 0 && Has(out, "10.77.0.2 "))
      ++answered;
    std::this_thread::sleep_for(250ms);
  }
  REQUIRE(WaitFor(forged_out, "answered", 15s));
  std::string stats = l.Stats(1);
  INFO(stats << ReadText(forged_out));
  CHECK(answered == 20);
  // The flood was there, and mostly dropped.
  auto c = BlastCounts(ReadText(forged_out));
  CHECK(c[0] == 8000);
  CHECK(Has(ReadText(l.Log(1)), "over the rate limit (50/s): 10.77.0.1:4444"));
  size_t at = stats.find("rate-limited ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stol(stats.substr(at + 13)) > 6000);
}

TEST_CASE("rlp lab: rlpd answers for the exports nfs-ganesha lists, found through rpcbind",
          "[root][netlab][rlp]") {
  if (!std::filesystem::exists("/usr/bin/ganesha.nfsd") ||
      !std::filesystem::exists("/sbin/rpcbind")) {
    AMD_SKIP("nfs-ganesha or rpcbind is not installed (scripts/install-deps.sh)");
  }
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/export/a");
  std::filesystem::create_directories(dir.path() + "/export/b");
  NetLab lab(2);
  REQUIRE(lab.status().ok());
  std::string a = dir.path() + "/export/a", b = dir.path() + "/export/b";
  pid_t server = lab.Spawn(
      1,
      {"/usr/bin/unshare", "-m", "-p", "-f", "--kill-child", "--mount-proc", "--propagation",
       "private", "/bin/sh", NETLAB_DIR "/nfs-server.sh", dir.path(), a, b},
      dir.path() + "/server.log");
  REQUIRE(server > 0);
  // rlpd with the MOUNT export list (the default) and one volume of its own.
  std::string conf = dir.Write("rlpd.yaml", "volumes: [/configured]\nrefresh: 1\n");
  std::string log = dir.path() + "/rlpd.log";
  lab.Spawn(1, {RLPD_BINARY, "-c", conf, "-v"}, log);
  bool listed = WaitFor(log, "exports of 127.0.0.1: " + a + " " + b, 30s);
  INFO(ReadText(log) << ReadText(dir.path() + "/server.log")
                     << ReadText(dir.path() + "/ganesha.log"));
  REQUIRE(listed);
  std::string out;
  CHECK(lab.Run(0, {RLPQ_BINARY, "-n", "-H", "10.77.0.2", a, b, "/configured", "/export/none"},
                &out) == 0);
  INFO(out);
  CHECK(Has(out, "10.77.0.2 "));
  CHECK(Has(out, " ms  " + a + " " + b + " /configured\n"));
  CHECK(lab.Run(0, {RLPQ_BINARY, b}, &out) == 0);
  CHECK(Has(out, " ms  " + b + "\n"));
  // The server goes away: rlpd says so once and answers from the last list.
  lab.Stop(server);
  CHECK(WaitFor(log,
                "could not be read (MOUNT EXPORT: rpcbind: no answer: Connection refused); "
                "answering from the "
                "last list read",
                15s));
  CHECK(lab.Run(0, {RLPQ_BINARY, "-n", "-H", "10.77.0.2", a}, &out) == 0);
}

TEST_CASE("rlp lab: SIGHUP re-reads rlpd.yaml, and a bad file is refused with the old one kept",
          "[root][netlab][rlp]") {
  RlpLab l;
  REQUIRE(l.lab.status().ok());
  REQUIRE(l.ready);
  std::string out;
  std::string conf = l.dir.path() + "/rlpd1.yaml";
  l.dir.Write("rlpd1.yaml", "volumes: [/export/new]\nmount_exports: false\n");
  ::kill(l.pids[1], SIGHUP);
  REQUIRE(WaitFor(l.Log(1), "configuration reloaded"));
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.0.2", "/export/new", "/export/vol"}, &out) == 0);
  CHECK(Has(out, " ms  /export/new\n"));
  l.dir.Write("rlpd1.yaml", "volumes: [/export/vol]\nmount_exports: false\nrate_limt: 5\n");
  ::kill(l.pids[1], SIGHUP);
  CHECK(WaitFor(l.Log(1), conf + ":3:1: unknown setting \"rate_limt\""));
  CHECK(WaitFor(l.Log(1), "; keeping the configuration in use"));
  CHECK(l.Rlpq(0, {"-n", "-H", "10.77.0.2", "/export/new", "/export/vol"}, &out) == 0);
  CHECK(Has(out, " ms  /export/new\n"));
}

}  // namespace
}  // namespace amd::testing
