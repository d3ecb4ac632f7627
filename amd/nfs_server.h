// NfsFrontEnd::Impl: the classic front end's NFS and MOUNT server. It
// owns the RPC server, the directory tree (nfs_dir_tree.h), and the
// requests handed to the engine and not yet answered. Its code is in
// three files: nfs_front_end.cc (life, and what the engine calls),
// nfs_procedures.cc (one function per NFS and MOUNT procedure),
// nfs_requests.cc (calls deferred until the engine answers, expiry).
//
// Threading: the server's thread (its own io_context) for everything but
// Stage, Answer and stats, which any thread may call; OnThread runs work
// there from another thread and waits for it.
#ifndef AMD_AMD_NFS_SERVER_H_
#define AMD_AMD_NFS_SERVER_H_

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "amd/nfs_dir_tree.h"
#include "amd/nfs_front_end.h"
#include "base/log_limiter.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/rpc_message.h"
#include "rpc/rpc_server.h"

namespace amd {

class NfsFrontEnd::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using Clock = std::chrono::steady_clock;
  using Dir = NfsDirTree::Dir;
  using Key = NfsDirTree::Key;
  using Resolved = NfsDirTree::Resolved;

  Impl(Settings settings, Deliver deliver, kernel::Kernel& kernel,
       std::shared_ptr<spdlog::logger> log, Abandon abandon);

  boost::asio::io_context& io() { return io_; }
  const Settings& settings() const { return settings_; }
  kernel::Kernel& kernel() { return kernel_; }
  spdlog::logger& log() { return *log_; }

  Status Listen();
  std::pair<int, int> sockets() { return {server_.tcp_fd(), server_.udp_fd()}; }
  uint16_t port() const { return server_.port(); }
  void Stop();

  // Runs `fn` on the server's thread and waits for its result.
  template <typename Fn>
  auto OnThread(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Server thread.
  void AddDir(const std::string& path, bool top_level, ListKeys browsable) {
    tree_.Add(path, top_level, std::move(browsable));
  }
  void RemoveDir(const std::string& path) { tree_.Remove(path); }
  void SetMountedByUs(const std::string& path);
  bool MountedByUs(const std::string& path);
  void SetTimeout(const std::string& path, unsigned long seconds);
  void SetKeyTimeout(const std::string& path, const std::string& name, unsigned long seconds);
  bool Empty(const std::string& path);
  // One expire attempt in `path`: the key it asks the engine to expire,
  // and the future of the answer; nullopt when no key has been idle long
  // enough.
  std::optional<std::future<bool>> StartExpire(const std::string& path, bool immediate);

  // Any thread.
  void Stage(const std::string& path, const std::string& name, const std::string& target);
  void Answer(uint32_t token, int err);
  NfsFrontEndStats stats();

 private:
  enum class Want { kLookup, kReadlink, kRetry };
  struct Pending {
    Want want = Want::kLookup;
    uint32_t xid = 0;
    uint64_t dir = 0;  // kLookup, kReadlink: where the key is
    std::string name;
    rpc::RpcServer::Responder respond;
    // kRetry: a call whose handle names a sub-map directory not mounted
    // (yet, or again, after a restart): served again once it is.
    rpc::Peer peer;
    rpc::CallHeader header;
    std::vector<uint8_t> args;
    int attempt = 0;
    std::function<bool()> connected;  // the caller's TCP connection (rpc::Peer)
  };
  // What a procedure on an object needs: the object a handle named.
  struct Object {
    Dir* dir = nullptr;
    bool is_dir = true;
    std::string name;    // a key's
    Key* key = nullptr;  // a mounted key's
    rpc::nfs3::Fattr attr;
  };
  using Responder = rpc::RpcServer::Responder;

  static rpc::RpcServer::Limits Limits(const Settings& s);
  // Targets workers told of (ShowTarget) before answering: applied before
  // any answer is read.
  void ApplyStaged();
  void Count(uint64_t NfsFrontEndStats::*field);
  bool Allowed(const rpc::Peer& peer);

  // nfs_procedures.cc
  void Serve(const rpc::Peer& peer, const rpc::Call& call, Responder respond);
  void Garbage(const rpc::Call& call, const Responder& respond);
  static void Ok(const Responder& respond, uint32_t xid, const std::vector<uint8_t>& results);
  static void Fail(const Responder& respond, uint32_t xid, uint32_t proc, rpc::nfs3::Stat stat,
                   const rpc::nfs3::Fattr* obj = nullptr);
  static void LookupOk(const Responder& respond, uint32_t xid, const std::vector<uint8_t>& fh,
                       const rpc::nfs3::Fattr& obj, const rpc::nfs3::Fattr& dir);
  void Stale(const Responder& respond, uint32_t xid, uint32_t proc);
  void HandleMount(const rpc::Call& call, Responder respond);
  void HandleNfs(const rpc::Peer& peer, const rpc::Call& call, Responder respond);
  void Lookup(const rpc::Peer& peer, const rpc::Call& call, Responder respond);
  void Readlink(const Object& o, const rpc::Peer& peer, const rpc::Call& call, Responder respond);
  void Readdir(const rpc::Peer& peer, const rpc::Call& call, Responder respond);

  // nfs_requests.cc
  // Mounts the sub-map directory `r` is missing, then serves the call
  // again; false (the caller answers STALE) after too many rounds.
  bool DeferRetry(const Resolved& r, const rpc::Peer& peer, const rpc::Call& call,
                  Responder& respond);
  // Asks the engine to mount `name` and answers when it has.
  void Defer(Want want, uint32_t xid, Dir& d, const std::string& name, const rpc::Peer& peer,
             const rpc::Call& call, Responder respond);
  // Asks the engine to mount `name` in `d`; `waiting` is answered when it has.
  void Ask(Dir& d, const std::string& name, const rpc::Call& call, Pending waiting);
  void OnAnswer(uint32_t token, int err);
  // Once a second while requests are pending: a request whose every
  // caller closed its TCP connection is dropped, and the engine told, so
  // that it stops the work (a map program, say) nobody waits for. Calls
  // over UDP are never taken for abandoned: nobody can tell.
  void ArmAbandonSweep();
  // Answers a deferred LOOKUP or READLINK from what is known now, or
  // serves a deferred call again.
  void Reply(Pending& p, rpc::nfs3::Stat stat);

  Settings settings_;
  Deliver deliver_;
  Abandon abandon_;
  kernel::Kernel& kernel_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  rpc::RpcServer server_;
  std::set<uint32_t> local_;
  int attempt_ = 0;  // rounds of DeferRetry behind the call being served
  boost::asio::ip::address listen_;
  NfsDirTree tree_;
  // Mount requests sent to the engine and not yet answered, by token:
  // the directory each is for, and the calls that wait for it.
  struct PendingRequest {
    std::string dir;
    std::vector<Pending> waiting;
  };
  std::map<uint32_t, PendingRequest> pending_;
  boost::asio::steady_timer sweep_timer_{io_};
  bool sweeping_ = false;
  std::map<uint32_t, std::shared_ptr<std::promise<bool>>> expiring_;
  std::map<uint32_t, std::pair<uint64_t, std::string>> expiring_names_;
  uint32_t next_token_ = 1;
  std::mutex staged_mu_;
  std::vector<std::tuple<std::string, std::string, std::string>> staged_;  // guarded by staged_mu_
  std::mutex stats_mu_;
  NfsFrontEndStats stats_;  // guarded by stats_mu_
  LogLimiter refused_log_;  // refused calls: a line for the first 10, then every 1,000th
};

}  // namespace amd

#endif  // AMD_AMD_NFS_SERVER_H_
