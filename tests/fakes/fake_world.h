// FakeWorld: a World whose facts a test writes down (files that exist,
// netgroups, host names, environment, local networks). Records nothing.
#ifndef AMD_TESTS_FAKES_FAKE_WORLD_H_
#define AMD_TESTS_FAKES_FAKE_WORLD_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "maps/host_facts.h"
#include "maps/world.h"

namespace amd::testing {

class FakeWorld : public maps::World {
 public:
  bool Exists(const std::string& path) override { return files.count(path) > 0; }
  bool InNetgroup(const std::string& group, const std::string& host) override {
    return netgroups.count(group + "," + host) > 0;
  }
  std::vector<std::string> HostNames(const std::string& name) override {
    auto it = hosts.find(name);
    return it == hosts.end() ? std::vector<std::string>{} : it->second;
  }
  std::vector<uint32_t> HostAddresses(const std::string& name) override {
    auto it = addresses.find(name);
    return it == addresses.end() ? std::vector<uint32_t>{} : it->second;
  }
  Result<std::vector<std::string>> ServerExports(uint32_t address,
                                                 std::optional<uint16_t> mountport,
                                                 std::string_view proto) override {
    asked_exports.push_back(std::to_string(address) + " " +
                            (mountport ? std::to_string(*mountport) : "-") + " " +
                            std::string(proto.empty() ? "-" : proto));
    auto it = exports.find(address);
    if (it == exports.end()) return Status::Error("MOUNT EXPORT: no answer", std::errc::timed_out);
    return it->second;
  }
  std::optional<std::string> Getenv(const std::string& name) override {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  }
  const std::vector<maps::LocalNetwork>& Networks() override { return networks; }

  std::set<std::string> files;
  std::set<std::string> netgroups;  // "group,host"
  std::map<std::string, std::vector<std::string>> hosts;
  std::map<std::string, std::vector<uint32_t>> addresses;
  std::map<std::string, std::string> env;
  std::vector<maps::LocalNetwork> networks;
  std::map<uint32_t, std::vector<std::string>> exports;  // by address
  std::vector<std::string> asked_exports;                // "address mountport proto"
};

// The facts used across the golden tests: host "sky" in "doc.ic.ac.uk".
inline maps::HostFacts SkyFacts() {
  maps::HostFacts f;
  f.arch = "x86_64";
  f.karch = "x86_64";
  f.os = "linux";
  f.osver = "6.1.0";
  f.full_os = "linux";
  f.vendor = "pc";
  f.byte = "little";
  f.host = "sky";
  f.domain = "doc.ic.ac.uk";
  f.hostd = "sky.doc.ic.ac.uk";
  f.cluster = "doc.ic.ac.uk";
  f.autodir = "/a";
  return f;
}

}  // namespace amd::testing

#endif  // AMD_TESTS_FAKES_FAKE_WORLD_H_
