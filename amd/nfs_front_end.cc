// The classic NFS front end; see nfs_front_end.h.
#include "amd/nfs_front_end.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "amd/mounter.h"
#include "amd/run_loop.h"
#include "base/interfaces.h"
#include "base/log_limiter.h"
#include "kernel-shim/peer_credentials.h"
#include "maps/mount_options.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/rpc_message.h"
#include "rpc/rpc_server.h"

namespace amd {
namespace {

namespace nfs3 = rpc::nfs3;
using Clock = std::chrono::steady_clock;
using rpc::XdrWriter;

// A file handle: "amd" 1, the kind, the name's length, two zero bytes, a
// directory's path hash, then:
//   kDir      nothing: the directory itself;
//   kKey      a key's name, or, below sub-map directories, its path from
//             the directory ("sub/key");
//   kSubDir   a sub-map directory's path from the directory ("sub");
//   kLongKey  the hash of a key's name too long for a handle.
// Paths from a top-level directory keep a handle good across a restart of
// amd: the new amd finds (or mounts again) each sub-map on the way.
constexpr uint8_t kMagic[4] = {'a', 'm', 'd', 1};
enum class Kind : uint8_t { kDir = 1, kKey = 2, kLongKey = 3, kSubDir = 4 };
constexpr size_t kHeader = 16;
constexpr size_t kMaxNameInHandle = nfs3::kFhSize - kHeader;

uint64_t Fnv(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

struct Handle {
  Kind kind = Kind::kDir;
  uint64_t dir = 0;
  std::string_view name;   // kKey, kSubDir
  uint64_t name_hash = 0;  // kLongKey
};

std::vector<uint8_t> MakeHandle(Kind kind, uint64_t dir, std::string_view name = {}) {
  uint8_t fh[nfs3::kFhSize] = {};
  std::copy(kMagic, kMagic + 4, fh);
  fh[4] = static_cast<uint8_t>(kind);
  PutU64(fh + 8, dir);
  size_t size = kHeader;
  if (kind == Kind::kKey || kind == Kind::kSubDir) {
    fh[5] = static_cast<uint8_t>(name.size());
    std::memcpy(fh + kHeader, name.data(), name.size());
    size += name.size();
  } else if (kind == Kind::kLongKey) {
    PutU64(fh + kHeader, Fnv(name));
    size += 8;
  }
  return std::vector<uint8_t>(fh, fh + size);
}

std::optional<Handle> ParseHandle(std::span<const uint8_t> fh) {
  if (fh.size() < kHeader || !std::equal(kMagic, kMagic + 4, fh.begin())) return std::nullopt;
  Handle h;
  h.kind = static_cast<Kind>(fh[4]);
  h.dir = GetU64(&fh[8]);
  switch (h.kind) {
    case Kind::kDir:
      if (fh.size() != kHeader) return std::nullopt;
      return h;
    case Kind::kKey:
    case Kind::kSubDir:
      if (fh.size() != kHeader + fh[5] || fh[5] == 0) return std::nullopt;
      h.name = std::string_view(reinterpret_cast<const char*>(&fh[kHeader]), fh[5]);
      return h;
    case Kind::kLongKey:
      if (fh.size() != kHeader + 8) return std::nullopt;
      h.name_hash = GetU64(&fh[kHeader]);
      return h;
  }
  return std::nullopt;
}

nfs3::Time Now() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return {static_cast<uint32_t>(ns / 1000000000), static_cast<uint32_t>(ns % 1000000000)};
}

bool Later(const nfs3::Time& a, const nfs3::Time& b) {
  return a.seconds > b.seconds || (a.seconds == b.seconds && a.nseconds > b.nseconds);
}

// Names a browsable directory can list (the engine chose which keys:
// wildcards only for browsable_dirs = full or opts:=fullybrowsable).
bool Listable(const std::string& k) {
  return !k.empty() && k != "/defaults" && k.find('/') == std::string::npos && k != "." &&
         k != "..";
}

std::set<uint32_t> LocalAddresses() {
  std::set<uint32_t> out;
  for (const auto& i : Ipv4Interfaces()) out.insert(i.address);
  return out;
}

}  // namespace

class NfsFrontEnd::Impl : public std::enable_shared_from_this<Impl> {
 public:
  struct Key {
    std::string target;
    nfs3::Time changed;
    Clock::time_point last_used = Clock::now();
    std::optional<unsigned long> timeout;  // its own idle time (utimeout=)
    bool expiring = false;
  };
  struct Dir {
    std::string path;
    uint64_t hash = 0;
    uint64_t fsid = 0;
    uint64_t parent = 0;  // the parent directory's hash (itself at the top)
    bool top_level = false;
    bool mounted_by_us = false;
    ListKeys browsable;
    std::map<std::string, Key> keys;                       // mounted keys
    std::unordered_map<uint64_t, std::string> long_names;  // name hash -> name, for long keys
    nfs3::Time mtime;
    unsigned long timeout = 600;
    // The listing READDIR pages through: made when a client starts at
    // cookie 0 (or finds none), dropped once a client reads to its end.
    // Without it every page would ask the map for all its keys again.
    std::shared_ptr<const std::vector<std::string>> listing;
  };
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
  // What a handle names: a directory, or a key in one; or the sub-map
  // directory that must be mounted first (missing, in missing_in).
  struct Resolved {
    Dir* dir = nullptr;
    bool is_dir = true;
    std::string name;
    Dir* missing_in = nullptr;
    std::string missing;
  };

  Impl(Settings settings, Deliver deliver, kernel::Kernel& kernel,
       std::shared_ptr<spdlog::logger> log, Abandon abandon)
      : settings_(std::move(settings)),
        deliver_(std::move(deliver)),
        abandon_(std::move(abandon)),
        kernel_(kernel),
        log_(std::move(log)),
        work_(boost::asio::make_work_guard(io_)),
        server_(
            io_,
            [this](const rpc::Peer& p, const rpc::Call& c, rpc::RpcServer::Responder r) {
              Serve(p, c, std::move(r));
            },
            log_, Limits(settings_)),
        local_(LocalAddresses()) {}

