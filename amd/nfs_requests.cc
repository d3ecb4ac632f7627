// Calls the classic front end cannot answer yet: a key not mounted is
// handed to the engine as an autofs-style request, and every call that
// waits for it is answered when the engine answers; and expiry, asked of
// the engine the same way. See nfs_server.h. Server thread.
#include <algorithm>

#include "amd/nfs_server.h"

namespace amd {

namespace nfs3 = rpc::nfs3;
using rpc::XdrWriter;

bool NfsFrontEnd::Impl::DeferRetry(const Resolved& r, const rpc::Peer& peer, const rpc::Call& call,
                                   Responder& respond) {
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

void NfsFrontEnd::Impl::Defer(Want want, uint32_t xid, Dir& d, const std::string& name,
                              const rpc::Peer& peer, const rpc::Call& call, Responder respond) {
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

void NfsFrontEnd::Impl::Ask(Dir& d, const std::string& name, const rpc::Call& call,
                            Pending waiting) {
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

void NfsFrontEnd::Impl::OnAnswer(uint32_t token, int err) {
  ApplyStaged();
  if (auto e = expiring_.find(token); e != expiring_.end()) {
    auto [dir, name] = expiring_names_[token];
    if (Dir* d = tree_.Find(dir)) {
      auto k = d->keys.find(name);
      if (k != d->keys.end()) {
        if (err == 0) {
          d->keys.erase(k);
          tree_.Touch(*d);
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
  for (auto& p : waiting) Reply(p, err != 0 ? nfs3::StatFromErrno(err) : nfs3::kOk);
}

void NfsFrontEnd::Impl::ArmAbandonSweep() {
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

void NfsFrontEnd::Impl::Reply(Pending& p, nfs3::Stat stat) {
  if (p.want == Want::kRetry) {
    if (stat != nfs3::kOk) return Stale(p.respond, p.xid, p.header.proc);
    rpc::Call again{p.header, std::span<const uint8_t>(p.args)};
    attempt_ = p.attempt;
    HandleNfs(p.peer, again, std::move(p.respond));
    attempt_ = 0;
    return;
  }
  uint32_t proc = p.want == Want::kLookup ? nfs3::kLookup : nfs3::kReadlink;
  Dir* d = tree_.Find(p.dir);
  if (d == nullptr) return Fail(p.respond, p.xid, proc, nfs3::kStale);
  nfs3::Fattr dattr = tree_.DirAttr(*d);
  if (stat != nfs3::kOk)
    return Fail(p.respond, p.xid, proc, stat, p.want == Want::kLookup ? &dattr : nullptr);
  if (p.want == Want::kLookup) {
    if (Dir* sub = tree_.Child(*d, p.name)) {
      return LookupOk(p.respond, p.xid, tree_.DirHandleOf(*sub), tree_.DirAttr(*sub), dattr);
    }
  }
  auto k = d->keys.find(p.name);
  if (k == d->keys.end()) {
    // The engine said ready, yet nothing is shown: a mount of a kind
    // this front end cannot show.
    log_->error("NFS: {}/{} was mounted but shows nothing", d->path, p.name);
    return Fail(p.respond, p.xid, proc, nfs3::kIo, p.want == Want::kLookup ? &dattr : nullptr);
  }
  nfs3::Fattr attr = tree_.KeyAttr(*d, p.name, &k->second);
  if (p.want == Want::kLookup)
    return LookupOk(p.respond, p.xid, tree_.KeyHandleOf(*d, p.name), attr, dattr);
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  w.U32(nfs3::kOk);
  nfs3::PutPostOpAttr(w, &attr);
  w.String(k->second.target);
  Ok(p.respond, p.xid, out);
}

std::optional<std::future<bool>> NfsFrontEnd::Impl::StartExpire(const std::string& path,
                                                                bool immediate) {
  ApplyStaged();
  Dir* found = tree_.FindPath(path);
  if (found == nullptr) return std::nullopt;
  Dir& d = *found;
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

}  // namespace amd
