// NFSv3 and MOUNTv3 encoding (rpc/nfs3_protocol.h) against bytes written by
// hand from RFC 1813: fattr3 in its field order, the failure body of every
// procedure, MNT's result, and the argument decoders' strictness.
#include <catch2/catch.hpp>
#include <functional>

#include "rpc/nfs3_protocol.h"
#include "tests/rpc/hex.h"

namespace amd::rpc::nfs3 {
namespace {

using testing::Hex;
using testing::ToHex;

std::string Encode(const std::function<void(XdrWriter&)>& fn) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  fn(w);
  return ToHex(out);
}

TEST_CASE("nfs3: fattr3 is laid out in RFC 1813's field order", "[rpc]") {
  Fattr a;
  a.type = Ftype::kLnk;
  a.mode = 0777;
  a.nlink = 1;
  a.uid = 2;
  a.gid = 3;
  a.size = 0x0102030405060708ull;
  a.used = 9;
  a.rdev_major = 10;
  a.rdev_minor = 11;
  a.fsid = 12;
  a.fileid = 13;
  a.atime = {14, 15};
  a.mtime = {16, 17};
  a.ctime = {18, 19};
  CHECK(Encode([&](XdrWriter& w) { PutFattr(w, a); }) ==
        "00000005 000001ff 00000001 00000002 00000003 01020304 05060708 00000000 00000009 "
        "0000000a 0000000b 00000000 0000000c 00000000 0000000d 0000000e 0000000f 00000010 "
        "00000011 00000012 00000013");
  CHECK(Encode([&](XdrWriter& w) { PutPostOpAttr(w, nullptr); }) == "00000000");
}

TEST_CASE("nfs3: each procedure's failure carries its own attribute and wcc slots", "[rpc]") {
  auto fail = [](uint32_t proc, Stat s) {
    return Encode([&](XdrWriter& w) { PutFailure(w, proc, s); });
  };
  CHECK(fail(kGetattr, kStale) == "00000046");
  // post_op_attr: LOOKUP ACCESS READLINK READ READDIR READDIRPLUS FSSTAT FSINFO PATHCONF.
  for (uint32_t p :
       {kLookup, kAccess, kReadlink, kRead, kReaddir, kReaddirplus, kFsstat, kFsinfo, kPathconf}) {
    CHECK(fail(p, kNoent) == "00000002 00000000");
  }
  // wcc_data (pre_op_attr and post_op_attr): SETATTR WRITE CREATE MKDIR
  // SYMLINK MKNOD REMOVE RMDIR COMMIT.
  for (uint32_t p :
       {kSetattr, kWrite, kCreate, kMkdir, kSymlink, kMknod, kRemove, kRmdir, kCommit}) {
    CHECK(fail(p, kRofs) == "0000001e 00000000 00000000");
  }
  CHECK(fail(kRename, kRofs) == "0000001e 00000000 00000000 00000000 00000000");  // two wcc_data
  CHECK(fail(kLink, kRofs) == "0000001e 00000000 00000000 00000000");  // post_op_attr, wcc_data
  Fattr dir;
  std::string with = Encode([&](XdrWriter& w) { PutFailure(w, kLookup, kNoent, &dir); });
  CHECK(with.rfind("00000002 00000001 00000002", 0) == 0);  // NOENT, attributes follow, NF3DIR
  CHECK(with.size() == ToHex(std::vector<uint8_t>(4 + 4 + 84, 0)).size());
}

TEST_CASE("nfs3: arguments are decoded strictly", "[rpc]") {
  // LOOKUP: diropargs3 (a handle and a name).
  auto bytes = Hex("00000004 01020304 00000005 616c6963 65000000");  // the views point into it
  auto lookup = ReadLookupArgs(bytes);
  REQUIRE(lookup);
  CHECK(lookup->dir.size() == 4);
  CHECK(lookup->name == "alice");
  CHECK_FALSE(ReadLookupArgs(Hex("00000004 01020304 00000005 616c6963")));  // truncated
  CHECK_FALSE(
      ReadLookupArgs(Hex("00000004 01020304 00000001 61000000 00000000")));  // bytes left over
  CHECK_FALSE(ReadLookupArgs(Hex("00000041")));                              // handle over 64 bytes
  CHECK_FALSE(ReadLookupArgs(Hex("00000000 00000100")));                     // name over 255 bytes
  // READDIR: handle, cookie, verifier, count; READDIRPLUS adds dircount.
  auto rd = ReadReaddirArgs(Hex("00000000 00000000 00000003 00000000 00000000 00001000"), false);
  REQUIRE(rd);
  CHECK(rd->cookie == 3);
  CHECK(rd->maxcount == 4096);
  auto rdp =
      ReadReaddirArgs(Hex("00000000 00000000 00000003 00000000 00000000 00000200 00001000"), true);
  REQUIRE(rdp);
  CHECK(rdp->dircount == 512);
  CHECK(rdp->maxcount == 4096);
  CHECK_FALSE(ReadReaddirArgs(Hex("00000000 00000000 00000003 00000000 00000000 00001000"), true));
  auto access = ReadAccessArgs(Hex("00000000 0000003f"));
  REQUIRE(access);
  CHECK(access->access == 0x3f);
  CHECK(ReadFhArgs(Hex("00000000")));
  CHECK_FALSE(ReadFhArgs(Hex("")));
}

TEST_CASE("nfs3: MOUNT's MNT result and dirpath argument", "[rpc]") {
  std::vector<uint8_t> fh = {0xaa, 0xbb};
  CHECK(Encode([&](XdrWriter& w) { mount::PutMntOk(w, fh); }) ==
        "00000000 00000002 aabb0000 00000001 00000001");  // OK, fhandle3, one flavour: AUTH_SYS
  CHECK(Encode([&](XdrWriter& w) { mount::PutMntFailure(w, mount::kNoent); }) == "00000002");
  auto bytes = Hex("00000005 2f686f6d 65000000");
  auto path = mount::ReadDirpath(bytes);
  REQUIRE(path);
  CHECK(*path == "/home");
  CHECK_FALSE(mount::ReadDirpath(Hex("00000401")));
}

TEST_CASE("nfs3: errno values map to NFS3 status codes", "[rpc]") {
  CHECK(StatFromErrno(0) == kOk);
  CHECK(StatFromErrno(ENOENT) == kNoent);
  CHECK(StatFromErrno(EROFS) == kRofs);
  CHECK(StatFromErrno(ETIMEDOUT) == kIo);
  CHECK(StatFromErrno(ENOTSUP) == kNotsupp);
}

}  // namespace
}  // namespace amd::rpc::nfs3
