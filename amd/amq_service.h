// AmqService: amd's side of the AMQ protocol (program 300019 or
// portmap_program, version 1; rpc/amq.x), exactly as am-utils 6.2 serves
// it, and version 2 with this amd's extensions (per-mount statistics now;
// replica status and switching defined for failover), over TCP and UDP on amq_listen_address
// (loopback by default) and preferred_amq_port, registered with rpcbind when one runs.
//
// Safer than the original: UMNT, SYNC_UMNT and SETOPT are refused
// (AUTH_ERROR, AUTH_TOOWEAK, and a log line naming the caller) unless the
// caller is root: a process of uid 0 on this host (the kernel's socket
// table says who owns the peer's socket) or a privileged source port on
// loopback. Read-only queries stay open. Runs on the engine's thread.
#ifndef AMD_AMD_AMQ_SERVICE_H_
#define AMD_AMD_AMQ_SERVICE_H_

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "amd/engine.h"
#include "amd/nfs_stats.h"
#include "base/log_limiter.h"
#include "rpc/rpc_server.h"

namespace amd {

class AmqService {
 public:
  struct Settings {
    std::string address = "127.0.0.1";
    uint16_t port = 0;
    uint32_t program = 300019;
    pid_t pid = 0;         // what AMQPROC_GETPID says: the process to signal
    std::string version;   // AMQPROC_GETVERS
    std::string host;      // the root node's "host:(pid..,port..)"
    std::string log_file;  // SETOPT(LOGFILE) accepts only this name
    bool register_rpcbind = true;
    bool write_port_file = true;  // rpc/amq_port_file.h
    // NFS_STATS: the NFS mounts' response times (nfs_stats.h); none when unset.
    std::function<std::vector<NfsStats::View>()> nfs_stats;
  };
  // SETOPT(XLOG) calls `set_log_options` with the new log_options.
  AmqService(boost::asio::io_context& io, Engine& engine, Settings settings,
             std::shared_ptr<spdlog::logger> log,
             std::function<bool(const std::string&)> set_log_options);
  ~AmqService();

  Status Start();
  uint16_t port() const { return server_.port(); }

  // Answers one call (public for tests).
  void Handle(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond);

 private:
  // One version 1 call, its path argument decoded (procedures that take one).
  struct Request {
    uint32_t xid;
    const rpc::Peer& peer;
    const rpc::Call& call;
    std::string path;
    rpc::RpcServer::Responder respond;
  };
  // The version 1 procedures, one each (AMQPROC_*).
  void MountTree(const Request& r);
  void Unmount(const Request& r);
  void Stats(const Request& r);
  void Export(const Request& r);
  void SetOpt(const Request& r);
  void MountedFileSystems(const Request& r);
  void Version(const Request& r);
  void Pid(const Request& r);
  void PathOf(const Request& r);  // AMQPROC_PAWD
  void SyncUnmount(const Request& r);
  void MapInfo(const Request& r);

  static bool IsRoot(const rpc::Peer& peer);
  void HandleV2(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond);
  // REPLICAS and SWITCH ask the relays (relays.h) on a thread of their
  // own, and answer back on the server's thread.
  void AskRelays(uint32_t xid, std::function<std::string()> ask, rpc::RpcServer::Responder respond);

  boost::asio::io_context& io_;
  Engine& engine_;
  Settings settings_;
  std::shared_ptr<spdlog::logger> log_;
  LogLimiter refused_log_;  // calls refused to non-root callers
  std::function<bool(const std::string&)> set_log_options_;
  rpc::RpcServer server_;
  bool registered_ = false;
  bool port_file_ = false;
};

}  // namespace amd

#endif  // AMD_AMD_AMQ_SERVICE_H_
