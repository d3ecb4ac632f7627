// The classic front end's NFS version 3 and MOUNT version 3 procedures,
// one function each; see nfs_server.h. Server thread.
#include <algorithm>

#include "amd/nfs_server.h"

namespace amd {

namespace nfs3 = rpc::nfs3;
using rpc::XdrWriter;

namespace {

void PutGetattr(XdrWriter& w, const nfs3::Fattr& attr) {
  w.U32(nfs3::kOk);
  nfs3::PutFattr(w, attr);
}

void PutAccess(XdrWriter& w, const nfs3::Fattr& attr, uint32_t access) {
  uint32_t allowed = nfs3::kAccessRead | nfs3::kAccessLookup | nfs3::kAccessExecute;
  w.U32(nfs3::kOk);
  nfs3::PutPostOpAttr(w, &attr);
  w.U32(access & allowed);
}

void PutFsstat(XdrWriter& w, const nfs3::Fattr& attr) {
  w.U32(nfs3::kOk);
  nfs3::PutPostOpAttr(w, &attr);
  for (int i = 0; i < 6; ++i) w.U64(0);  // bytes and files: total, free, available
  w.U32(0);                              // invarsec
}

void PutFsinfo(XdrWriter& w, const nfs3::Fattr& attr) {
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
}

void PutPathconf(XdrWriter& w, const nfs3::Fattr& attr) {
  w.U32(nfs3::kOk);
  nfs3::PutPostOpAttr(w, &attr);
  w.U32(1);       // linkmax
  w.U32(255);     // name_max
  w.Bool(true);   // no_trunc
  w.Bool(true);   // chown_restricted
  w.Bool(false);  // case_insensitive
  w.Bool(true);   // case_preserving
}

// The object's handle (and ACCESS's mask) from the arguments of a
// procedure on one object; false when they are malformed.
bool ReadObjectArgs(const rpc::Call& call, std::span<const uint8_t>* fh, uint32_t* access) {
  uint32_t proc = call.header.proc;
  if (proc == nfs3::kAccess) {
    auto a = nfs3::ReadAccessArgs(call.args);
    if (!a) return false;
    *fh = a->fh;
    *access = a->access;
    return true;
  }
  // Every other procedure's arguments begin with the object's handle.
  rpc::XdrReader r(call.args);
  if (!r.Opaque(nfs3::kFhSize, fh)) return false;
  bool handle_only = proc == nfs3::kGetattr || proc == nfs3::kReadlink || proc == nfs3::kFsstat ||
                     proc == nfs3::kFsinfo || proc == nfs3::kPathconf;
  return !handle_only || r.AtEnd();
}

}  // namespace

void NfsFrontEnd::Impl::Serve(const rpc::Peer& peer, const rpc::Call& call, Responder respond) {
  Count(&NfsFrontEndStats::calls);
  const auto& h = call.header;
  if (!Allowed(peer)) {
    Count(&NfsFrontEndStats::refused);
    if (auto n = refused_log_.Count()) {
      log_->warn("NFS: refused call #{} from {}: {}", *n, peer.ToString(),
                 peer.port >= 1024 ? "not a privileged port (nfs_allow_insecure_port = no)"
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

void NfsFrontEnd::Impl::Garbage(const rpc::Call& call, const Responder& respond) {
  Count(&NfsFrontEndStats::garbage);
  respond(rpc::AcceptedReply(call.header.xid, rpc::AcceptStat::kGarbageArgs));
}

void NfsFrontEnd::Impl::Ok(const Responder& respond, uint32_t xid,
                           const std::vector<uint8_t>& results) {
  respond(rpc::AcceptedReply(xid, rpc::AcceptStat::kSuccess, results));
}

void NfsFrontEnd::Impl::Fail(const Responder& respond, uint32_t xid, uint32_t proc, nfs3::Stat stat,
                             const nfs3::Fattr* obj) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  nfs3::PutFailure(w, proc, stat, obj);
  Ok(respond, xid, out);
}

void NfsFrontEnd::Impl::LookupOk(const Responder& respond, uint32_t xid,
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

void NfsFrontEnd::Impl::Stale(const Responder& respond, uint32_t xid, uint32_t proc) {
  Count(&NfsFrontEndStats::stale);
  Fail(respond, xid, proc, nfs3::kStale);
}

void NfsFrontEnd::Impl::HandleMount(const rpc::Call& call, Responder respond) {
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
      Dir* d = tree_.FindPath(p);
      if (d == nullptr || d->path != p) {
        nfs3::mount::PutMntFailure(w, nfs3::mount::kNoent);
      } else {
        nfs3::mount::PutMntOk(w, tree_.DirHandleOf(*d));
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
      for (const auto& [hash, d] : tree_.dirs()) {
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

// The procedures on one object (a directory or a key): GETATTR, ACCESS,
// READLINK, READ, FSSTAT, FSINFO, PATHCONF; and those that would change
// something, refused (the server is read-only).
void NfsFrontEnd::Impl::HandleNfs(const rpc::Peer& peer, const rpc::Call& call, Responder respond) {
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
  if (!ReadObjectArgs(call, &fh, &access)) return Garbage(call, respond);
  auto h = ParseNfsHandle(fh);
  Resolved r = h ? tree_.Resolve(*h) : Resolved{};
  if (r.dir == nullptr) {
    if (DeferRetry(r, peer, call, respond)) return;
    return Stale(respond, xid, proc);
  }
  Object o;
  o.dir = r.dir;
  o.is_dir = r.is_dir;
  o.name = r.name;
  if (!o.is_dir) {
    auto k = o.dir->keys.find(o.name);
    if (k != o.dir->keys.end()) {
      o.key = &k->second;
      o.key->last_used = Clock::now();
    }
  }
  o.attr = o.is_dir ? tree_.DirAttr(*o.dir) : tree_.KeyAttr(*o.dir, o.name, o.key);
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  switch (proc) {
    case nfs3::kGetattr:
      PutGetattr(w, o.attr);
      break;
    case nfs3::kAccess:
      PutAccess(w, o.attr, access);
      break;
    case nfs3::kReadlink:
      return Readlink(o, peer, call, std::move(respond));
    case nfs3::kRead:
      return Fail(respond, xid, proc, o.is_dir ? nfs3::kIsdir : nfs3::kInval, &o.attr);
    case nfs3::kFsstat:
      PutFsstat(w, o.attr);
      break;
    case nfs3::kFsinfo:
      PutFsinfo(w, o.attr);
      break;
    case nfs3::kPathconf:
      PutPathconf(w, o.attr);
      break;
    default:  // every procedure that would change something
      return Fail(respond, xid, proc, nfs3::kRofs, &o.attr);
  }
  Ok(respond, xid, out);
}

void NfsFrontEnd::Impl::Readlink(const Object& o, const rpc::Peer& peer, const rpc::Call& call,
                                 Responder respond) {
  uint32_t xid = call.header.xid;
  if (o.is_dir) return Fail(respond, xid, nfs3::kReadlink, nfs3::kInval, &o.attr);
  Count(&NfsFrontEndStats::readlinks);
  if (o.key == nullptr) {
    // Known by its handle but not mounted (expired, or mounted by an
    // earlier amd): mount it again, then answer.
    Defer(Want::kReadlink, xid, *o.dir, o.name, peer, call, std::move(respond));
    return;
  }
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  w.U32(nfs3::kOk);
  nfs3::PutPostOpAttr(w, &o.attr);
  w.String(o.key->target);
  Ok(respond, xid, out);
}

void NfsFrontEnd::Impl::Lookup(const rpc::Peer& peer, const rpc::Call& call, Responder respond) {
  uint32_t xid = call.header.xid;
  Count(&NfsFrontEndStats::lookups);
  auto a = nfs3::ReadLookupArgs(call.args);
  if (!a) return Garbage(call, respond);
  auto h = ParseNfsHandle(a->dir);
  Resolved r = h ? tree_.Resolve(*h) : Resolved{};
  if (r.dir == nullptr) {
    if (DeferRetry(r, peer, call, respond)) return;
    return Stale(respond, xid, nfs3::kLookup);
  }
  if (!r.is_dir) return Fail(respond, xid, nfs3::kLookup, nfs3::kNotdir);
  Dir* d = r.dir;
  std::string name(a->name);
  nfs3::Fattr dattr = tree_.DirAttr(*d);
  if (name.empty() || name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
    return Fail(respond, xid, nfs3::kLookup, nfs3::kInval, &dattr);
  }
  Dir* target_dir = name == "." ? d : name == ".." ? tree_.Find(d->parent) : tree_.Child(*d, name);
  if (target_dir != nullptr) {
    return LookupOk(respond, xid, tree_.DirHandleOf(*target_dir), tree_.DirAttr(*target_dir),
                    dattr);
  }
  auto k = d->keys.find(name);
  if (k != d->keys.end()) {
    k->second.last_used = Clock::now();
    return LookupOk(respond, xid, tree_.KeyHandleOf(*d, name), tree_.KeyAttr(*d, name, &k->second),
                    dattr);
  }
  Defer(Want::kLookup, xid, *d, name, peer, call, std::move(respond));
}

void NfsFrontEnd::Impl::Readdir(const rpc::Peer& peer, const rpc::Call& call, Responder respond) {
  uint32_t xid = call.header.xid;
  uint32_t proc = call.header.proc;
  bool plus = proc == nfs3::kReaddirplus;
  auto a = nfs3::ReadReaddirArgs(call.args, plus);
  if (!a) return Garbage(call, respond);
  auto h = ParseNfsHandle(a->dir);
  Resolved r = h ? tree_.Resolve(*h) : Resolved{};
  if (r.dir == nullptr) {
    if (DeferRetry(r, peer, call, respond)) return;
    return Stale(respond, xid, proc);
  }
  if (!r.is_dir) return Fail(respond, xid, proc, nfs3::kNotdir);
  Dir* d = r.dir;
  nfs3::Fattr dattr = tree_.DirAttr(*d);
  if (a->cookie == 0 || d->listing == nullptr) d->listing = tree_.Listing(*d);
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
    Dir* sub = name == "." ? d : name == ".." ? tree_.Find(d->parent) : tree_.Child(*d, name);
    auto k = sub == nullptr ? d->keys.find(name) : d->keys.end();
    const Key* key = k == d->keys.end() ? nullptr : &k->second;
    nfs3::Fattr attr = sub != nullptr ? tree_.DirAttr(*sub) : tree_.KeyAttr(*d, name, key);
    e.Bool(true);
    e.U64(attr.fileid);
    e.String(name);
    e.U64(i + 1);
    size_t name_part = entry.size();
    if (plus) {
      nfs3::PutPostOpAttr(e, &attr);
      e.Bool(true);
      e.Opaque(sub != nullptr ? tree_.DirHandleOf(*sub) : tree_.KeyHandleOf(*d, name));
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

}  // namespace amd
