// The client side of AMQ for amq and pawd: one amd, called over TCP or
// UDP (in the order given), its port from rpcbind unless given (or, for
// this machine's amd when rpcbind does not answer, from amd's port file,
// rpc/amq_port_file.h), each call bounded in time.
#ifndef AMD_AMQ_AMQ_CLIENT_H_
#define AMD_AMQ_AMQ_CLIENT_H_

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "rpc/amq_prot.h"

namespace amd::amq {

template <typename T>
xdrproc_t P(bool_t (*f)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(f);
}

class Client {
 public:
  Client(sockaddr_in addr, uint32_t prog, bool tcp, bool udp, std::optional<uint16_t> port,
         bool udp_first = false)
      : addr_(addr), prog_(prog), tcp_(tcp), udp_(udp), udp_first_(udp_first), port_(port) {}

  // The results of `proc`, or why there are none. A transport that cannot
  // be reached gives way to the other.
  Result<std::vector<uint8_t>> Call(uint32_t proc, const std::vector<uint8_t>& args, int timeout_s = 40,
                                    uint32_t vers = 1);
  // Calls from this local address (port 0: any) instead of the one the
  // kernel picks.
  void BindTo(const sockaddr_in& local) { local_ = local; }

 private:
  Result<std::vector<uint8_t>> CallOn(bool tcp, uint32_t proc, const std::vector<uint8_t>& args, int timeout_s,
                                      uint32_t vers);

  sockaddr_in addr_;
  uint32_t prog_;
  bool tcp_, udp_, udp_first_;
  std::optional<uint16_t> port_;
  std::optional<sockaddr_in> local_;
  uint32_t calls_ = 0;
};

// An amq_string argument.
std::vector<uint8_t> StringArg(const std::string& s);
// The address of `host` ("localhost" is 127.0.0.1 even unresolved).
std::optional<sockaddr_in> HostAddress(const std::string& host);

}  // namespace amd::amq

#endif  // AMD_AMQ_AMQ_CLIENT_H_
