// The client side of AMQ for amq and pawd: one amd, called over TCP or
// UDP (in the order given), its port from rpcbind unless given (or, for
// this machine's amd when rpcbind does not answer, from amd's port file,
// rpc/amq_port_file.h), each call bounded in time.
//
// Threading: one thread per client (amq's). Ownership: results are values the
// caller owns.
#ifndef AMD_AMQ_AMQ_CLIENT_H_
#define AMD_AMQ_AMQ_CLIENT_H_

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "rpc/amq_prot.h"
#include "rpc/rpc_client.h"

namespace amd::amq {

template <typename T>
xdrproc_t P(bool_t (*f)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(f);
}

class Client {
 public:
  Client(sockaddr_in addr, uint32_t prog, bool tcp, bool udp, std::optional<uint16_t> port,
         bool udp_first = false);

  // The results of `proc`, or why there are none. A transport that cannot
  // be reached gives way to the other.
  Result<std::vector<uint8_t>> Call(uint32_t proc, const std::vector<uint8_t>& args,
                                    int timeout_s = 40, uint32_t vers = 1) {
    return rpc_.Call(proc, args, std::chrono::seconds(timeout_s), vers);
  }

 private:
  rpc::Client rpc_;
};

// An amq_string argument.
std::vector<uint8_t> StringArg(const std::string& s);
// The address of `host` ("localhost" is 127.0.0.1 even unresolved).
std::optional<sockaddr_in> HostAddress(const std::string& host);

}  // namespace amd::amq

#endif  // AMD_AMQ_AMQ_CLIENT_H_
