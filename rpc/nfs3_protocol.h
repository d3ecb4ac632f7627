// NFS version 3 (RFC 1813) as far as amd's classic front end serves it:
// the procedure numbers and status codes, file attributes, the arguments
// of the procedures it answers, and the failure bodies of every procedure
// (a status and the empty attribute and wcc slots that procedure's
// result carries), plus the MOUNT v3 procedures a kernel uses to mount
// it. Pure encoding and decoding over XdrReader/XdrWriter; the server
// decides the answers (amd/nfs_front_end.h).
//
// Threading: pure, any thread. Ownership: decoded arguments view the caller's
// bytes.
#ifndef AMD_RPC_NFS3_PROTOCOL_H_
#define AMD_RPC_NFS3_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rpc/xdr_stream.h"

namespace amd::rpc::nfs3 {

constexpr uint32_t kProgram = 100003;
constexpr uint32_t kVersion = 3;
constexpr size_t kFhSize = 64;    // NFS3_FHSIZE
constexpr size_t kMaxName = 255;  // amd's bound on a LOOKUP name
constexpr size_t kCookieVerfSize = 8;

enum Proc : uint32_t {
  kNull = 0,
  kGetattr = 1,
  kSetattr = 2,
  kLookup = 3,
  kAccess = 4,
  kReadlink = 5,
  kRead = 6,
  kWrite = 7,
  kCreate = 8,
  kMkdir = 9,
  kSymlink = 10,
  kMknod = 11,
  kRemove = 12,
  kRmdir = 13,
  kRename = 14,
  kLink = 15,
  kReaddir = 16,
  kReaddirplus = 17,
  kFsstat = 18,
  kFsinfo = 19,
  kPathconf = 20,
  kCommit = 21,
};
constexpr uint32_t kLastProc = kCommit;

enum Stat : uint32_t {
  kOk = 0,
  kPerm = 1,
  kNoent = 2,
  kIo = 5,
  kNxio = 6,
  kAcces = 13,
  kExist = 17,
  kXdev = 18,
  kNodev = 19,
  kNotdir = 20,
  kIsdir = 21,
  kInval = 22,
  kFbig = 27,
  kNospc = 28,
  kRofs = 30,
  kMlink = 31,
  kNametoolong = 63,
  kNotempty = 66,
  kDquot = 69,
  kStale = 70,
  kRemote = 71,
  kBadhandle = 10001,
  kNotSync = 10002,
  kBadCookie = 10003,
  kNotsupp = 10004,
  kToosmall = 10005,
  kServerfault = 10006,
  kBadtype = 10007,
  kJukebox = 10008,
};

// An errno as the nearest NFS3 status.
Stat StatFromErrno(int err);

enum class Ftype : uint32_t {
  kReg = 1,
  kDir = 2,
  kBlk = 3,
  kChr = 4,
  kLnk = 5,
  kSock = 6,
  kFifo = 7
};

struct Time {
  uint32_t seconds = 0;
  uint32_t nseconds = 0;
};

struct Fattr {
  Ftype type = Ftype::kDir;
  uint32_t mode = 0;
  uint32_t nlink = 1;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t used = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint64_t fsid = 0;
  uint64_t fileid = 0;
  Time atime, mtime, ctime;
};

void PutFattr(XdrWriter& w, const Fattr& a);
// post_op_attr: the attributes, or none.
void PutPostOpAttr(XdrWriter& w, const Fattr* a);

// ACCESS3 bits.
constexpr uint32_t kAccessRead = 0x01, kAccessLookup = 0x02, kAccessModify = 0x04,
                   kAccessExtend = 0x08, kAccessDelete = 0x10, kAccessExecute = 0x20;

// Arguments of the procedures amd answers; views into the call's bytes.
// Each Read* is strict: every byte used, every bound kept.
struct FhArgs {  // GETATTR READLINK FSSTAT FSINFO PATHCONF
  std::span<const uint8_t> fh;
};
struct LookupArgs {
  std::span<const uint8_t> dir;
  std::string_view name;
};
struct AccessArgs {
  std::span<const uint8_t> fh;
  uint32_t access = 0;
};
struct ReaddirArgs {  // READDIR and READDIRPLUS
  std::span<const uint8_t> dir;
  uint64_t cookie = 0;
  std::span<const uint8_t> verifier;  // 8 bytes
  uint32_t dircount = 0;              // READDIRPLUS only
  uint32_t maxcount = 0;              // READDIR: count
};
std::optional<FhArgs> ReadFhArgs(std::span<const uint8_t> args);
std::optional<LookupArgs> ReadLookupArgs(std::span<const uint8_t> args);
std::optional<AccessArgs> ReadAccessArgs(std::span<const uint8_t> args);
std::optional<ReaddirArgs> ReadReaddirArgs(std::span<const uint8_t> args, bool plus);

// The whole result of a procedure that failed with `stat` (not kOk): the
// status, then `obj` where the result has a post_op_attr, and empty wcc
// data; nothing else. For every procedure 1..21.
void PutFailure(XdrWriter& w, uint32_t proc, Stat stat, const Fattr* obj = nullptr);

// MOUNT version 3 (RFC 1813 appendix I) as a kernel uses it to mount amd.
namespace mount {
constexpr uint32_t kProgram = 100005;
constexpr uint32_t kVersion = 3;
enum Proc : uint32_t { kNull = 0, kMnt = 1, kDump = 2, kUmnt = 3, kUmntall = 4, kExport = 5 };
enum Stat : uint32_t {
  kOk = 0,
  kPerm = 1,
  kNoent = 2,
  kIo = 5,
  kAcces = 13,
  kNotdir = 20,
  kInval = 22,
  kNametoolong = 63,
  kNotsupp = 10004,
  kServerfault = 10006
};
// MNT's and UMNT's argument: a dirpath.
std::optional<std::string_view> ReadDirpath(std::span<const uint8_t> args);
// MNT's result: the handle and AUTH_SYS as the one flavour; or a failure.
void PutMntOk(XdrWriter& w, std::span<const uint8_t> fh);
void PutMntFailure(XdrWriter& w, Stat stat);
}  // namespace mount

}  // namespace amd::rpc::nfs3

#endif  // AMD_RPC_NFS3_PROTOCOL_H_