  static rpc::RpcServer::Limits Limits(const Settings& s) {
    rpc::RpcServer::Limits l;
    l.service = "NFS";
    l.peer_uid = kernel::LocalPeerUid;  // connections are shared out by local uid
    // A TCP connection from an unprivileged port would have every call
    // refused: it is closed at once, and holds no place.
    if (!s.allow_insecure_port)
      l.refuse_at_accept = [](const rpc::Peer& p) { return p.port >= 1024; };
    l.idle = std::chrono::seconds(900);  // the kernel closes idle connections itself
    l.max_connections = 256;
    return l;
  }

  boost::asio::io_context& io() { return io_; }
  const Settings& settings() const { return settings_; }
  kernel::Kernel& kernel() { return kernel_; }
  spdlog::logger& log() { return *log_; }

  Status Listen() {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(settings_.address, ec);
    if (ec)
      return Status::Error("NFS: localhost_address " + settings_.address + " is not an address");
    listen_ = addr;
    if (settings_.adopt_tcp_fd >= 0 && settings_.adopt_udp_fd >= 0) {
      if (server_.Adopt(settings_.adopt_tcp_fd, settings_.adopt_udp_fd).ok()) return {};
      log_->warn("NFS: cannot take over the earlier engine's sockets; binding anew");
    }
    return server_.Listen(addr, settings_.port);
  }
  std::pair<int, int> sockets() { return {server_.tcp_fd(), server_.udp_fd()}; }
  uint16_t port() const { return server_.port(); }
  void Stop() {
    server_.Close();
    sweep_timer_.cancel();
    for (auto& [token, request] : pending_) {
      for (auto& p : request.waiting) Reply(p, nfs3::kNoent);
    }
    pending_.clear();
    for (auto& [token, done] : expiring_) done->set_value(false);
    expiring_.clear();
    work_.reset();
    io_.stop();
  }

