// World: the facts about the machine and the network that selector functions
// and option expansion need (exists(), netgrp(), xhost(), in_network(),
// environment variables, host name canonicalisation), and what type:=host
// asks a file server (its exports).
//
// The map language reaches the world only through this interface so that the
// parser and evaluator stay pure and tests can substitute a FakeWorld. The
// real implementation is amd/system_world.cc. Implementations may block (DNS,
// NIS); callers that must not block run lookups on a worker thread.
#ifndef AMD_MAPS_WORLD_H_
#define AMD_MAPS_WORLD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace amd::maps {

// One configured IPv4 network of a local interface.
struct LocalNetwork {
  uint32_t address = 0;  // interface address, host byte order
  uint32_t netmask = 0;  // host byte order
  std::string name;      // /etc/networks name, reverse DNS, or "" when none
};

class World {
 public:
  virtual ~World() = default;
  // lstat(path) succeeds.
  virtual bool Exists(const std::string& path) = 0;
  // innetgr(group, host, NULL, NULL).
  virtual bool InNetgroup(const std::string& group, const std::string& host) = 0;
  // Canonical name first, then aliases; empty when the name does not resolve.
  virtual std::vector<std::string> HostNames(const std::string& name) = 0;
  // IPv4 addresses of a host, host byte order; empty when it does not resolve.
  virtual std::vector<uint32_t> HostAddresses(const std::string& name) = 0;
  // The directories a file server exports (MOUNT EXPORT), asked of its
  // MOUNT service at `mountport` when given (else through rpcbind), over
  // `proto` ("tcp", "udp") when given; `address` is host byte order.
  virtual Result<std::vector<std::string>> ServerExports(uint32_t address,
                                                         std::optional<uint16_t> mountport,
                                                         std::string_view proto) = 0;
  // getenv(name).
  virtual std::optional<std::string> Getenv(const std::string& name) = 0;
  // The IPv4 networks of the local interfaces (read once at start-up).
  virtual const std::vector<LocalNetwork>& Networks() = 0;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_WORLD_H_
