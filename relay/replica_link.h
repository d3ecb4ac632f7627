// ReplicaLink: the relay's way to one replica, "host:/export": the
// server's address, its NFS and MOUNT ports (from its rpcbind), the root
// handle MOUNT gives for the export, its read size, and pipelined
// connections (rpc::Channel; eight, calls spread over them) made when first
// needed and again after they broke.
//
// Threading: any thread; Connect serialises connecting. Ownership: the
// channel is shared with calls in flight.
#ifndef AMD_RELAY_REPLICA_LINK_H_
#define AMD_RELAY_REPLICA_LINK_H_

#include <netinet/in.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "rpc/nfs3_client.h"
#include "rpc/rpc_channel.h"

namespace amd::relay {

namespace nfs3 = rpc::nfs3;

// AUTH_SYS as root: the relay reads for every user, and the kernel checks
// each user's permission from the mode bits (default_permissions).
const rpc::AuthSys& RelayCred();

class ReplicaLink {
 public:
  // `name` is "host:/export" (or "host:port:/export" in tests).
  static Result<std::unique_ptr<ReplicaLink>> Parse(const std::string& name);
  // The NFS and MOUNT ports to use instead of asking rpcbind (a mount's
  // port= and mountport=); 0 leaves one to rpcbind. Before Connect.
  void SetPorts(uint16_t nfs, uint16_t mount);

  // The connection, made within `timeout` when there is none (rpcbind,
  // MOUNT MNT of the export, FSINFO).
  Result<std::shared_ptr<rpc::Channel>> Connect(std::chrono::milliseconds timeout);
  // The connection broke or the server is gone: the next Connect makes a
  // new one.
  void Drop();
  // The export's root handle (after a Connect); a restarted server may
  // give a new one.
  nfs3::Fh root() const;
  uint32_t rtmax() const;
  const std::string& name() const { return name_; }
  const std::string& host() const { return host_; }
  const std::string& path() const { return path_; }

  // READs in flight to this replica now (the relay's count): calls timed
  // meanwhile measure the load as well as the replica.
  std::atomic<int> reads_in_flight{0};
  // READs ever sent to it: one sent and answered during a call counts as
  // load too (its reply may have queued ahead of the call's).
  std::atomic<uint64_t> reads_sent{0};
  // When the last READ to it ended: replies the relay
  // no longer waits for (a hedge that lost, a probe read past its time)
  // still load it for a while. In failover::Clock ticks.
  std::atomic<int64_t> read_ended{0};

 private:
  ReplicaLink() = default;
  Status Resolve();

  std::string name_, host_, path_;
  std::optional<uint16_t> nfs_port_, mount_port_;  // when given: not asked of rpcbind
  sockaddr_in addr_{};
  mutable std::mutex mu_;
  std::mutex connect_mu_;
  static constexpr size_t kExtraChannels = 7;
  std::shared_ptr<rpc::Channel> channel_;  // made with MOUNT's handle; then the others
  std::array<std::shared_ptr<rpc::Channel>, kExtraChannels> extra_;
  size_t next_ = 0;
  sockaddr_in nfs_addr_{};
  nfs3::Fh root_;
  uint32_t rtmax_ = 1 << 20;
};

}  // namespace amd::relay

#endif  // AMD_RELAY_REPLICA_LINK_H_