  // Runs `fn` on the server's thread and waits for its result.
  template <typename Fn>
  auto OnThread(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Server thread from here on.
  void AddDir(const std::string& path, bool top_level, ListKeys browsable) {
    auto d = std::make_unique<Dir>();
    d->path = path;
    d->hash = Fnv(path);
    d->top_level = top_level;
    d->browsable = std::move(browsable);
    d->mtime = Now();
    std::string parent = path.substr(0, path.rfind('/'));
    auto pit = dirs_.find(Fnv(parent));
    if (!top_level && pit != dirs_.end()) {
      d->parent = pit->second->hash;
      d->fsid = pit->second->fsid;
      Touch(*pit->second);
    } else {
      d->parent = d->hash;
      d->fsid = d->hash;
    }
    dirs_[d->hash] = std::move(d);
  }
  void RemoveDir(const std::string& path) {
    uint64_t h = Fnv(path);
    auto it = dirs_.find(h);
    if (it == dirs_.end()) return;
    auto pit = dirs_.find(it->second->parent);
    if (pit != dirs_.end() && pit->first != h) Touch(*pit->second);
    dirs_.erase(it);
  }
  void SetMountedByUs(const std::string& path) {
    if (auto it = dirs_.find(Fnv(path)); it != dirs_.end()) it->second->mounted_by_us = true;
  }
  bool MountedByUs(const std::string& path) {
    auto it = dirs_.find(Fnv(path));
    return it != dirs_.end() && it->second->mounted_by_us;
  }
  void SetTimeout(const std::string& path, unsigned long seconds) {
    if (auto it = dirs_.find(Fnv(path)); it != dirs_.end()) it->second->timeout = seconds;
  }
  void SetKeyTimeout(const std::string& path, const std::string& name, unsigned long seconds) {
    ApplyStaged();
    if (auto it = dirs_.find(Fnv(path)); it != dirs_.end()) {
      if (auto k = it->second->keys.find(name); k != it->second->keys.end())
        k->second.timeout = seconds;
    }
  }
  bool Empty(const std::string& path) {
    ApplyStaged();
    auto it = dirs_.find(Fnv(path));
    return it == dirs_.end() || it->second->keys.empty();
  }

  // Any thread.
  void Stage(const std::string& path, const std::string& name, const std::string& target) {
    std::lock_guard<std::mutex> lock(staged_mu_);
    staged_.emplace_back(path, name, target);
  }
  void Answer(uint32_t token, int err) {
    boost::asio::post(io_, [self = shared_from_this(), token, err] { self->OnAnswer(token, err); });
  }
  NfsFrontEndStats stats() {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

  // One expire attempt in `path` (server thread): the key it asks the
  // engine to expire, and the future of the answer; nullopt when no key
  // has been idle long enough.
  std::optional<std::future<bool>> StartExpire(const std::string& path, bool immediate) {
    ApplyStaged();
    auto it = dirs_.find(Fnv(path));
    if (it == dirs_.end()) return std::nullopt;
    Dir& d = *it->second;
    auto now = Clock::now();
    for (auto& [name, key] : d.keys) {
      if (key.expiring) continue;
      auto idle = std::chrono::seconds(key.timeout.value_or(d.timeout));
      if (!immediate && now - key.last_used < idle) continue;
      key.expiring = true;
      uint32_t token = next_token_++;
      auto done = std::make_shared<std::promise<bool>>();
      auto result = done->get_future();
      expiring_[token] = done;
      expiring_names_[token] = {d.hash, name};
      kernel::AutofsPacket p;
      p.type = kernel::AutofsPacketType::kExpireIndirect;
      p.proto_version = 5;
      p.token = token;
      p.name = name;
      deliver_(d.path, p);
      return result;
    }
    return std::nullopt;
  }

 private:
  // Targets workers told of (ShowTarget) before answering: applied before
  // any answer is read.
  void ApplyStaged() {
    std::vector<std::tuple<std::string, std::string, std::string>> staged;
    {
      std::lock_guard<std::mutex> lock(staged_mu_);
      if (staged_.empty()) return;
      staged.swap(staged_);
    }
    for (auto& [path, name, target] : staged) {
      auto it = dirs_.find(Fnv(path));
      if (it == dirs_.end()) continue;
      Dir& d = *it->second;
      if (target.empty()) {
        d.keys.erase(name);
      } else {
        Key& k = d.keys[name];
        k.target = target;
        k.changed = Now();
        k.last_used = Clock::now();
        k.expiring = false;
        if (name.size() > kMaxNameInHandle) d.long_names[Fnv(name)] = name;
      }
      Touch(d);
    }
  }
  void Touch(Dir& d) {
    nfs3::Time t = Now();
    if (!Later(t, d.mtime))
      t = {d.mtime.seconds + (d.mtime.nseconds == 999999999 ? 1u : 0u),
           d.mtime.nseconds == 999999999 ? 0u : d.mtime.nseconds + 1};
    d.mtime = t;
  }

  void Count(uint64_t NfsFrontEndStats::*field) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++(stats_.*field);
  }

  bool Allowed(const rpc::Peer& peer) {
    if (!settings_.allow_insecure_port && peer.port >= 1024) return false;
    if (settings_.allow_any_interface) return true;
    if (peer.address == listen_ || peer.address.is_loopback()) return true;
    return peer.address.is_v4() && local_.count(peer.address.to_v4().to_uint()) > 0;
  }

  void Serve(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond) {
    Count(&NfsFrontEndStats::calls);
    const auto& h = call.header;
    if (!Allowed(peer)) {
      Count(&NfsFrontEndStats::refused);
      if (auto n = refused_log_.Count()) {
        log_->warn("NFS: refused call #{} from {}: {}", *n, peer.ToString(),
                   peer.port >= 1024
                       ? "not a privileged port (nfs_allow_insecure_port = no)"
                       : "not an address of this host (nfs_allow_any_interface = no)");
      }
      respond(rpc::AuthErrorReply(h.xid, rpc::AuthStat::kTooWeak));
      return;
    }
    ApplyStaged();
    if (h.prog == nfs3::kProgram) {
      if (h.vers != nfs3::kVersion) {
        respond(rpc::AcceptedReply(h.xid, rpc::AcceptStat::kProgMismatch, {}, 3, 3));
        return;
      }
      HandleNfs(peer, call, std::move(respond));
    } else if (h.prog == nfs3::mount::kProgram) {
      if (h.vers != nfs3::mount::kVersion) {
        respond(rpc::AcceptedReply(h.xid, rpc::AcceptStat::kProgMismatch, {}, 3, 3));
        return;
      }
      HandleMount(call, std::move(respond));
    } else {
      respond(rpc::AcceptedReply(h.xid, rpc::AcceptStat::kProgUnavail));
    }
  }

  void Garbage(const rpc::Call& call, const rpc::RpcServer::Responder& respond) {
    Count(&NfsFrontEndStats::garbage);
    respond(rpc::AcceptedReply(call.header.xid, rpc::AcceptStat::kGarbageArgs));
  }
  static void Ok(const rpc::RpcServer::Responder& respond, uint32_t xid,
                 const std::vector<uint8_t>& results) {
    respond(rpc::AcceptedReply(xid, rpc::AcceptStat::kSuccess, results));
  }
  static void Fail(const rpc::RpcServer::Responder& respond, uint32_t xid, uint32_t proc,
                   nfs3::Stat stat, const nfs3::Fattr* obj = nullptr) {
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    nfs3::PutFailure(w, proc, stat, obj);
    Ok(respond, xid, out);
  }

  void HandleMount(const rpc::Call& call, rpc::RpcServer::Responder respond) {
    uint32_t xid = call.header.xid;
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    switch (call.header.proc) {
      case nfs3::mount::kNull:
        break;
      case nfs3::mount::kMnt: {
        auto path = nfs3::mount::ReadDirpath(call.args);
        if (!path) return Garbage(call, respond);
        std::string p(*path);
        while (p.size() > 1 && p.back() == '/') p.pop_back();
        auto it = dirs_.find(Fnv(p));
        if (it == dirs_.end() || it->second->path != p) {
          nfs3::mount::PutMntFailure(w, nfs3::mount::kNoent);
        } else {
          nfs3::mount::PutMntOk(w, DirHandleOf(*it->second));
        }
        break;
      }
      case nfs3::mount::kDump:
        w.Bool(false);
        break;
      case nfs3::mount::kUmnt:
        if (!nfs3::mount::ReadDirpath(call.args)) return Garbage(call, respond);
        break;
      case nfs3::mount::kUmntall:
        break;
      case nfs3::mount::kExport:
        for (const auto& [hash, d] : dirs_) {
          if (!d->top_level) continue;
          w.Bool(true);
          w.String(d->path);
          w.Bool(false);
        }
        w.Bool(false);
        break;
      default:
        respond(rpc::AcceptedReply(xid, rpc::AcceptStat::kProcUnavail));
        return;
    }
    Ok(respond, xid, out);
  }

  nfs3::Fattr DirAttr(const Dir& d) const {
    nfs3::Fattr a;
    a.type = nfs3::Ftype::kDir;
    a.mode = 0555;
    a.nlink = 2;
    a.size = 4096;
    a.used = 4096;
    a.fsid = d.fsid;
    a.fileid = d.hash;
    a.atime = a.mtime = a.ctime = d.mtime;
    return a;
  }
  nfs3::Fattr KeyAttr(const Dir& d, const std::string& name, const Key* key) const {
    nfs3::Fattr a;
    a.type = nfs3::Ftype::kLnk;
    a.mode = 0777;
    a.nlink = 1;
    a.size = key != nullptr ? key->target.size() : 0;
    a.used = a.size;
    a.fsid = d.fsid;
    a.fileid = Fnv(name, Fnv("/", d.hash));
    a.atime = a.mtime = a.ctime = key != nullptr ? key->changed : d.mtime;
    return a;
  }

  Dir* FindDir(uint64_t hash) {
    auto it = dirs_.find(hash);
    return it == dirs_.end() ? nullptr : it->second.get();
  }
  Dir* ChildDir(const Dir& d, const std::string& name) {
    Dir* c = FindDir(Fnv(d.path + "/" + name));
    return c != nullptr && c->parent == d.hash && c != &d ? c : nullptr;
  }
  // The key a handle names, if its directory is known; "" when a long
  // key's name is not.
  std::string KeyName(const Dir& d, const Handle& h) {
    if (h.kind == Kind::kKey) return std::string(h.name);
    auto it = d.long_names.find(h.name_hash);
    return it == d.long_names.end() ? "" : it->second;
  }

  // The top-level directory `d` is in, and d's path from it ("" for itself).
  const Dir& Top(const Dir& d, std::string* rel) {
    const Dir* t = &d;
    for (int depth = 0; depth < 64 && !t->top_level && t->parent != t->hash; ++depth) {
      const Dir* up = FindDir(t->parent);
      if (up == nullptr) break;
      t = up;
    }
    *rel = t == &d ? "" : d.path.substr(std::min(d.path.size(), t->path.size() + 1));
    return *t;
  }
  std::vector<uint8_t> DirHandleOf(const Dir& d) {
    std::string rel;
    const Dir& top = Top(d, &rel);
    if (rel.empty() || rel.size() > kMaxNameInHandle) return MakeHandle(Kind::kDir, d.hash);
    return MakeHandle(Kind::kSubDir, top.hash, rel);
  }
  std::vector<uint8_t> KeyHandleOf(const Dir& d, const std::string& name) {
    std::string rel;
    const Dir& top = Top(d, &rel);
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (path.size() <= kMaxNameInHandle) return MakeHandle(Kind::kKey, top.hash, path);
    return MakeHandle(name.size() <= kMaxNameInHandle ? Kind::kKey : Kind::kLongKey, d.hash, name);
  }
  // Finds what `h` names, walking its path through sub-map directories.
  // dir is null when the handle is stale.
  Resolved Resolve(const Handle& h) {
    Resolved r;
    Dir* base = FindDir(h.dir);
    if (base == nullptr) return r;
    if (h.kind == Kind::kDir) {
      r.dir = base;
      return r;
    }
    if (h.kind == Kind::kLongKey) {
      r.is_dir = false;
      r.name = KeyName(*base, h);
      if (!r.name.empty()) r.dir = base;
      return r;
    }
    std::vector<std::string> parts;
    for (size_t at = 0; at <= h.name.size();) {
      size_t slash = std::min(h.name.find('/', at), h.name.size());
      parts.emplace_back(h.name.substr(at, slash - at));
      if (parts.back().empty() || parts.back() == "." || parts.back() == "..") return r;
      at = slash + 1;
    }
    r.is_dir = h.kind == Kind::kSubDir;
    size_t dirs = r.is_dir ? parts.size() : parts.size() - 1;
    Dir* at = base;
    for (size_t i = 0; i < dirs; ++i) {
      Dir* next = ChildDir(*at, parts[i]);
      if (next == nullptr) {
        r.missing_in = at;
        r.missing = parts[i];
        return r;
      }
      at = next;
    }
    r.dir = at;
    if (!r.is_dir) r.name = parts.back();
    return r;
  }
  // Mounts the sub-map directory `r` is missing, then serves the call
  // again; false (the caller answers STALE) after too many rounds.
  bool DeferRetry(const Resolved& r, const rpc::Peer& peer, const rpc::Call& call,
                  rpc::RpcServer::Responder& respond) {
    if (r.missing_in == nullptr || attempt_ >= 8) return false;
    Pending p;
    p.want = Want::kRetry;
    p.xid = call.header.xid;
    p.respond = std::move(respond);
    p.peer = peer;
    p.connected = peer.connected;
    p.header = call.header;
    p.args.assign(call.args.begin(), call.args.end());
    p.attempt = attempt_ + 1;
    Count(&NfsFrontEndStats::deferred);
    Ask(*r.missing_in, r.missing, call, std::move(p));
    return true;
  }

  void Stale(const rpc::RpcServer::Responder& respond, uint32_t xid, uint32_t proc) {
    Count(&NfsFrontEndStats::stale);
    Fail(respond, xid, proc, nfs3::kStale);
  }

  void HandleNfs(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond) {
    uint32_t xid = call.header.xid;
    uint32_t proc = call.header.proc;
    if (proc > nfs3::kLastProc) {
      respond(rpc::AcceptedReply(xid, rpc::AcceptStat::kProcUnavail));
      return;
    }
    if (proc == nfs3::kNull) return Ok(respond, xid, {});
    if (proc == nfs3::kLookup) return Lookup(peer, call, std::move(respond));
    if (proc == nfs3::kReaddir || proc == nfs3::kReaddirplus)
      return Readdir(peer, call, std::move(respond));
    std::span<const uint8_t> fh;
    uint32_t access = 0;
    if (proc == nfs3::kAccess) {
      auto a = nfs3::ReadAccessArgs(call.args);
      if (!a) return Garbage(call, respond);
      fh = a->fh;
      access = a->access;
    } else {
      // Every other procedure's arguments begin with the object's handle.
      rpc::XdrReader r(call.args);
      if (!r.Opaque(nfs3::kFhSize, &fh)) return Garbage(call, respond);
      if ((proc == nfs3::kGetattr || proc == nfs3::kReadlink || proc == nfs3::kFsstat ||
           proc == nfs3::kFsinfo || proc == nfs3::kPathconf) &&
          !r.AtEnd()) {
        return Garbage(call, respond);
      }
    }
    auto h = ParseHandle(fh);
    Resolved r = h ? Resolve(*h) : Resolved{};
    if (r.dir == nullptr) {
      if (DeferRetry(r, peer, call, respond)) return;
      return Stale(respond, xid, proc);
    }
    Dir* d = r.dir;
    bool is_dir = r.is_dir;
    std::string name = r.name;
    Key* key = nullptr;
    if (!is_dir) {
      auto k = d->keys.find(name);
      if (k != d->keys.end()) {
        key = &k->second;
        key->last_used = Clock::now();
      }
    }
    nfs3::Fattr attr = is_dir ? DirAttr(*d) : KeyAttr(*d, name, key);
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    switch (proc) {
      case nfs3::kGetattr:
        w.U32(nfs3::kOk);
        nfs3::PutFattr(w, attr);
        break;
      case nfs3::kAccess: {
        uint32_t allowed = nfs3::kAccessRead | nfs3::kAccessLookup | nfs3::kAccessExecute;
        w.U32(nfs3::kOk);
        nfs3::PutPostOpAttr(w, &attr);
        w.U32(access & allowed);
        break;
      }
      case nfs3::kReadlink:
        if (is_dir) return Fail(respond, xid, proc, nfs3::kInval, &attr);
        Count(&NfsFrontEndStats::readlinks);
        if (key == nullptr) {
          // Known by its handle but not mounted (expired, or mounted by
          // an earlier amd): mount it again, then answer.
          Defer(Want::kReadlink, xid, *d, name, peer, call, std::move(respond));
          return;
        }
        w.U32(nfs3::kOk);
        nfs3::PutPostOpAttr(w, &attr);
        w.String(key->target);
        break;
      case nfs3::kRead:
        return Fail(respond, xid, proc, is_dir ? nfs3::kIsdir : nfs3::kInval, &attr);
      case nfs3::kFsstat:
        w.U32(nfs3::kOk);
        nfs3::PutPostOpAttr(w, &attr);
        for (int i = 0; i < 6; ++i) w.U64(0);  // bytes and files: total, free, available
        w.U32(0);                              // invarsec
        break;
      case nfs3::kFsinfo:
        w.U32(nfs3::kOk);
        nfs3::PutPostOpAttr(w, &attr);
        w.U32(8192);  // rtmax
        w.U32(8192);  // rtpref
        w.U32(4);     // rtmult
        w.U32(8192);  // wtmax
        w.U32(8192);  // wtpref
        w.U32(4);     // wtmult
        w.U32(8192);  // dtpref
        w.U64(0);     // maxfilesize
        w.U32(0);     // time_delta: 1 ns
        w.U32(1);
        w.U32(0x0002 | 0x0008);  // FSF3_SYMLINK | FSF3_HOMOGENEOUS
        break;
      case nfs3::kPathconf:
        w.U32(nfs3::kOk);
        nfs3::PutPostOpAttr(w, &attr);
        w.U32(1);       // linkmax
        w.U32(255);     // name_max
        w.Bool(true);   // no_trunc
        w.Bool(true);   // chown_restricted
        w.Bool(false);  // case_insensitive
        w.Bool(true);   // case_preserving
        break;
      default:  // every procedure that would change something
        return Fail(respond, xid, proc, nfs3::kRofs, &attr);
    }
    Ok(respond, xid, out);
  }

  void Lookup(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond) {
    uint32_t xid = call.header.xid;
    Count(&NfsFrontEndStats::lookups);
    auto a = nfs3::ReadLookupArgs(call.args);
    if (!a) return Garbage(call, respond);
    auto h = ParseHandle(a->dir);
    Resolved r = h ? Resolve(*h) : Resolved{};
    if (r.dir == nullptr) {
      if (DeferRetry(r, peer, call, respond)) return;
      return Stale(respond, xid, nfs3::kLookup);
    }
    if (!r.is_dir) return Fail(respond, xid, nfs3::kLookup, nfs3::kNotdir);
    Dir* d = r.dir;
    std::string name(a->name);
    nfs3::Fattr dattr = DirAttr(*d);
    if (name.empty() || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos) {
      return Fail(respond, xid, nfs3::kLookup, nfs3::kInval, &dattr);
    }
    Dir* target_dir = name == "." ? d : name == ".." ? FindDir(d->parent) : ChildDir(*d, name);
    if (target_dir != nullptr)
      return LookupOk(respond, xid, DirHandleOf(*target_dir), DirAttr(*target_dir), dattr);
    auto k = d->keys.find(name);
    if (k != d->keys.end()) {
      k->second.last_used = Clock::now();
      return LookupOk(respond, xid, KeyHandleOf(*d, name), KeyAttr(*d, name, &k->second), dattr);
    }
    Defer(Want::kLookup, xid, *d, name, peer, call, std::move(respond));
  }

  static void LookupOk(const rpc::RpcServer::Responder& respond, uint32_t xid,
                       const std::vector<uint8_t>& fh, const nfs3::Fattr& obj,
                       const nfs3::Fattr& dir) {
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    w.U32(nfs3::kOk);
    w.Opaque(fh);
    nfs3::PutPostOpAttr(w, &obj);
    nfs3::PutPostOpAttr(w, &dir);
    Ok(respond, xid, out);
  }

  // Asks the engine to mount `name` and answers when it has.
  void Defer(Want want, uint32_t xid, Dir& d, const std::string& name, const rpc::Peer& peer,
             const rpc::Call& call, rpc::RpcServer::Responder respond) {
    // (A long name is remembered for its handle only once it is mounted,
    // so that lookups of names that do not exist cannot grow memory.)
    Count(&NfsFrontEndStats::deferred);
    Pending p;
    p.want = want;
    p.xid = xid;
    p.dir = d.hash;
    p.name = name;
    p.respond = std::move(respond);
    p.connected = peer.connected;
    Ask(d, name, call, std::move(p));
  }
  // Asks the engine to mount `name` in `d`; `waiting` is answered when it has.
  void Ask(Dir& d, const std::string& name, const rpc::Call& call, Pending waiting) {
    uint32_t token = next_token_++;
    PendingRequest& request = pending_[token];
    request.dir = d.path;
    request.waiting.push_back(std::move(waiting));
    ArmAbandonSweep();
    kernel::AutofsPacket p;
    p.type = kernel::AutofsPacketType::kMissingIndirect;
    p.proto_version = 5;
    p.token = token;
    p.name = name;
    if (call.header.auth_sys) {
      p.uid = call.header.auth_sys->uid;
      p.gid = call.header.auth_sys->gid;
    }
    deliver_(d.path, p);
  }

  void OnAnswer(uint32_t token, int err) {
    ApplyStaged();
    if (auto e = expiring_.find(token); e != expiring_.end()) {
      auto [dir, name] = expiring_names_[token];
      if (Dir* d = FindDir(dir)) {
        auto k = d->keys.find(name);
        if (k != d->keys.end()) {
          if (err == 0) {
            d->keys.erase(k);
            Touch(*d);
          } else {
            k->second.expiring = false;
            k->second.last_used = Clock::now();  // left alone for its idle time, as autofs does
          }
        }
      }
      e->second->set_value(err == 0);
      expiring_.erase(e);
      expiring_names_.erase(token);
      return;
    }
    auto it = pending_.find(token);
    if (it == pending_.end()) return;
    std::vector<Pending> waiting = std::move(it->second.waiting);
    pending_.erase(it);
    for (auto& p : waiting) {
      if (err != 0) {
        Reply(p, nfs3::StatFromErrno(err));
      } else {
        Reply(p, nfs3::kOk);
      }
    }
  }

  // Once a second while requests are pending: a request whose every
  // caller closed its TCP connection is dropped, and the engine told, so
  // that it stops the work (a map program, say) nobody waits for. Calls
  // over UDP are never taken for abandoned: nobody can tell.
  void ArmAbandonSweep() {
    if (sweeping_ || !abandon_) return;
    sweeping_ = true;
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
      sweeping_ = false;
      if (ec) return;
      for (auto it = pending_.begin(); it != pending_.end();) {
        const std::vector<Pending>& waiting = it->second.waiting;
        bool gone = std::all_of(waiting.begin(), waiting.end(),
                                [](const Pending& p) { return p.connected && !p.connected(); });
        if (!gone) {
          ++it;
          continue;
        }
        abandon_(it->second.dir, it->first);
        it = pending_.erase(it);
      }
      if (!pending_.empty()) ArmAbandonSweep();
    });
  }

