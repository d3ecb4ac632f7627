// The network lab itself: its hosts reach each other over the bridge, a
// process run in a host sees only that host's network, and nothing of it
// outlives its owner, even one killed with SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/integration/amd_daemon.h"
#include "tests/netlab/netlab.h"

namespace amd::testing {
namespace {

const std::string kBusybox = "/bin/busybox";

TEST_CASE("netlab: three hosts on one bridge reach each other, each with its own network",
          "[root][netlab]") {
  NetLab lab(3);
  INFO(lab.status().ToString());
  REQUIRE(lab.status().ok());
  CHECK(lab.host(0).address == "10.77.0.1");
  CHECK(lab.host(2).address == "10.77.0.3");
  std::string out;
  CHECK(lab.Run(0, {kBusybox, "ping", "-c", "1", "-W", "5", lab.host(2).address}, &out) == 0);
  CHECK(lab.Run(2, {kBusybox, "ping", "-c", "1", "-W", "5", lab.host(1).address}, &out) == 0);
  // Each host has lo and its eth0, nothing else.
  REQUIRE(lab.Run(1, {"/sbin/ip", "-o", "-4", "addr", "show"}, &out) == 0);
  CHECK(out.find("inet 127.0.0.1/8") != std::string::npos);
  CHECK(out.find("eth0    inet 10.77.0.2/24 brd 10.77.0.255") != std::string::npos);
  CHECK(out.find("10.77.0.1/") == std::string::npos);
}

TEST_CASE("netlab: nothing of it is left when its owner is killed", "[root][netlab]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t owner = ::fork();
  if (owner == 0) {
    ::close(fds[0]);
    NetLab lab(2);
    std::string pids = std::to_string(lab.switch_holder()) + " " +
                       std::to_string(lab.host(0).holder) + " " +
                       std::to_string(lab.host(1).holder) + " " +
                       std::to_string(lab.Spawn(0, {kBusybox, "sleep", "600"})) + "\n";
    if (!lab.status().ok()) pids = "0\n";
    [[maybe_unused]] ssize_t n = ::write(fds[1], pids.data(), pids.size());
    for (;;) ::pause();
  }
  ::close(fds[1]);
  char buf[256] = {};
  REQUIRE(::read(fds[0], buf, sizeof buf - 1) > 0);
  ::close(fds[0]);
  std::vector<pid_t> pids;
  for (const char* p = buf; *p != '\0' && *p != '\n';) {
    char* end = nullptr;
    pids.push_back(static_cast<pid_t>(std::strtol(p, &end, 10)));
    p = end;
    while (*p == ' ') ++p;
  }
  REQUIRE(pids.size() == 4);
  for (pid_t p : pids) CHECK(::kill(p, 0) == 0);
  ::kill(owner, SIGKILL);
  ::waitpid(owner, nullptr, 0);
  // The holders and the process in a host die with it; their namespaces,
  // the veth pairs and the bridge go with them.
  for (pid_t p : pids) {
    INFO("pid " << p);
    CHECK(WaitUntil([&] { return ProcessGone(p); }, std::chrono::seconds(5)));
  }
}

}  // namespace
}  // namespace amd::testing
