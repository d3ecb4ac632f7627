// AmqService; see amq_service.h.
#include "amd/amq_service.h"

#include <thread>

#include "amd/relays.h"

#include <rpc/pmap_clnt.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "kernel-shim/peer_credentials.h"
#include "rpc/amq_port_file.h"
#include "rpc/amq_prot.h"
#include "rpc/xdr_codec.h"

namespace amd {
namespace {

using rpc::AcceptedReply;
using rpc::AcceptStat;

xdrproc_t Proc(bool_t (*f)(XDR*, amq_string*)) { return reinterpret_cast<xdrproc_t>(f); }
template <typename T>
xdrproc_t Proc(bool_t (*f)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(f);
}

char* C(const std::string& s) { return const_cast<char*>(s.c_str()); }

int64_t Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// amq_mount_tree nodes built from an AmqNode tree; the strings stay in the
// AmqNode, which must outlive the encoding.
class TreeBuilder {
 public:
  amq_mount_tree* Build(const Engine::AmqNode& n) {
    nodes_.emplace_back();
    amq_mount_tree* t = &nodes_.back();
    std::memset(t, 0, sizeof *t);
    t->mt_mountinfo = C(n.mount_info);
    t->mt_directory = C(n.path);
    t->mt_mountpoint = C(n.mount_point);
    t->mt_type = C(n.type);
    t->mt_mounttime = static_cast<int>(Seconds(n.mounted_at));
    amq_mount_tree** next = &t->mt_child;
    for (const auto& c : n.children) {
      *next = Build(c);
      next = &(*next)->mt_next;
    }
    return t;
  }

