// This host's IPv4 interfaces; see interfaces.h.
#include "base/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace amd {
namespace {

uint32_t HostOrder(const sockaddr* sa) {
  return sa != nullptr && sa->sa_family == AF_INET
             ? ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr)
             : 0;
}

}  // namespace

std::vector<Ipv4Interface> Ipv4Interfaces() {
  std::vector<Ipv4Interface> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    Ipv4Interface n;
    n.name = i->ifa_name != nullptr ? i->ifa_name : "";
    n.address = HostOrder(i->ifa_addr);
    n.netmask = HostOrder(i->ifa_netmask);
    if ((i->ifa_flags & IFF_BROADCAST) != 0) n.broadcast = HostOrder(i->ifa_broadaddr);
    n.up = (i->ifa_flags & IFF_UP) != 0;
    n.loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
    out.push_back(std::move(n));
  }
  ::freeifaddrs(list);
  return out;
}

bool IsLocalAddress(uint32_t address) {
  if ((address >> 24) == 127) return true;
  for (const auto& i : Ipv4Interfaces()) {
    if (i.address == address) return true;
  }
  return false;
}

std::string Ipv4ToString(uint32_t address) {
  in_addr a{htonl(address)};
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

}  // namespace amd