  // Answers a deferred LOOKUP or READLINK from what is known now, or
  // serves a deferred call again.
  void Reply(Pending& p, nfs3::Stat stat) {
    if (p.want == Want::kRetry) {
      if (stat != nfs3::kOk) return Stale(p.respond, p.xid, p.header.proc);
      rpc::Call again{p.header, std::span<const uint8_t>(p.args)};
      attempt_ = p.attempt;
      HandleNfs(p.peer, again, std::move(p.respond));
      attempt_ = 0;
      return;
    }
    uint32_t proc = p.want == Want::kLookup ? nfs3::kLookup : nfs3::kReadlink;
    Dir* d = FindDir(p.dir);
    if (d == nullptr) return Fail(p.respond, p.xid, proc, nfs3::kStale);
    nfs3::Fattr dattr = DirAttr(*d);
    if (stat != nfs3::kOk)
      return Fail(p.respond, p.xid, proc, stat, p.want == Want::kLookup ? &dattr : nullptr);
    if (p.want == Want::kLookup) {
      if (Dir* sub = ChildDir(*d, p.name)) {
        return LookupOk(p.respond, p.xid, DirHandleOf(*sub), DirAttr(*sub), dattr);
      }
    }
    auto k = d->keys.find(p.name);
    if (k == d->keys.end()) {
      // The engine said ready, yet nothing is shown: a mount of a kind
      // this front end cannot show.
      log_->error("NFS: {}/{} was mounted but shows nothing", d->path, p.name);
      return Fail(p.respond, p.xid, proc, nfs3::kIo, p.want == Want::kLookup ? &dattr : nullptr);
    }
    nfs3::Fattr attr = KeyAttr(*d, p.name, &k->second);
    if (p.want == Want::kLookup)
      return LookupOk(p.respond, p.xid, KeyHandleOf(*d, p.name), attr, dattr);
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    w.U32(nfs3::kOk);
    nfs3::PutPostOpAttr(w, &attr);
    w.String(k->second.target);
    Ok(p.respond, p.xid, out);
  }