 private:
  std::deque<amq_mount_tree> nodes_;
};

const Engine::AmqNode* Find(const Engine::AmqNode& n, const std::string& path) {
  if (n.path == path) return &n;
  for (const auto& c : n.children) {
    if (const auto* f = Find(c, path)) return f;
  }
  return nullptr;
}

void Flatten(const Engine::AmqNode& n, std::vector<const Engine::AmqNode*>* out) {
  if (n.type != "root") out->push_back(&n);
  for (const auto& c : n.children) Flatten(c, out);
}

// Rewrites `path` through the nodes whose mount point is not their path
// (links): the original's pawd, to a fixed point in at most 10 passes;
// "" when no node matches.
std::string Pawd(const Engine::AmqNode& root, std::string path) {
  std::vector<const Engine::AmqNode*> all;
  Flatten(root, &all);
  bool matched = false;
  for (int pass = 0; pass < 10; ++pass) {
    bool changed = false;
    for (const auto* n : all) {
      const std::string& mp = n->mount_point;
      if (mp.empty() || mp == n->path) continue;
      if (path == mp || (path.size() > mp.size() && path.compare(0, mp.size(), mp) == 0 &&
                         path[mp.size()] == '/')) {
        path = n->path + path.substr(mp.size());
        changed = matched = true;
      }
    }
    if (!changed) break;
  }
  return matched ? path : std::string();
}

std::vector<uint8_t> Success(uint32_t xid, xdrproc_t proc, const void* value) {
  auto bytes = rpc::XdrEncode(proc, value);
  if (!bytes.ok()) return AcceptedReply(xid, AcceptStat::kSystemErr);
  return AcceptedReply(xid, AcceptStat::kSuccess, *bytes);
}

constexpr uint32_t kVersion = 1;

rpc::RpcServer::Limits AmqLimits() {
  rpc::RpcServer::Limits l;
  l.service = "AMQ";
  l.peer_uid = kernel::LocalPeerUid;  // only root may change anything
  return l;
}

}  // namespace

AmqService::AmqService(boost::asio::io_context& io, Engine& engine, Settings settings,
                       std::shared_ptr<spdlog::logger> log,
                       std::function<bool(const std::string&)> set_log_options)
    : io_(io),
      engine_(engine),
      settings_(std::move(settings)),
      log_(std::move(log)),
      set_log_options_(std::move(set_log_options)),
      server_(
          io,
          [this](const rpc::Peer& p, const rpc::Call& c, rpc::RpcServer::Responder r) {
            Handle(p, c, std::move(r));
          },
          log_, AmqLimits()) {}

AmqService::~AmqService() {
  if (port_file_) rpc::RemoveAmqPortFile(settings_.program, server_.port());
  server_.Close();
  if (registered_) {
    pmap_unset(settings_.program, kVersion);
    pmap_unset(settings_.program, AMQ_VERSION2);
  }
}

Status AmqService::Start() {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(settings_.address, ec);
  if (ec) return Status::Error("amq_listen_address " + settings_.address + ": not an address");
  Status s = server_.Listen(address, settings_.port);
  if (!s.ok()) return s;
  log_->info("AMQ: program {} version 1 on {}:{} (TCP and UDP)", settings_.program,
             settings_.address, server_.port());
  if (settings_.write_port_file) {
    Status w = rpc::WriteAmqPortFile(settings_.program, {settings_.address, server_.port()});
    port_file_ = w.ok();
    if (!w.ok())
      log_->warn("AMQ: {}; amq on this host needs rpcbind or --port to find amd", w.ToString());
  }
  if (settings_.register_rpcbind) {
    pmap_unset(settings_.program, kVersion);  // an earlier amd's leftovers
    pmap_unset(settings_.program, AMQ_VERSION2);
    bool tcp = pmap_set(settings_.program, kVersion, IPPROTO_TCP, server_.port()) != 0;
    bool udp = pmap_set(settings_.program, kVersion, IPPROTO_UDP, server_.port()) != 0;
    pmap_set(settings_.program, AMQ_VERSION2, IPPROTO_TCP, server_.port());
    pmap_set(settings_.program, AMQ_VERSION2, IPPROTO_UDP, server_.port());
    registered_ = tcp || udp;
    if (!registered_) {
      log_->info(
          "AMQ: not registered with rpcbind (not running?); amq on this host finds amd through {}",
          rpc::AmqPortFile(settings_.program));
    }
  }
  return {};
}

// Version 2, this amd's extensions (rpc/amq.x).
void AmqService::AskRelays(uint32_t xid, std::function<std::string()> ask,
                           rpc::RpcServer::Responder respond) {
  std::thread([&io = io_, xid, ask = std::move(ask), respond = std::move(respond)] {
    std::string answer = ask();
    boost::asio::post(io, [xid, answer = std::move(answer), respond] {
      char* s = const_cast<char*>(answer.c_str());
      respond(Success(xid, Proc(xdr_amq_string), &s));
    });
  }).detach();
}

void AmqService::HandleV2(const rpc::Peer& peer, const rpc::Call& call,
                          rpc::RpcServer::Responder respond) {
  uint32_t xid = call.header.xid;
  switch (call.header.proc) {
    case AMQ2PROC_NULL:
      return respond(AcceptedReply(xid, AcceptStat::kSuccess));
    case AMQ2PROC_MOUNT_STATS: {
      Engine::AmqNode tree = engine_.Tree();
      std::vector<const Engine::AmqNode*> all;
      Flatten(tree, &all);
      std::vector<amq2_mount_stats> stats;
      for (const auto* n : all) {
        if (n->type == "toplvl" || n->type == "direct" || n->type == "auto") continue;
        amq2_mount_stats m{};
        m.ms_path = C(n->path);
        m.ms_type = C(n->type);
        m.ms_mountinfo = C(n->mount_info);
        m.ms_server = C(n->server);
        m.ms_mounted_at = Seconds(n->mounted_at);
        m.ms_mount_usec = static_cast<u_quad_t>(n->mount_time.count());
        m.ms_requests = static_cast<u_int>(n->requests);
        stats.push_back(m);
      }
      amq2_mount_stats_list list{static_cast<u_int>(stats.size()), stats.data()};
      return respond(Success(xid, Proc(xdr_amq2_mount_stats_list), &list));
    }
    case AMQ2PROC_NFS_STATS: {
      std::vector<NfsStats::View> views;
      if (settings_.nfs_stats) views = settings_.nfs_stats();
      auto us = [](const std::optional<failover::Duration>& d) {
        return d ? static_cast<u_int>(std::min<int64_t>(d->count(), UINT32_MAX)) : 0u;
      };
      auto clamp = [](double v) {
        return static_cast<u_int>(std::clamp(v, 0.0, static_cast<double>(UINT32_MAX)));
      };
      std::vector<amq2_nfs_stats> stats;
      for (const auto& v : views) {
        amq2_nfs_stats m{};
        m.ns_path = C(v.node);
        m.ns_mount_point = C(v.mount_point);
        m.ns_device = C(v.device);
        m.ns_health = C(v.health);
        m.ns_measured = (v.short_term ? 1u : 0u) | (v.long_term ? 2u : 0u) |
                        (v.read_per_kib ? 4u : 0u) | (v.probe ? 8u : 0u);
        m.ns_short_usec = us(v.short_term);
        m.ns_long_usec = us(v.long_term);
        m.ns_read_usec_kib = us(v.read_per_kib);
        m.ns_probe_usec = us(v.probe);
        m.ns_ops_milli_per_s = clamp(v.ops_per_s * 1000);
        m.ns_rtt_usec = clamp(v.rtt_ms * 1000);
        m.ns_exe_usec = clamp(v.execute_ms * 1000);
        m.ns_retrans = v.retrans;
        m.ns_timeouts = v.timeouts;
        m.ns_errors = v.errors;
        m.ns_probes_failed = v.probes_failed;
        stats.push_back(m);
      }
      amq2_nfs_stats_list list{static_cast<u_int>(stats.size()), stats.data()};
      return respond(Success(xid, Proc(xdr_amq2_nfs_stats_list), &list));
    }
    case AMQ2PROC_REPLICAS: {
      rpc::XdrValue<amq_string> path(Proc(xdr_amq_string));
      if (!path.Decode(call.args).ok())
        return respond(AcceptedReply(xid, AcceptStat::kGarbageArgs));
      std::string p = path.get() ? path.get() : "";
      // The relays' states, then the kernel data path's volumes.
      std::string kernel = engine_.KernelVolumeStates(p);
      return AskRelays(
          xid,
          [p, kernel] {
            auto all = nlohmann::json::parse(RelayStates(p), nullptr, false);
            auto more = nlohmann::json::parse(kernel, nullptr, false);
            if (!all.is_array()) all = nlohmann::json::array();
            if (more.is_array()) all.insert(all.end(), more.begin(), more.end());
            return all.dump();
          },
          std::move(respond));
    }
    case AMQ2PROC_SWITCH: {
      rpc::XdrValue<amq2_switch> sw(Proc(xdr_amq2_switch));
      if (!sw.Decode(call.args).ok()) return respond(AcceptedReply(xid, AcceptStat::kGarbageArgs));
      if (!IsRoot(peer)) {
        char* no = const_cast<char*>("error only root may switch replicas");
        return respond(Success(xid, Proc(xdr_amq_string), &no));
      }
      std::string path = sw.get().sw_path ? sw.get().sw_path : "";
      std::string server = sw.get().sw_server ? sw.get().sw_server : "";
      log_->warn("amq: switch of {} to {} asked by {}", path,
                 server.empty() ? "the best replica" : server, peer.ToString());
      bool kernel = engine_.SwitchKernelVolume(path, server, [xid, respond](std::string answer) {
        char* a = const_cast<char*>(answer.c_str());
        respond(Success(xid, Proc(xdr_amq_string), &a));
      });
      if (kernel) return;
      return AskRelays(
          xid,
          [path, server] {
            auto done = SwitchRelay(path, server);
            return done.ok() ? "ok " + *done : "error " + done.status().ToString();
          },
          std::move(respond));
    }
    default:
      return respond(AcceptedReply(xid, AcceptStat::kProcUnavail));
  }
}

bool AmqService::IsRoot(const rpc::Peer& peer) {
  if (peer.uid) return *peer.uid == 0;
  return peer.address.is_loopback() && peer.port < 1024;
}

void AmqService::MountTree(const Request& r) {
  Engine::AmqNode tree = engine_.Tree();
  const Engine::AmqNode* n = Find(tree, r.path);
  TreeBuilder b;
  amq_mount_tree_p p = n ? b.Build(*n) : nullptr;
  return r.respond(Success(r.xid, Proc(xdr_amq_mount_tree_p), &p));
}

void AmqService::Unmount(const Request& r) {
  std::string p = r.path;
  log_->info("AMQ: {} asks to unmount {}", r.peer.ToString(), p);
  engine_.UnmountPath(p, [this, p](Status s) {
    if (!s.ok()) log_->info("AMQ: unmount {}: {}", p, s.ToString());
  });
  return r.respond(AcceptedReply(r.xid, AcceptStat::kSuccess));
}

void AmqService::Stats(const Request& r) {
  const EngineStats& s = engine_.stats();
  amq_mount_stats st{0, 0, static_cast<int>(s.mounts_ok), static_cast<int>(s.mounts_failed),
                     static_cast<int>(s.unmounts_failed)};
  return r.respond(Success(r.xid, Proc(xdr_amq_mount_stats), &st));
}

void AmqService::Export(const Request& r) {
  Engine::AmqNode tree = engine_.Tree();
  tree.mount_point = settings_.host + ":(pid" + std::to_string(settings_.pid) + ",port" +
                     std::to_string(server_.port()) + ")";
  TreeBuilder b;
  amq_mount_tree_p root = b.Build(tree);
  amq_mount_tree_list list{1, &root};
  return r.respond(Success(r.xid, Proc(xdr_amq_mount_tree_list), &list));
}

void AmqService::SetOpt(const Request& r) {
  rpc::XdrValue<amq_setopt> opt(Proc(xdr_amq_setopt));
  if (!opt.Decode(r.call.args).ok())
    return r.respond(AcceptedReply(r.xid, AcceptStat::kGarbageArgs));
  int rc = 0;
  std::string value = opt.get().as_str;
  switch (opt.get().as_opt) {
    case AMOPT_DEBUG:
      rc = -1;  // "daemon not compiled for debug", as the original without debugging
      break;
    case AMOPT_LOGFILE:
      rc = value == settings_.log_file ? 0 : EACCES;
      break;
    case AMOPT_XLOG:
      rc = set_log_options_ && set_log_options_(value) ? 0 : EINVAL;
      break;
    case AMOPT_FLUSHMAPC:
      engine_.ReloadMaps(true);
      break;
    default:
      rc = EINVAL;
  }
  log_->info("AMQ: {} set option {} \"{}\": {}", r.peer.ToString(),
             static_cast<int>(opt.get().as_opt), value, rc);
  return r.respond(Success(r.xid, Proc(xdr_int), &rc));
}

void AmqService::MountedFileSystems(const Request& r) {
  Engine::AmqNode tree = engine_.Tree();
  std::vector<const Engine::AmqNode*> all;
  Flatten(tree, &all);
  std::vector<amq_mount_info> infos;
  for (const auto* n : all) {
    infos.push_back({C(n->type), C(n->mount_point), C(n->mount_info), C(n->server), 0, 1, 1});
  }
  amq_mount_info_list list{static_cast<u_int>(infos.size()), infos.data()};
  return r.respond(Success(r.xid, Proc(xdr_amq_mount_info_list), &list));
}

void AmqService::Version(const Request& r) {
  amq_string v = C(settings_.version);
  return r.respond(Success(r.xid, Proc(xdr_amq_string), &v));
}

void AmqService::Pid(const Request& r) {
  int pid = settings_.pid;
  return r.respond(Success(r.xid, Proc(xdr_int), &pid));
}

void AmqService::PathOf(const Request& r) {
  std::string out = Pawd(engine_.Tree(), r.path);
  amq_string v = C(out);
  return r.respond(Success(r.xid, Proc(xdr_amq_string), &v));
}

void AmqService::SyncUnmount(const Request& r) {
  std::string p = r.path;
  log_->info("AMQ: {} asks to unmount {} and wait", r.peer.ToString(), p);
  engine_.UnmountPath(p, [xid = r.xid, respond = r.respond](Status s) {
    // au_etype, au_errno, au_signal in this host's byte order, as the
    // original sends its C struct (rpc/amq.x).
    int32_t fields[3] = {s.ok() ? AMQ_UMNT_OK : AMQ_UMNT_FAILED, s.errno_value(), 0};
    if (!s.ok() && s.code() == std::make_error_code(std::errc::invalid_argument)) {
      fields[0] = AMQ_UMNT_FORK;  // "not mounted": the original's answer for an unknown node
      fields[1] = 0;
    }
    amq_sync_umnt_wire w;
    std::memcpy(w, fields, sizeof w);
    respond(Success(xid, Proc(xdr_amq_sync_umnt_wire), w));
  });
}

void AmqService::MapInfo(const Request& r) {
  auto maps = engine_.Maps();
  std::vector<amq_map_info> infos;
  for (const auto& m : maps) {
    amq_map_info i{};
    i.mi_name = C(m.name);
    i.mi_wildcard = C(m.wildcard);
    i.mi_modify = static_cast<int>(m.modified);
    i.mi_flags = 0;
    i.mi_nentries = static_cast<int>(m.entries);
    i.mi_reloads = m.reloads;
    i.mi_refc = m.refs;
    i.mi_up = -1;  // no isup method: "root", as the original shows for file maps
    infos.push_back(i);
  }
  amq_map_info_list list{static_cast<u_int>(infos.size()), infos.data()};
  return r.respond(Success(r.xid, Proc(xdr_amq_map_info_list), &list));
}

void AmqService::Handle(const rpc::Peer& peer, const rpc::Call& call,
                        rpc::RpcServer::Responder respond) {
  uint32_t xid = call.header.xid;
  if (call.header.prog != settings_.program)
    return respond(AcceptedReply(xid, AcceptStat::kProgUnavail));
  if (call.header.vers == AMQ_VERSION2) return HandleV2(peer, call, std::move(respond));
  if (call.header.vers != kVersion)
    return respond(AcceptedReply(xid, AcceptStat::kProgMismatch, {}, 1, 2));
  uint32_t proc = call.header.proc;
  // Every procedure's argument is void, an amq_string or an amq_setopt.
  rpc::XdrValue<amq_string> path(Proc(xdr_amq_string));
  bool takes_path = proc == AMQPROC_MNTTREE || proc == AMQPROC_UMNT || proc == AMQPROC_PAWD ||
                    proc == AMQPROC_SYNC_UMNT;
  if (takes_path && !path.Decode(call.args).ok())
    return respond(AcceptedReply(xid, AcceptStat::kGarbageArgs));
  bool mutating = proc == AMQPROC_UMNT || proc == AMQPROC_SYNC_UMNT || proc == AMQPROC_SETOPT;
  if (mutating && !IsRoot(peer)) {
    if (auto n = refused_log_.Count()) {
      log_->warn("AMQ: refused procedure {} to {}: only root may change amd (refusal #{})", proc,
                 peer.ToString(), *n);
    }
    return respond(rpc::AuthErrorReply(xid, rpc::AuthStat::kTooWeak));
  }
  static const std::map<uint32_t, void (AmqService::*)(const Request&)> kProcedures = {
      {AMQPROC_MNTTREE, &AmqService::MountTree},
      {AMQPROC_UMNT, &AmqService::Unmount},
      {AMQPROC_STATS, &AmqService::Stats},
      {AMQPROC_EXPORT, &AmqService::Export},
      {AMQPROC_SETOPT, &AmqService::SetOpt},
      {AMQPROC_GETMNTFS, &AmqService::MountedFileSystems},
      {AMQPROC_GETVERS, &AmqService::Version},
      {AMQPROC_GETPID, &AmqService::Pid},
      {AMQPROC_PAWD, &AmqService::PathOf},
      {AMQPROC_SYNC_UMNT, &AmqService::SyncUnmount},
      {AMQPROC_GETMAPINFO, &AmqService::MapInfo},
  };
  if (proc == AMQPROC_NULL) return respond(AcceptedReply(xid, AcceptStat::kSuccess));
  auto it = kProcedures.find(proc);
  // 7 (AMQPROC_MOUNT, gone since 6.0.5) and anything unknown.
  if (it == kProcedures.end()) return respond(AcceptedReply(xid, AcceptStat::kProcUnavail));
  Request r{xid, peer, call, takes_path ? std::string(path.get()) : std::string(), respond};
  (this->*it->second)(r);
}

}  // namespace amd
