// Relay: a replicated read-only NFS volume served through FUSE. It is a
// user-level NFSv3 client of one replica at a time (ReplicaLink), times
// every call and feeds the times to the failover decisions
// (failover::Volume), and keeps every inode as a path (NodeTable), so
// that when it switches replicas it finds each open file, current
// directory and mapped file again on the new one by path.
//
// A call that times out (the adaptive RTO) or meets a broken connection
// is sent again, to whichever replica is in use by then: a reader sees a
// pause, never an error. A switch is made only to a validated replica:
// reachable, not at an older revision (the policy's revision file), and
// holding every open file with the same type, size and mtime; a
// candidate that fails is rejected and the next one tried. A node that
// the replica in use holds differently gets EIO, never other bytes. With
// every replica down, calls wait (and probes go on) until one is back.
//
// The kernel caches names, attributes and pages for the policy's
// attr_timeout: the volume is read-only. Everything that writes gets
// EROFS (the mount is read-only).
//
// Threading: the FuseFs methods run on the FUSE session's threads, many
// at once, each blocking on its own calls; a prober thread of the relay's
// own probes replicas, asks RLP, and makes the decisions that are due
// without calls. One mutex guards the table, the decisions and the state
// shown. Ownership: the relay owns its links and the prober thread.
#ifndef AMD_RELAY_RELAY_H_
#define AMD_RELAY_RELAY_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "failover/policy.h"
#include "failover/volume.h"
#include "kernel-shim/fuse_session.h"
#include "relay/node_table.h"
#include "relay/replica_link.h"

namespace amd::relay {

struct RelayOptions {
  std::string volume;                 // its name (what RLP asks for)
  std::string mountpoint;             // where it is served (shown in its state)
  std::vector<std::string> replicas;  // "host:/export", the map's order
  failover::Policy policy;
  // More replicas, found by RLP ("host:/export" each). Blocks; runs on
  // the prober thread. Unset: no discovery.
  std::function<std::vector<std::string>()> discover;
};

class Relay : public kernel::FuseFs {
 public:
  // Connects to the first replica (in the map's order) that answers and
  // reads the volume's root and revision there.
  static Result<std::unique_ptr<Relay>> Open(RelayOptions o);
  ~Relay() override;

  // FuseFs.
  void Lookup(kernel::FuseRequest r, uint64_t parent, std::string name) override;
  void Forget(uint64_t ino, uint64_t nlookup) override;
  void Getattr(kernel::FuseRequest r, uint64_t ino) override;
  void Readlink(kernel::FuseRequest r, uint64_t ino) override;
  void Open(kernel::FuseRequest r, uint64_t ino, int flags) override;
  void Read(kernel::FuseRequest r, uint64_t ino, uint64_t fh, size_t size, off_t off) override;
  void Release(kernel::FuseRequest r, uint64_t ino, uint64_t fh) override;
  void Opendir(kernel::FuseRequest r, uint64_t ino) override;
  void Readdir(kernel::FuseRequest r, uint64_t ino, uint64_t fh, size_t size, off_t off) override;
  void Releasedir(kernel::FuseRequest r, uint64_t ino, uint64_t fh) override;
  void Statfs(kernel::FuseRequest r, uint64_t ino) override;

  // Control. The state as JSON (amq's listing); a switch to `replica`
  // (its name or host), or to the best one when empty, validated like
  // any other: the switch made, or why not.
  std::string StatusJson() const;
  Result<std::string> Force(const std::string& replica);
  // The policy read again (the volume's section of the policy file):
  // decisions, probes and timeouts follow it from now on.
  void SetPolicy(const failover::Policy& policy);
  // Stops the prober and fails calls that wait for a replica.
  void Stop();
  const std::string& serving_name() const;

 private:
  struct Answer {
    rpc::ChannelReply reply;
    size_t replica = 0;
  };
  using Args = std::function<std::vector<uint8_t>(const nfs3::Fh&)>;
  struct DirItem {
    std::string name;
    uint64_t ino = 0;
    mode_t type = 0;
  };

