// SystemWorld: the real machine behind maps::World (lstat, innetgr, the
// resolver, getenv, the IPv4 interfaces), and the HostFacts of this host.
// Networks are read once, at construction. Calls may block on name
// services; the daemon makes them from worker threads.
//
// Ownership: results are values the caller owns.
#ifndef AMD_AMD_SYSTEM_WORLD_H_
#define AMD_AMD_SYSTEM_WORLD_H_

#include <map>
#include <string>
#include <vector>

#include "conf/config.h"
#include "maps/host_facts.h"
#include "maps/world.h"

namespace amd {

class SystemWorld : public maps::World {
 public:
  SystemWorld();
  bool Exists(const std::string& path) override;
  bool InNetgroup(const std::string& group, const std::string& host) override;
  std::vector<std::string> HostNames(const std::string& name) override;
  std::vector<uint32_t> HostAddresses(const std::string& name) override;
  Result<std::vector<std::string>> ServerExports(uint32_t address,
                                                 std::optional<uint16_t> mountport,
                                                 std::string_view proto) override;
  std::optional<std::string> Getenv(const std::string& name) override;
  const std::vector<maps::LocalNetwork>& Networks() override { return networks_; }

 private:
  std::vector<maps::LocalNetwork> networks_;
};

// Defaults of amd.conf options that come from this host: arch, karch, osver.
std::map<std::string, std::string> HostOptionDefaults();

// The selector values of this host under `config` (-d, -C, -a and so on).
maps::HostFacts MakeHostFacts(const conf::Config& config);

}  // namespace amd

#endif  // AMD_AMD_SYSTEM_WORLD_H_
