// The MOUNT export list against bytes written by hand from RFC 1813
// appendix I (exports: a chain of exportnode, each with a chain of
// groupnode), and its decoder's refusals.
#include <catch2/catch.hpp>

#include "rpc/mount_protocol.h"
#include "tests/rpc/hex.h"

namespace amd::rpc {
namespace {

using testing::Hex;
using testing::ToHex;

// Two exports: "/srv" open to "*", and "/data/ro" to "10.0.0.0/8" and "h".
const char* kTwo =
    "00000001"                                      // value follows
    "00000004 2f737276"                             // ex_dir "/srv"
    "00000001 00000001 2a000000"                    // a group: "*"
    "00000000"                                      // no more groups
    "00000001"                                      // value follows
    "00000008 2f646174 612f726f"                    // ex_dir "/data/ro"
    "00000001 0000000a 31302e30 2e302e30 2f380000"  // "10.0.0.0/8"
    "00000001 00000001 68000000"                    // "h"
    "00000000"                                      // no more groups
    "00000000";                                     // no more exports

TEST_CASE("mount protocol: an export list encodes and decodes as RFC 1813 lays it out", "[rpc]") {
  std::vector<ExportEntry> two = {{"/srv", {"*"}}, {"/data/ro", {"10.0.0.0/8", "h"}}};
  CHECK(ToHex(EncodeExports(two)) == ToHex(Hex(kTwo)));
  auto back = DecodeExports(Hex(kTwo));
  REQUIRE(back.ok());
  CHECK(*back == two);
  auto none = DecodeExports(Hex("00000000"));
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(ToHex(EncodeExports({})) == "00000000");
}

TEST_CASE("mount protocol: a malformed export list is refused with the entry it broke at",
          "[rpc]") {
  auto bytes = Hex(kTwo);
  // Every truncation fails.
  for (size_t n = 0; n < bytes.size(); n += 4) {
    auto r = DecodeExports(std::span<const uint8_t>(bytes.data(), n));
    CHECK_FALSE(r.ok());
  }
  auto extra = bytes;
  extra.insert(extra.end(), {0, 0, 0, 0});
  CHECK(DecodeExports(extra).status().ToString().find("after the end") != std::string::npos);
  // A bool other than 0 or 1.
  CHECK_FALSE(DecodeExports(Hex("00000002")).ok());
  // A path longer than MNTPATHLEN.
  auto r = DecodeExports(Hex("00000001 00000401"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ToString().find("entry 1: directory truncated or longer than MNTPATHLEN") !=
        std::string::npos);
  // A list longer than amd's bound is refused, not allocated.
  std::vector<uint8_t> many;
  for (size_t i = 0; i <= kMaxExports; ++i) {
    auto one = Hex("00000001 00000001 2f000000 00000000");
    many.insert(many.end(), one.begin(), one.end());
  }
  many.insert(many.end(), {0, 0, 0, 0});
  auto too_many = DecodeExports(many);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().ToString().find("more than 65536 exports") != std::string::npos);
}

}  // namespace
}  // namespace amd::rpc
