// Client: calls one ONC RPC program on one host over TCP or UDP (in the
// order given), finding its port through rpcbind unless given, each call
// bounded in time. UDP calls are sent again at growing intervals until the
// time is up, and only the reply with the call's xid is taken. Blocking;
// for commands and worker threads.
//
// Ownership: replies are the caller's.
#ifndef AMD_RPC_RPC_CLIENT_H_
#define AMD_RPC_RPC_CLIENT_H_

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"

namespace amd::rpc {

constexpr uint32_t kRpcbindProgram = 100000;
constexpr uint16_t kRpcbindPort = 111;

class Client {
 public:
  struct Options {
    bool tcp = true;
    bool udp = true;
    bool udp_first = false;
    std::optional<uint16_t> port;  // else rpcbind's answer
    // Call from this local address (port 0: any).
    std::optional<sockaddr_in> local;
    // Call from a port below 1024 (needs root), as NFS servers may ask.
    bool reserved_port = false;
    // Where to call when rpcbind does not know the program (or does not
    // answer); nullopt: nowhere.
    std::function<std::optional<sockaddr_in>()> fallback;
  };

  Client(sockaddr_in addr, uint32_t prog, Options options)
      : addr_(addr), prog_(prog), o_(std::move(options)) {}

  // The results of `proc`, or why there are none. A transport that cannot
  // be reached (refused, unreachable) gives way to the other.
  Result<std::vector<uint8_t>> Call(uint32_t proc, std::span<const uint8_t> args,
                                    std::chrono::milliseconds timeout, uint32_t vers);

 private:
  // Where to call: the port given, rpcbind's answer, or the fallback.
  Result<sockaddr_in> ServerAddress(bool tcp, uint32_t vers, std::chrono::milliseconds timeout);
  // A socket connected to `a` (bound as the options say); the caller
  // owns the descriptor.
  Result<int> Connect(bool tcp, const sockaddr_in& a, std::chrono::milliseconds timeout);
  Result<std::vector<uint8_t>> CallOn(bool tcp, uint32_t proc, std::span<const uint8_t> args,
                                      std::chrono::milliseconds timeout, uint32_t vers);

  sockaddr_in addr_;
  uint32_t prog_;
  Options o_;
  uint32_t calls_ = 0;
};

// Binds `fd` to a free port below 1024 on `local` (needs root).
Status BindReservedPort(int fd, in_addr_t local);

// rpcbind's port for `prog` version `vers` on `host` (portmapper version 2
// GETPORT, over UDP); 0 when the program is not registered.
Result<uint16_t> GetPort(sockaddr_in host, uint32_t prog, uint32_t vers, bool tcp,
                         std::chrono::milliseconds timeout);

}  // namespace amd::rpc

#endif  // AMD_RPC_RPC_CLIENT_H_
