// NFSv3 encoding and decoding; see nfs3_protocol.h.
#include "rpc/nfs3_protocol.h"

#include <cerrno>

#include "rpc/mount_protocol.h"

namespace amd::rpc::nfs3 {

Stat StatFromErrno(int err) {
  switch (err) {
    case 0:
      return kOk;
    case EPERM:
      return kPerm;
    case ENOENT:
      return kNoent;
    case ENXIO:
      return kNxio;
    case EACCES:
      return kAcces;
    case EEXIST:
      return kExist;
    case EXDEV:
      return kXdev;
    case ENODEV:
      return kNodev;
    case ENOTDIR:
      return kNotdir;
    case EISDIR:
      return kIsdir;
    case EINVAL:
      return kInval;
    case EFBIG:
      return kFbig;
    case ENOSPC:
      return kNospc;
    case EROFS:
      return kRofs;
    case EMLINK:
      return kMlink;
    case ENAMETOOLONG:
      return kNametoolong;
    case ENOTEMPTY:
      return kNotempty;
    case EDQUOT:
      return kDquot;
    case ESTALE:
      return kStale;
    case ENOTSUP:
      return kNotsupp;
    default:
      return kIo;
  }
}

void PutFattr(XdrWriter& w, const Fattr& a) {
  w.U32(static_cast<uint32_t>(a.type));
  w.U32(a.mode);
  w.U32(a.nlink);
  w.U32(a.uid);
  w.U32(a.gid);
  w.U64(a.size);
  w.U64(a.used);
  w.U32(a.rdev_major);
  w.U32(a.rdev_minor);
  w.U64(a.fsid);
  w.U64(a.fileid);
  for (const Time* t : {&a.atime, &a.mtime, &a.ctime}) {
    w.U32(t->seconds);
    w.U32(t->nseconds);
  }
}

void PutPostOpAttr(XdrWriter& w, const Fattr* a) {
  w.Bool(a != nullptr);
  if (a != nullptr) PutFattr(w, *a);
}

namespace {

bool ReadFh(XdrReader& r, std::span<const uint8_t>* fh) { return r.Opaque(kFhSize, fh); }

}  // namespace

std::optional<FhArgs> ReadFhArgs(std::span<const uint8_t> args) {
  XdrReader r(args);
  FhArgs a;
  if (!ReadFh(r, &a.fh) || !r.AtEnd()) return std::nullopt;
  return a;
}

std::optional<LookupArgs> ReadLookupArgs(std::span<const uint8_t> args) {
  XdrReader r(args);
  LookupArgs a;
  if (!ReadFh(r, &a.dir) || !r.String(kMaxName, &a.name) || !r.AtEnd()) return std::nullopt;
  return a;
}

std::optional<AccessArgs> ReadAccessArgs(std::span<const uint8_t> args) {
  XdrReader r(args);
  AccessArgs a;
  if (!ReadFh(r, &a.fh) || !r.U32(&a.access) || !r.AtEnd()) return std::nullopt;
  return a;
}

std::optional<ReaddirArgs> ReadReaddirArgs(std::span<const uint8_t> args, bool plus) {
  XdrReader r(args);
  ReaddirArgs a;
  if (!ReadFh(r, &a.dir) || !r.U64(&a.cookie) || !r.Fixed(kCookieVerfSize, &a.verifier))
    return std::nullopt;
  if (plus && !r.U32(&a.dircount)) return std::nullopt;
  if (!r.U32(&a.maxcount) || !r.AtEnd()) return std::nullopt;
  return a;
}

void PutFailure(XdrWriter& w, uint32_t proc, Stat stat, const Fattr* obj) {
  w.U32(stat);
  // How many post_op_attr (a) and wcc_data (w) slots each failure carries.
  switch (proc) {
    case kGetattr:
      return;
    case kLookup:
    case kAccess:
    case kReadlink:
    case kRead:
    case kReaddir:
    case kReaddirplus:
    case kFsstat:
    case kFsinfo:
    case kPathconf:
      PutPostOpAttr(w, obj);
      return;
    case kSetattr:
    case kWrite:
    case kCreate:
    case kMkdir:
    case kSymlink:
    case kMknod:
    case kRemove:
    case kRmdir:
    case kCommit:
      w.Bool(false);  // pre_op_attr
      PutPostOpAttr(w, obj);
      return;
    case kRename:
      for (int i = 0; i < 4; ++i) w.Bool(false);
      return;
    case kLink:
      PutPostOpAttr(w, obj);
      w.Bool(false);
      w.Bool(false);
      return;
    default:
      return;
  }
}

namespace mount {

std::optional<std::string_view> ReadDirpath(std::span<const uint8_t> args) {
  XdrReader r(args);
  std::string_view path;
  if (!r.String(kMntPathLen, &path) || !r.AtEnd()) return std::nullopt;
  return path;
}

void PutMntOk(XdrWriter& w, std::span<const uint8_t> fh) {
  w.U32(kOk);
  w.Opaque(fh);
  w.U32(1);  // one flavour
  w.U32(1);  // AUTH_SYS
}

void PutMntFailure(XdrWriter& w, Stat stat) { w.U32(stat); }

}  // namespace mount
}  // namespace amd::rpc::nfs3