  // A directory's entries, sorted: ".", "..", sub-map directories, mounted
  // keys, and the map's keys when browsable. The cookie of entry i is i + 1.
  std::shared_ptr<const std::vector<std::string>> Listing(const Dir& d) {
    std::vector<std::string> names;
    for (const auto& [hash, c] : dirs_) {
      if (c->parent == d.hash && c.get() != &d) names.push_back(c->path.substr(d.path.size() + 1));
    }
    for (const auto& [name, key] : d.keys) names.push_back(name);
    if (d.browsable) {
      for (auto& k : d.browsable()) {
        if (Listable(k)) names.push_back(std::move(k));
      }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    auto all = std::make_shared<std::vector<std::string>>();
    all->reserve(names.size() + 2);
    all->push_back(".");
    all->push_back("..");
    for (auto& n : names) all->push_back(std::move(n));
    return all;
  }

  void Readdir(const rpc::Peer& peer, const rpc::Call& call, rpc::RpcServer::Responder respond) {
    uint32_t xid = call.header.xid;
    uint32_t proc = call.header.proc;
    bool plus = proc == nfs3::kReaddirplus;
    auto a = nfs3::ReadReaddirArgs(call.args, plus);
    if (!a) return Garbage(call, respond);
    auto h = ParseHandle(a->dir);
    Resolved r = h ? Resolve(*h) : Resolved{};
    if (r.dir == nullptr) {
      if (DeferRetry(r, peer, call, respond)) return;
      return Stale(respond, xid, proc);
    }
    if (!r.is_dir) return Fail(respond, xid, proc, nfs3::kNotdir);
    Dir* d = r.dir;
    nfs3::Fattr dattr = DirAttr(*d);
    if (a->cookie == 0 || d->listing == nullptr) d->listing = Listing(*d);
    auto listing = d->listing;  // kept alive for this call
    const std::vector<std::string>& all = *listing;
    if (a->cookie > all.size()) return Fail(respond, xid, proc, nfs3::kBadCookie, &dattr);
    uint32_t maxcount = std::min<uint32_t>(a->maxcount, 1 << 20);
    uint32_t dircount = plus ? a->dircount : maxcount;
    std::vector<uint8_t> out;
    XdrWriter w(&out);
    w.U32(nfs3::kOk);
    nfs3::PutPostOpAttr(w, &dattr);
    w.U64(0);  // cookieverf
    size_t names_bytes = 0;
    size_t entries = 0;
    size_t i = a->cookie;
    for (; i < all.size(); ++i) {
      const std::string& name = all[i];
      std::vector<uint8_t> entry;
      XdrWriter e(&entry);
      Dir* sub = name == "." ? d : name == ".." ? FindDir(d->parent) : ChildDir(*d, name);
      auto k = sub == nullptr ? d->keys.find(name) : d->keys.end();
      const Key* key = k == d->keys.end() ? nullptr : &k->second;
      nfs3::Fattr attr = sub != nullptr ? DirAttr(*sub) : KeyAttr(*d, name, key);
      e.Bool(true);
      e.U64(attr.fileid);
      e.String(name);
      e.U64(i + 1);
      size_t name_part = entry.size();
      if (plus) {
        nfs3::PutPostOpAttr(e, &attr);
        e.Bool(true);
        e.Opaque(sub != nullptr ? DirHandleOf(*sub) : KeyHandleOf(*d, name));
      }
      // Room for the entry and the closing "no more" and eof words.
      if (out.size() + entry.size() + 8 > maxcount || names_bytes + name_part > dircount) break;
      names_bytes += name_part;
      out.insert(out.end(), entry.begin(), entry.end());
      ++entries;
    }
    if (entries == 0 && i < all.size()) return Fail(respond, xid, proc, nfs3::kToosmall, &dattr);
    w.Bool(false);
    w.Bool(i == all.size());
    if (i == all.size() && d->listing == listing) d->listing.reset();
    Ok(respond, xid, out);
  }

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
  std::unordered_map<uint64_t, std::unique_ptr<Dir>> dirs_;
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

namespace {

// One directory of the front end as the engine sees an automount point.
class NfsDirectory : public kernel::AutofsEndpoint {
 public:
  NfsDirectory(std::shared_ptr<NfsFrontEnd::Impl> impl, std::string path, bool top_level)
      : impl_(std::move(impl)), path_(std::move(path)), top_level_(top_level) {}
  ~NfsDirectory() override = default;

  const std::string& path() const override { return path_; }
  kernel::AutofsKind kind() const override { return kernel::AutofsKind::kIndirect; }
  int pipe_fd() const override { return -1; }
  Status Ready(uint32_t token) const override {
    impl_->Answer(token, 0);
    return {};
  }
  Status Fail(uint32_t token, int err) const override {
    impl_->Answer(token, err == 0 ? ENOENT : err);
    return {};
  }
  void ShowTarget(const std::string& name, const std::string& target) const override {
    impl_->Stage(path_, name, target);
  }
  Status SetTimeout(unsigned long seconds) const override {
    boost::asio::post(impl_->io(),
                      [impl = impl_, p = path_, seconds] { impl->SetTimeout(p, seconds); });
    return {};
  }
  Status SetKeyTimeout(const std::string& name, unsigned long seconds) const override {
    boost::asio::post(impl_->io(), [impl = impl_, p = path_, name, seconds] {
      impl->SetKeyTimeout(p, name, seconds);
    });
    return {};
  }
  ExpireResult ExpireOne(bool immediate, Status* error) const override {
    auto started = impl_->OnThread([&] { return impl_->StartExpire(path_, immediate); });
    if (!started) return ExpireResult::kNothing;
    if (started->wait_for(std::chrono::minutes(10)) != std::future_status::ready) {
      *error = Status::FromErrno(path_ + ": expire", ETIMEDOUT);
      return ExpireResult::kError;
    }
    if (started->get()) return ExpireResult::kExpired;
    *error = Status::FromErrno(path_ + ": expire", EBUSY);
    return ExpireResult::kError;
  }
  Status Catatonic() const override { return {}; }
  Result<bool> MayUnmount() const override {
    return impl_->OnThread([&] { return impl_->Empty(path_); });
  }
  Status Unmount(bool detach) override {
    Status s;
    if (top_level_ && impl_->OnThread([&] { return impl_->MountedByUs(path_); })) {
      s = impl_->kernel().Unmount(path_, detach ? MNT_DETACH : 0);
      if (!s.ok()) return s;
    }
    impl_->OnThread([&] {
      impl_->RemoveDir(path_);
      return 0;
    });
    return s;
  }

 private:
  std::shared_ptr<NfsFrontEnd::Impl> impl_;
  std::string path_;
  bool top_level_;
};

}  // namespace

NfsFrontEnd::NfsFrontEnd(Settings settings, Deliver deliver, kernel::Kernel& kernel,
                         std::shared_ptr<spdlog::logger> log, Abandon abandon)
    : impl_(std::make_shared<Impl>(std::move(settings), std::move(deliver), kernel, std::move(log),
                                   std::move(abandon))) {}

NfsFrontEnd::~NfsFrontEnd() { Stop(); }

Status NfsFrontEnd::Start() {
  Status s = impl_->Listen();
  if (!s.ok()) return s;
  port_ = impl_->port();
  // Polls a little before sleeping, as the engine thread does: a LOOKUP
  // is usually followed by its READLINK.
  thread_ =
      std::thread([impl = impl_] { RunSpinning(impl->io(), std::chrono::microseconds(100)); });
  impl_->log().info("NFS front end: NFSv3 and MOUNTv3 on {}:{} (TCP and UDP)",
                    impl_->settings().address, port_);
  return {};
}

void NfsFrontEnd::Stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(impl_->io(), [impl = impl_] { impl->Stop(); });
  thread_.join();
}

NfsFrontEndStats NfsFrontEnd::stats() const { return impl_->stats(); }

std::pair<int, int> NfsFrontEnd::sockets() { return impl_->sockets(); }

std::string NfsFrontEnd::MountData() const {
  const Settings& s = impl_->settings();
  std::string p = std::to_string(port_);
  std::string data = "vers=3,proto=tcp,port=" + p + ",mountport=" + p +
                     ",mountproto=tcp,mountvers=3,addr=" + s.address + ",mountaddr=" + s.address +
                     ",nolock";
  data += s.attr_cache > 0 ? ",actimeo=" + std::to_string(s.attr_cache) : ",noac";
  if (!s.timeo.empty()) data += ",timeo=" + s.timeo;
  if (!s.retrans.empty()) data += ",retrans=" + s.retrans;
  return data;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::CreateDirectory(
    const std::string& path, bool top_level, ListKeys browsable) {
  impl_->OnThread([&] {
    impl_->AddDir(path, top_level, std::move(browsable));
    return 0;
  });
  auto undo = [&] {
    impl_->OnThread([&] {
      impl_->RemoveDir(path);
      return 0;
    });
  };
  if (top_level && impl_->settings().mount_self) {
    kernel::Kernel& k = impl_->kernel();
    auto table = k.MountTable();
    bool there = false;
    if (table.ok()) {
      auto earlier = EarlierNfsPort(*table, path);
      there = earlier && *earlier == port_;
    }
    if (there) {
      impl_->log().info("{}: taking over amd's NFS mount left by an earlier amd (port {})", path,
                        port_);
    } else {
      Status s = k.MakeDirs(path, 0755);
      if (s.ok()) s = k.Mount("amd:" + path, path, "nfs", MS_NODEV | MS_NOSUID, MountData());
      if (!s.ok()) {
        undo();
        if (s.code() == std::errc::no_such_device) {
          std::string hint = s.hint() + ", or serve this map with mount_type = autofs";
          return std::move(s).WithHint(std::move(hint));
        }
        return s;
      }
    }
    impl_->OnThread([&] {
      impl_->SetMountedByUs(path);
      return 0;
    });
  }
  return std::unique_ptr<kernel::AutofsEndpoint>(
      std::make_unique<NfsDirectory>(impl_, path, top_level));
}

Result<FrontEnd::Opened> NfsFrontEnd::OpenPoint(
    const std::string& path, kernel::AutofsKind /*kind*/,
    const std::vector<kernel::MountInfoEntry>& /*table*/, ListKeys browsable) {
  auto ep = CreateDirectory(path, true, std::move(browsable));
  if (!ep.ok()) return ep.status();
  Opened out;
  out.endpoint = std::move(ep.value());
  return out;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::OpenSubMap(const std::string& path,
                                                                        ListKeys browsable) {
  return CreateDirectory(path, false, std::move(browsable));
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::AdoptSubMap(
    const std::string& path, const kernel::MountInfoEntry& /*entry*/) {
  return Status::Error(path + ": the NFS front end adopts no sub-map points",
                       std::errc::not_supported);
}

Status NfsFrontEnd::CloseSubMap(kernel::AutofsEndpoint& point) { return point.Unmount(false); }

Result<bool> NfsFrontEnd::Leave(kernel::AutofsEndpoint& point, bool top_level) {
  if (top_level && !point.Unmount(false).ok()) point.Unmount(true);
  return false;
}

void NfsFrontEnd::FindShared(const std::vector<kernel::MountInfoEntry>& table,
                             const std::string& autodir, SharedMounts& shared) {
  for (const auto& e : kernel::MountsUnder(table, autodir)) {
    if (e.mount_point == autodir) continue;
    bool nfs = e.fstype == "nfs" || e.fstype == "nfs4";
    shared.Found(e.mount_point, nfs ? e.source : "");
  }
}

std::optional<uint16_t> EarlierNfsPort(const std::vector<kernel::MountInfoEntry>& table,
                                       const std::string& path) {
  std::optional<uint16_t> port;
  for (const auto& e : table) {
    if (e.mount_point != path || (e.fstype != "nfs" && e.fstype != "nfs3") ||
        e.source != "amd:" + path)
      continue;
    auto v = maps::MountOptionValue(e.super_options, "port");
    int n = v ? std::atoi(v->c_str()) : 0;
    if (n > 0 && n < 65536) port = static_cast<uint16_t>(n);
  }
  return port;
}

}  // namespace amd
