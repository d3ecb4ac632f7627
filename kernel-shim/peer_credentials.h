// Who is on the other end of a loopback socket: the uid that owns the
// peer's socket, from the kernel's socket table (sock_diag). A TCP or UDP
// peer has no SO_PEERCRED; this is the same fact for a local process.
// Given to rpc::RpcServer (Limits::peer_uid) by those who make one.
// Thread-safe: one netlink socket per call.
#ifndef AMD_KERNEL_SHIM_PEER_CREDENTIALS_H_
#define AMD_KERNEL_SHIM_PEER_CREDENTIALS_H_

#include <netinet/in.h>
#include <sys/types.h>

#include <optional>

namespace amd::kernel {

// The owner of the socket at `peer` that talks to ours at `local`, both
// IPv4 (TCP: the connected socket; UDP: the socket bound to `peer` that
// would receive from `local`). nullopt when the peer is not on this host
// or cannot be found.
std::optional<uid_t> LocalPeerUid(bool tcp, const sockaddr_in& local, const sockaddr_in& peer);

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_PEER_CREDENTIALS_H_
