// in_network(ARG) and the wire==/network==/netnumber== selectors: does ARG
// name one of this host's IPv4 networks? The original's is_network_member()
// (libamu/wire.c), over the networks a World reports. Pure.
//
// Any thread. Ownership: nothing kept.
#ifndef AMD_MAPS_NETWORK_MATCH_H_
#define AMD_MAPS_NETWORK_MATCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maps/world.h"

namespace amd::maps {

// "192.168.1" for 192.168.1.0: the network number with trailing zero octets
// left out ("10" for 10.0.0.0, "0" for 0.0.0.0).
std::string NetworkNumberString(uint32_t network);
// "192.168.1.0": all four octets.
std::string DottedQuad(uint32_t address);
// The name `amd -v` and in_network() use: the LocalNetwork's name, or the
// dotted network address when it has none.
std::string NetworkName(const LocalNetwork& net);

// Without '/': ARG equals a network's name or number string, exactly.
// With '/': ARG is "net/mask" where net is a (partial) dotted quad or a
// network name and mask is a prefix length, a dotted mask, a 0x hex mask,
// or empty (each interface's own mask); numeric comparison.
bool InNetwork(std::string_view arg, const std::vector<LocalNetwork>& nets);

// Parses a partial dotted quad "a[.b[.c[.d]]]" (missing octets are zero).
std::optional<uint32_t> ParsePartialQuad(std::string_view s);

}  // namespace amd::maps

#endif  // AMD_MAPS_NETWORK_MATCH_H_
