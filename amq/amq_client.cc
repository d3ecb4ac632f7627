// The AMQ client; see amq_client.h.
#include "amq/amq_client.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "base/interfaces.h"
#include "rpc/amq_port_file.h"
#include "rpc/xdr_codec.h"

namespace amd::amq {
namespace {

// Is `addr` one of this machine's own addresses?
bool IsLocal(const sockaddr_in& addr) { return IsLocalAddress(ntohl(addr.sin_addr.s_addr)); }

// Where the amd on this machine serves `prog`, from its port file, when
// `addr` is this machine.
std::optional<sockaddr_in> LocalEndpoint(const sockaddr_in& addr, uint32_t prog) {
  if (!IsLocal(addr)) return std::nullopt;
  auto e = rpc::ReadAmqPortFile(prog);
  if (!e) return std::nullopt;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e->port);
  if (::inet_pton(AF_INET, e->address.c_str(), &a.sin_addr) != 1) return std::nullopt;
  return a;
}

}  // namespace

Client::Client(sockaddr_in addr, uint32_t prog, bool tcp, bool udp, std::optional<uint16_t> port,
               bool udp_first)
    : rpc_(addr, prog, [&] {
        rpc::Client::Options o;
        o.tcp = tcp;
        o.udp = udp;
        o.udp_first = udp_first;
        o.port = port;
        o.fallback = [addr, prog] { return LocalEndpoint(addr, prog); };
        return o;
      }()) {}

std::vector<uint8_t> StringArg(const std::string& s) {
  amq_string v = const_cast<char*>(s.c_str());
  return *rpc::XdrEncode(P(xdr_amq_string), &v);
}

std::optional<sockaddr_in> HostAddress(const std::string& host) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) == 0 && res != nullptr) {
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    ::freeaddrinfo(res);
    return addr;
  }
  if (host == "localhost") {
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }
  return std::nullopt;
}

}  // namespace amd::amq
