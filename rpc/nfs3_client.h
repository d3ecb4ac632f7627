// NFS version 3 (RFC 1813) from the client's side, as the FUSE relay
// speaks it to a replica: the arguments of the read-only procedures it
// calls (NULL, GETATTR, LOOKUP, READLINK, READ, READDIRPLUS, FSSTAT,
// FSINFO) and strict decoders of their results, plus MOUNT v3's MNT.
// Pure encoding and decoding over XdrReader/XdrWriter.
//
// Threading: pure, any thread. Ownership: encoded arguments are the
// caller's; decoded results copy what they keep, except ReadRes::data,
// which views the reply's bytes.
#ifndef AMD_RPC_NFS3_CLIENT_H_
#define AMD_RPC_NFS3_CLIENT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rpc/nfs3_protocol.h"

namespace amd::rpc::nfs3 {

using Fh = std::vector<uint8_t>;

// Arguments.
std::vector<uint8_t> FhArg(std::span<const uint8_t> fh);  // GETATTR READLINK FSSTAT FSINFO
std::vector<uint8_t> LookupArg(std::span<const uint8_t> dir, std::string_view name);
std::vector<uint8_t> ReadArg(std::span<const uint8_t> fh, uint64_t offset, uint32_t count);
std::vector<uint8_t> ReaddirplusArg(std::span<const uint8_t> dir, uint64_t cookie,
                                    std::span<const uint8_t> verifier, uint32_t dircount,
                                    uint32_t maxcount);
std::vector<uint8_t> DirpathArg(std::string_view path);  // MOUNT MNT

// Results. Each decoder takes a procedure's whole result: an error when
// the bytes are not that result, else the result with its NFS status
// (only a kOk result carries the rest).
bool ReadFattr(XdrReader& r, Fattr* a);
struct GetattrRes {
  Stat stat = kOk;
  Fattr attr;
};
struct LookupRes {
  Stat stat = kOk;
  Fh fh;
  std::optional<Fattr> attr;  // the object's
};
struct ReadlinkRes {
  Stat stat = kOk;
  std::string target;
};
struct ReadRes {
  Stat stat = kOk;
  std::optional<Fattr> attr;
  bool eof = false;
  std::span<const uint8_t> data;  // views the reply
};
struct DirEntry {
  uint64_t fileid = 0;
  std::string name;
  uint64_t cookie = 0;
  std::optional<Fattr> attr;
  std::optional<Fh> fh;
};
struct ReaddirplusRes {
  Stat stat = kOk;
  std::vector<uint8_t> verifier;  // 8 bytes
  std::vector<DirEntry> entries;
  bool eof = false;
};
struct FsstatRes {
  Stat stat = kOk;
  uint64_t tbytes = 0, fbytes = 0, abytes = 0, tfiles = 0, ffiles = 0, afiles = 0;
};
struct FsinfoRes {
  Stat stat = kOk;
  uint32_t rtmax = 0, rtpref = 0, dtpref = 0;
  uint64_t maxfilesize = 0;
};
Result<GetattrRes> DecodeGetattr(std::span<const uint8_t> b);
Result<LookupRes> DecodeLookup(std::span<const uint8_t> b);
Result<ReadlinkRes> DecodeReadlink(std::span<const uint8_t> b);
Result<ReadRes> DecodeRead(std::span<const uint8_t> b);
Result<ReaddirplusRes> DecodeReaddirplus(std::span<const uint8_t> b);
Result<FsstatRes> DecodeFsstat(std::span<const uint8_t> b);
Result<FsinfoRes> DecodeFsinfo(std::span<const uint8_t> b);
// MNT's result: the root handle, or the MOUNT status as an error.
Result<Fh> DecodeMnt(std::span<const uint8_t> b);

// An NFS status as the errno a local caller sees.
int ErrnoFromStat(Stat s);

}  // namespace amd::rpc::nfs3

#endif  // AMD_RPC_NFS3_CLIENT_H_
