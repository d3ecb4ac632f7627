// RLP, the Resource Location Protocol (RFC 887): its messages, sans I/O.
//
// A message is one UDP datagram (port 39): a type octet, a flags octet
// whose high bit is L (Local-Only; the other bits are zero), a 16-bit
// Message-ID, then resource specifiers to the end of the datagram. A
// resource specifier is the IP protocol number, the identifier's length
// and the identifier; for TCP and UDP the identifier begins with the port
// (2 octets, network order), and what follows is the protocol's own. In a
// They-Provide reply each specifier is followed by a count octet and that
// many IPv4 addresses of hosts that provide it. (That host-list layout is
// the reading of the project's failover reference, which marks it as
// still to be checked against the RFC's own text: see issue 6.)
//
// amd names an NFS volume as the resource UDP (or TCP) port 2049 followed
// by the volume's export path (NfsVolume).
//
// Decoding is strict: every byte accounted for, reserved bits zero, L
// only in requests, lengths within the datagram; a malformed datagram is
// refused with the reason.
//
// Pure; any thread. Ownership: encoded bytes and decoded messages are the
// caller's.
#ifndef AMD_RLP_RLP_MESSAGE_H_
#define AMD_RLP_RLP_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace amd::rlp {

constexpr uint16_t kPort = 39;
constexpr uint8_t kProtocolTcp = 6;
constexpr uint8_t kProtocolUdp = 17;
constexpr uint16_t kNfsPort = 2049;
constexpr size_t kMaxDatagram = 65507;  // the largest UDP payload over IPv4

enum class Type : uint8_t {
  kWhoProvides = 0,          // broadcast: hosts that provide some answer I-Provide
  kDoYouProvide = 1,         // unicast: the host always answers I-Provide
  kWhoAnywhereProvides = 2,  // broadcast: may be answered with They-Provide
  kDoesAnyoneProvide = 3,    // unicast: likewise, always answered
  kIProvide = 4,             // reply: the resources the sender provides
  kTheyProvide = 5,          // reply: resources and the hosts that provide them
};
bool IsRequest(Type t);
const char* TypeName(Type t);  // "Who-Provides?", ...

struct Resource {
  uint8_t protocol = kProtocolUdp;
  std::vector<uint8_t> id;      // the resource identifier (at most 255 octets)
  std::vector<uint32_t> hosts;  // They-Provide only: IPv4 addresses, host order (at most 255)

  // For TCP and UDP: the port the identifier begins with.
  std::optional<uint16_t> port() const;
  // For TCP and UDP: what follows the port.
  std::string_view data() const;
  bool operator==(const Resource&) const = default;
};

// The NFS volume `export_path` (UDP or TCP port 2049, then the path).
// Fails when the path does not fit an identifier (253 octets).
Result<Resource> NfsVolume(std::string_view export_path, uint8_t protocol = kProtocolUdp);
// A resource of TCP or UDP `port` with `data` after the port.
Result<Resource> PortResource(uint8_t protocol, uint16_t port, std::string_view data = {});

struct Message {
  Type type = Type::kWhoProvides;
  bool local_only = false;  // L
  uint16_t id = 0;          // Message-ID: a reply carries its request's
  std::vector<Resource> resources;
  bool operator==(const Message&) const = default;
};

Result<std::vector<uint8_t>> Encode(const Message& m);
Result<Message> Decode(std::span<const uint8_t> datagram);

// A resource as an admin writes it: "/export/vol" (an NFS volume, UDP
// 2049; TCP with `protocol` = kProtocolTcp), or "udp/PORT" and
// "tcp/PORT", optionally followed by "/DATA" (what follows the port).
Result<Resource> ParseResource(std::string_view text, uint8_t nfs_protocol = kProtocolUdp);
// The other way: "/export/vol" for an NFS volume (either protocol),
// "tcp/22", "udp/53/data", "proto 1 (4 octets)".
std::string ResourceName(const Resource& r);

// "Who-Provides? id 7 L: udp/2049 /export/vol" for logs.
std::string Describe(const Message& m);

}  // namespace amd::rlp

#endif  // AMD_RLP_RLP_MESSAGE_H_
