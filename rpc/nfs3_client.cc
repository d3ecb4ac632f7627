// NFSv3 client codecs; see nfs3_client.h.
#include "rpc/nfs3_client.h"

#include <cerrno>

namespace amd::rpc::nfs3 {
namespace {

constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxRead = 64u << 20;
constexpr size_t kMaxEntries = 1u << 20;

Status Bad(const char* what) {
  return Status::Error(std::string("NFS3 ") + what + " result: malformed", std::errc::bad_message);
}

bool ReadTime(XdrReader& r, Time* t) { return r.U32(&t->seconds) && r.U32(&t->nseconds); }

bool ReadPostOp(XdrReader& r, std::optional<Fattr>* a) {
  bool follows;
  if (!r.Bool(&follows)) return false;
  if (!follows) return true;
  a->emplace();
  return ReadFattr(r, &**a);
}

bool ReadFh(XdrReader& r, Fh* fh) {
  std::span<const uint8_t> s;
  if (!r.Opaque(kFhSize, &s)) return false;
  fh->assign(s.begin(), s.end());
  return true;
}

bool ReadStat(XdrReader& r, Stat* s) {
  uint32_t v;
  if (!r.U32(&v)) return false;
  *s = static_cast<Stat>(v);
  return true;
}

}  // namespace

std::vector<uint8_t> FhArg(std::span<const uint8_t> fh) {
  std::vector<uint8_t> out;
  XdrWriter(&out).Opaque(fh);
  return out;
}

std::vector<uint8_t> LookupArg(std::span<const uint8_t> dir, std::string_view name) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  w.Opaque(dir);
  w.String(name);
  return out;
}

std::vector<uint8_t> ReadArg(std::span<const uint8_t> fh, uint64_t offset, uint32_t count) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  w.Opaque(fh);
  w.U64(offset);
  w.U32(count);
  return out;
}

std::vector<uint8_t> ReaddirplusArg(std::span<const uint8_t> dir, uint64_t cookie,
                                    std::span<const uint8_t> verifier, uint32_t dircount,
                                    uint32_t maxcount) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  w.Opaque(dir);
  w.U64(cookie);
  uint8_t zero[kCookieVerfSize] = {};
  w.Fixed(verifier.size() == kCookieVerfSize ? verifier : std::span<const uint8_t>(zero));
  w.U32(dircount);
  w.U32(maxcount);
  return out;
}

std::vector<uint8_t> DirpathArg(std::string_view path) {
  std::vector<uint8_t> out;
  XdrWriter(&out).String(path);
  return out;
}

bool ReadFattr(XdrReader& r, Fattr* a) {
  uint32_t type;
  if (!r.U32(&type) || type < 1 || type > 7) return false;
  a->type = static_cast<Ftype>(type);
  return r.U32(&a->mode) && r.U32(&a->nlink) && r.U32(&a->uid) && r.U32(&a->gid) &&
         r.U64(&a->size) && r.U64(&a->used) && r.U32(&a->rdev_major) && r.U32(&a->rdev_minor) &&
         r.U64(&a->fsid) && r.U64(&a->fileid) && ReadTime(r, &a->atime) && ReadTime(r, &a->mtime) &&
         ReadTime(r, &a->ctime);
}

Result<GetattrRes> DecodeGetattr(std::span<const uint8_t> b) {
  XdrReader r(b);
  GetattrRes res;
  if (!ReadStat(r, &res.stat)) return Bad("GETATTR");
  if (res.stat == kOk && !ReadFattr(r, &res.attr)) return Bad("GETATTR");
  return res;
}

Result<LookupRes> DecodeLookup(std::span<const uint8_t> b) {
  XdrReader r(b);
  LookupRes res;
  std::optional<Fattr> dir;
  if (!ReadStat(r, &res.stat)) return Bad("LOOKUP");
  if (res.stat != kOk) return res;
  if (!ReadFh(r, &res.fh) || !ReadPostOp(r, &res.attr) || !ReadPostOp(r, &dir)) {
    return Bad("LOOKUP");
  }
  return res;
}

Result<ReadlinkRes> DecodeReadlink(std::span<const uint8_t> b) {
  XdrReader r(b);
  ReadlinkRes res;
  std::optional<Fattr> attr;
  std::string_view target;
  if (!ReadStat(r, &res.stat) || !ReadPostOp(r, &attr)) return Bad("READLINK");
  if (res.stat != kOk) return res;
  if (!r.String(kMaxPath, &target)) return Bad("READLINK");
  res.target = target;
  return res;
}