  explicit Relay(RelayOptions o);
  // A call about node `ino` on the replica in use, sent again (to the
  // replica in use then) after a timeout or a broken connection, until
  // answered, the node cannot be served, or `req` is interrupted.
  Result<Answer> Call(uint64_t ino, uint32_t proc, const Args& args, failover::Work work,
                      uint64_t bytes, const kernel::FuseRequest* req);
  // The call to the replica in use, `r`, with handle `fh`: hedged when it
  // is slower than expected (a copy to the best other replica that is up
  // and validated; the first answer is taken), its outcome told to the
  // decisions either way.
  Result<Answer> CallServing(uint64_t ino, size_t r, const nfs3::Fh& fh, uint32_t proc,
                             const Args& args, failover::Work work, uint64_t bytes);
  // The replica to hedge a call to `r` with: up, not rejected, at a
  // revision no older than the one in use; nullopt when there is none.
  std::optional<size_t> HedgeTarget(size_t r);
  // Calls that lost to a hedge: their outcome (answer or timeout) still
  // counts for their replica. The prober times them out.
  void ExpireWatches();
  // A connection to replica `r`; a failure to connect is told to the
  // decisions (it is down).
  Result<std::shared_ptr<rpc::Channel>> ConnectTo(size_t r);
  // One call to replica `r`, its outcome told to the decisions.
  Result<rpc::ChannelReply> CallOnce(size_t r, uint32_t proc, std::span<const uint8_t> args,
                                     failover::Work work, uint64_t bytes);
  // The handle of `ino` on replica `r`, found by path there if need be
  // (EIO when its copy there differs).
  Result<nfs3::Fh> HandleOn(uint64_t ino, size_t r);
  // Makes the decision due now, and the switch it asks for once the
  // target is validated.
  void Decide();
  void SwitchDecided(std::unique_lock<std::mutex>& lock, failover::Switch sw);
  Status Validate(size_t r, std::optional<uint64_t>* revision);
  Result<std::optional<uint64_t>> ReadRevision(size_t r);
  size_t serving() const;
  void ProbeLoop();
  void Probe(size_t r);
  // A probe's read of replica `r`: probe_read_bytes of ProbeFile.
  void ProbeRead(size_t r);
  // The file probes read, and how much of it: the largest open file
  // (mu_ held); nullopt when none is open.
  std::optional<std::pair<uint64_t, uint64_t>> ProbeFile();
  void Discover();
  std::chrono::milliseconds ConnectTimeout(size_t r) const;
  struct stat ToStat(uint64_t ino, const nfs3::Fattr& a) const;
  Result<std::vector<DirItem>> ReadDirectory(uint64_t ino, const kernel::FuseRequest* req);

  // The policy in force (SetPolicy replaces it; read from any thread).
  std::shared_ptr<const failover::Policy> policy() const { return policy_.load(); }

  RelayOptions o_;                                   // o_.policy: the policy it started with
  std::vector<std::unique_ptr<ReplicaLink>> links_;  // grows only (RLP)
  mutable std::mutex mu_;
  std::condition_variable cv_;  // a switch was made; stopping
  failover::Volume volume_;
  std::atomic<std::shared_ptr<const failover::Policy>> policy_;
  std::optional<NodeTable> table_;
  size_t serving_ = 0;  // validated; volume_.current() may be ahead while validating
  bool switching_ = false;
  std::optional<uint64_t> revision_;
  std::vector<char> revision_ok_;  // by replica: its revision was checked and is no older
  // A call and its hedge: their answers as they come.
  struct Flight {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<rpc::ChannelReply>> from_r, from_alt;
    failover::TimePoint r_done, alt_done;
  };
  // A call the caller no longer waits for (a hedge won, or the relay
  // moved on): its answer, when it comes, or its timeout still count.
  struct Watch {
    failover::TimePoint start, deadline;
    size_t replica = 0;
    uint32_t xid = 0;
    std::weak_ptr<rpc::Channel> channel;
    std::shared_ptr<Flight> flight;
    failover::Work work = failover::Work::kMetadata;
    uint64_t bytes = 0;
  };
  std::vector<Watch> watches_;
  uint64_t probe_ino_ = 0;  // ProbeFile's choice
  uint64_t hedges_ = 0, hedges_won_ = 0;
  std::map<uint64_t, std::shared_ptr<const std::vector<DirItem>>> dirs_;
  uint64_t next_dir_ = 1;
  std::chrono::system_clock::time_point started_wall_;
  failover::TimePoint started_;
  std::optional<failover::TimePoint> last_discovery_;
  bool discovering_ = false;
  std::atomic<bool> stopping_{false};
  std::thread prober_;
};

}  // namespace amd::relay

#endif  // AMD_RELAY_RELAY_H_
