// NetLab: N hosts on one Ethernet segment, for tests that need separate
// machines (RLP broadcasts, replica servers, a client): each host is a
// network namespace with lo and an eth0 on a private subnet
// (10.77.0.0/24 by default; host i is .i+1), joined by veth pairs to a
// bridge that lives in a network namespace of its own (the "switch").
//
// Every namespace is held by a process of ours that dies with its owner
// (PR_SET_PDEATHSIG), and nothing is named in /run/netns: when the test
// ends, fails or is killed, the holders die, their namespaces go, and the
// veth pairs and the bridge with them. Processes run in a host are ours
// too and die with their owner as well. Needs root.
#ifndef AMD_TESTS_NETLAB_NETLAB_H_
#define AMD_TESTS_NETLAB_NETLAB_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace amd::testing {

class NetLab {
 public:
  struct Host {
    pid_t holder = -1;    // the process that holds its network namespace
    std::string address;  // e.g. 10.77.0.2 (the router: its first-subnet address)
  };

  // `prefix` is the subnet's first three octets ("10.77.0").
  explicit NetLab(int hosts, std::string prefix = "10.77.0");
  ~NetLab();
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  // Adds a second subnet (`prefix`, e.g. "10.77.1") with `hosts` hosts on
  // a bridge of its own, and a router between the two: a host with eth0
  // on the first subnet and eth1 on the new one (.254 on each), IPv4
  // forwarding on, and directed-broadcast forwarding (bc_forwarding) from
  // the first subnet to the new one. (The kernel then forwards broadcasts
  // arriving on the router's eth0 instead of delivering them: the router
  // itself hears the new subnet's broadcasts, not the first one's.)
  // Every host gets a default route through the router. The new hosts
  // follow the others in host(); router() is the router.
  Status AddSubnet(int hosts, const std::string& prefix);
  int router() const { return router_; }

  // Whether every host is up; why not, otherwise.
  const Status& status() const { return status_; }
  int size() const { return static_cast<int>(hosts_.size()); }
  const Host& host(int i) const { return hosts_.at(static_cast<size_t>(i)); }
  std::string broadcast() const { return prefix_ + ".255"; }  // the first subnet's
  pid_t switch_holder() const { return switch_; }

  // Starts `argv` (argv[0] is the program's path) in host i, its output
  // to `log` (or /dev/null); the process is killed when the lab goes.
  pid_t Spawn(int i, const std::vector<std::string>& argv, const std::string& log = "");
  // Runs `argv` in host i to its end (at most `timeout`): its exit status
  // (128 + signal; -1 when it could not run or timed out) and output.
  int Run(int i, const std::vector<std::string>& argv, std::string* output = nullptr,
          std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Host i's link limited to `mbit` Mbit/s (tc tbf on what it sends):
  // whether tc did it.
  bool LimitRate(int i, int mbit);
  // Stops a process Spawn started (SIGTERM, then SIGKILL after 5 s).
  void Stop(pid_t pid);

 private:
  std::string prefix_;
  pid_t switch_ = -1;
  int router_ = -1;
  std::vector<Host> hosts_;
  std::vector<pid_t> spawned_;
  Status status_;

  Status Switch(std::vector<std::string> ip_args);
  Status InHost(pid_t holder, std::vector<std::string> argv);
  // A veth pair: `port` on the switch's `bridge`, `ifname` in the namespace
  // `holder` holds, up, with `address`/24.
  Status Plug(pid_t holder, const std::string& bridge, const std::string& port,
              const std::string& ifname, const std::string& address, const std::string& broadcast);
  // A new host whose eth0 is on bridge `bridge` with `address`/24.
  Status AddHost(const std::string& bridge, const std::string& address,
                 const std::string& broadcast);
};

}  // namespace amd::testing

#endif  // AMD_TESTS_NETLAB_NETLAB_H_