Result<ReadRes> DecodeRead(std::span<const uint8_t> b) {
  XdrReader r(b);
  ReadRes res;
  uint32_t count;
  if (!ReadStat(r, &res.stat) || !ReadPostOp(r, &res.attr)) return Bad("READ");
  if (res.stat != kOk) return res;
  if (!r.U32(&count) || !r.Bool(&res.eof) || !r.Opaque(kMaxRead, &res.data) ||
      res.data.size() != count) {
    return Bad("READ");
  }
  return res;
}

Result<ReaddirplusRes> DecodeReaddirplus(std::span<const uint8_t> b) {
  XdrReader r(b);
  ReaddirplusRes res;
  std::optional<Fattr> dir;
  if (!ReadStat(r, &res.stat) || !ReadPostOp(r, &dir)) return Bad("READDIRPLUS");
  if (res.stat != kOk) return res;
  std::span<const uint8_t> verf;
  if (!r.Fixed(kCookieVerfSize, &verf)) return Bad("READDIRPLUS");
  res.verifier.assign(verf.begin(), verf.end());
  for (;;) {
    bool follows;
    if (!r.Bool(&follows)) return Bad("READDIRPLUS");
    if (!follows) break;
    if (res.entries.size() >= kMaxEntries) return Bad("READDIRPLUS");
    DirEntry e;
    std::string_view name;
    bool has_fh;
    if (!r.U64(&e.fileid) || !r.String(kMaxName, &name) || !r.U64(&e.cookie) ||
        !ReadPostOp(r, &e.attr) || !r.Bool(&has_fh)) {
      return Bad("READDIRPLUS");
    }
    if (has_fh && !ReadFh(r, &e.fh.emplace())) return Bad("READDIRPLUS");
    e.name = name;
    res.entries.push_back(std::move(e));
  }
  if (!r.Bool(&res.eof)) return Bad("READDIRPLUS");
  return res;
}

Result<FsstatRes> DecodeFsstat(std::span<const uint8_t> b) {
  XdrReader r(b);
  FsstatRes res;
  std::optional<Fattr> attr;
  uint32_t invarsec;
  if (!ReadStat(r, &res.stat) || !ReadPostOp(r, &attr)) return Bad("FSSTAT");
  if (res.stat != kOk) return res;
  if (!r.U64(&res.tbytes) || !r.U64(&res.fbytes) || !r.U64(&res.abytes) || !r.U64(&res.tfiles) ||
      !r.U64(&res.ffiles) || !r.U64(&res.afiles) || !r.U32(&invarsec)) {
    return Bad("FSSTAT");
  }
  return res;
}

Result<FsinfoRes> DecodeFsinfo(std::span<const uint8_t> b) {
  XdrReader r(b);
  FsinfoRes res;
  std::optional<Fattr> attr;
  uint32_t rtmult, wtmax, wtpref, wtmult, props;
  Time delta;
  if (!ReadStat(r, &res.stat) || !ReadPostOp(r, &attr)) return Bad("FSINFO");
  if (res.stat != kOk) return res;
  if (!r.U32(&res.rtmax) || !r.U32(&res.rtpref) || !r.U32(&rtmult) || !r.U32(&wtmax) ||
      !r.U32(&wtpref) || !r.U32(&wtmult) || !r.U32(&res.dtpref) || !r.U64(&res.maxfilesize) ||
      !ReadTime(r, &delta) || !r.U32(&props)) {
    return Bad("FSINFO");
  }
  return res;
}

Result<Fh> DecodeMnt(std::span<const uint8_t> b) {
  XdrReader r(b);
  uint32_t stat;
  if (!r.U32(&stat)) return Bad("MNT");
  if (stat != mount::kOk) {
    return Status::Error("MOUNT refused the export (mountstat3 " + std::to_string(stat) + ")",
                         std::errc::permission_denied);
  }
  Fh fh;
  if (!ReadFh(r, &fh)) return Bad("MNT");
  return fh;
}

int ErrnoFromStat(Stat s) {
  switch (s) {
    case kOk:
      return 0;
    case kPerm:
      return EPERM;
    case kNoent:
      return ENOENT;
    case kAcces:
      return EACCES;
    case kNotdir:
      return ENOTDIR;
    case kIsdir:
      return EISDIR;
    case kInval:
      return EINVAL;
    case kRofs:
      return EROFS;
    case kNametoolong:
      return ENAMETOOLONG;
    case kStale:
    case kBadhandle:
      return ESTALE;
    case kNotsupp:
      return ENOTSUP;
    default:
      return EIO;
  }
}

}  // namespace amd::rpc::nfs3
