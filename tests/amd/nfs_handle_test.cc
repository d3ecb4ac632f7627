// The NFS front end's file handles are a contract with the kernels that
// hold them across a restart of amd: their bytes are pinned here.
#include "amd/nfs_handle.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/rpc/hex.h"

namespace amd {
namespace {

using rpc::testing::Hex;
using rpc::testing::ToHex;

TEST_CASE("nfs handle: a directory's path hash is FNV-1a 64", "[unit]") {
  CHECK(PathHash("/home") == 0xa5c632ca48d53aa3ull);
  CHECK(PathHash("/home/k") == PathHash("/k", PathHash("/home")));
}

TEST_CASE("nfs handle: the bytes of each kind are fixed", "[unit]") {
  uint64_t home = PathHash("/home");
  CHECK(ToHex(MakeNfsHandle(NfsHandleKind::kDir, home)) == "616d6401 01000000 a5c632ca 48d53aa3");
  CHECK(ToHex(MakeNfsHandle(NfsHandleKind::kKey, home, "joe")) ==
        "616d6401 02030000 a5c632ca 48d53aa3 6a6f65");
  CHECK(ToHex(MakeNfsHandle(NfsHandleKind::kSubDir, home, "sub")) ==
        "616d6401 04030000 a5c632ca 48d53aa3 737562");
  CHECK(ToHex(MakeNfsHandle(NfsHandleKind::kLongKey, home, std::string(100, 'k'))) ==
        "616d6401 03000000 a5c632ca 48d53aa3 dd491161 71181bd7");
}

TEST_CASE("nfs handle: what is made parses back", "[unit]") {
  uint64_t home = PathHash("/home");
  auto key = MakeNfsHandle(NfsHandleKind::kKey, home, "sub/joe");
  auto h = ParseNfsHandle(key);
  REQUIRE(h);
  CHECK(h->kind == NfsHandleKind::kKey);
  CHECK(h->dir == home);
  CHECK(h->name == "sub/joe");
  auto longkey = MakeNfsHandle(NfsHandleKind::kLongKey, home, std::string(100, 'k'));
  h = ParseNfsHandle(longkey);
  REQUIRE(h);
  CHECK(h->kind == NfsHandleKind::kLongKey);
  CHECK(h->name_hash == PathHash(std::string(100, 'k')));
  auto longest = MakeNfsHandle(NfsHandleKind::kKey, home, std::string(kMaxNameInHandle, 'a'));
  CHECK(longest.size() == rpc::nfs3::kFhSize);
  CHECK(ParseNfsHandle(longest));
}

TEST_CASE("nfs handle: anything else is refused", "[unit]") {
  CHECK_FALSE(ParseNfsHandle(Hex("")));
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 01000000 a5c632ca 48d53a")));           // short
  CHECK_FALSE(ParseNfsHandle(Hex("616d6402 01000000 a5c632ca 48d53aa3")));         // magic
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 01000000 a5c632ca 48d53aa3 00")));      // kDir + bytes
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 02000000 a5c632ca 48d53aa3")));         // empty name
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 02040000 a5c632ca 48d53aa3 6a6f65")));  // length
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 03000000 a5c632ca 48d53aa3 dd49")));    // long key
  CHECK_FALSE(ParseNfsHandle(Hex("616d6401 09000000 a5c632ca 48d53aa3")));         // kind
}

}  // namespace
}  // namespace amd
