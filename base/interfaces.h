// This host's IPv4 interfaces (getifaddrs), in one place: amd's selectors
// (${network}), the NFS front end's and amq's "is this address mine",
// and RLP's broadcast addresses and "is this requester on my network".
//
// Blocking (getifaddrs); any thread. Ownership: the list returned is the
// caller's.
#ifndef AMD_BASE_INTERFACES_H_
#define AMD_BASE_INTERFACES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace amd {

struct Ipv4Interface {
  std::string name;        // "eth0"
  uint32_t address = 0;    // host order
  uint32_t netmask = 0;    // host order; 0 when the kernel gave none
  uint32_t broadcast = 0;  // host order; 0 unless IFF_BROADCAST
  bool up = false;
  bool loopback = false;

  // Whether `a` (host order) is on this interface's network.
  bool OnNetwork(uint32_t a) const { return netmask != 0 && (a & netmask) == (address & netmask); }
};

// Every IPv4 address of this host, one entry per address (an interface
// with two addresses appears twice). Empty when getifaddrs fails.
std::vector<Ipv4Interface> Ipv4Interfaces();

// Whether `address` (host order) is one of this host's own.
bool IsLocalAddress(uint32_t address);

// "10.0.0.1" for a host-order address.
std::string Ipv4ToString(uint32_t address);

}  // namespace amd

#endif  // AMD_BASE_INTERFACES_H_
