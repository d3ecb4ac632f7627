// ONC RPC messages and record marking against bytes written by hand from
// RFC 5531.
#include "rpc/rpc_message.h"

#include <catch2/catch.hpp>

#include "rpc/record_marking.h"
#include "tests/rpc/hex.h"

namespace amd::rpc {
namespace {

using testing::Hex;
using testing::ToHex;

// A call of AMQ (300019 = 0x493f3) version 1, procedure 4, with AUTH_SYS
// {stamp 7, machine "h", uid 1000, gid 100, gids [5]} and no arguments.
const char* kExportCall =
    "11223344 00000000 00000002 000493f3 00000001 00000004"
    " 00000001 0000001c 00000007 00000001 68000000 000003e8 00000064 00000001 00000005"
    " 00000000 00000000";

TEST_CASE("rpc: a call with AUTH_SYS is parsed whole", "[rpc]") {
  auto bytes = Hex(kExportCall);
  auto parsed = ParseCall(bytes);
  REQUIRE(std::holds_alternative<Call>(parsed));
  const Call& c = std::get<Call>(parsed);
  CHECK(c.header.xid == 0x11223344);
  CHECK(c.header.prog == 300019);
  CHECK(c.header.vers == 1);
  CHECK(c.header.proc == 4);
  REQUIRE(c.header.auth_sys);
  CHECK(c.header.auth_sys->stamp == 7);
  CHECK(c.header.auth_sys->machine == "h");
  CHECK(c.header.auth_sys->uid == 1000);
  CHECK(c.header.auth_sys->gid == 100);
  CHECK(c.header.auth_sys->gids == std::vector<uint32_t>{5});
  CHECK(c.args.empty());
}

TEST_CASE("rpc: CallMessage writes the same bytes", "[rpc]") {
  AuthSys cred{7, "h", 1000, 100, {5}};
  CHECK(ToHex(CallMessage(0x11223344, 300019, 1, 4, {}, &cred)) == ToHex(Hex(kExportCall)));
  CHECK(
      ToHex(CallMessage(1, 300019, 1, 0, {})) ==
      "00000001 00000000 00000002 000493f3 00000001 00000000 00000000 00000000 00000000 00000000");
}

TEST_CASE("rpc: broken calls say why, and whether they can be answered", "[rpc]") {
  auto err = [](const std::string& hex) { return std::get<CallParseError>(ParseCall(Hex(hex))); };
  CHECK(err("").kind == CallError::kGarbage);
  CHECK(err("00000001 00000001").reason == "not a call (message type 1)");
  CHECK(err("00000001 00000000 00000002 000493f3").reason == "truncated call header");
  auto v3 = err("00000009 00000000 00000003 000493f3 00000001 00000000");
  CHECK(v3.kind == CallError::kBadRpcVersion);
  CHECK(v3.xid == 9);
  // A credential body longer than 400 bytes, and one cut short.
  CHECK(err("00000001 00000000 00000002 000493f3 00000001 00000000 00000001 00000194").kind ==
        CallError::kBadAuth);
  CHECK(err("00000001 00000000 00000002 000493f3 00000001 00000000 00000001 00000008 00000000")
            .kind == CallError::kBadAuth);
  // AUTH_SYS with 17 groups.
  std::string many =
      "00000001 00000000 00000002 000493f3 00000001 00000000 00000001 00000054"
      " 00000000 00000000 00000000 00000000 00000011";
  for (int i = 0; i < 16; ++i) many += " 00000000";
  many += " 00000000 00000000";
  CHECK(err(many).reason == "malformed AUTH_SYS credentials");
}

TEST_CASE("rpc: replies", "[rpc]") {
  CHECK(ToHex(AcceptedReply(5, AcceptStat::kSuccess, Hex("0000002a"))) ==
        "00000005 00000001 00000000 00000000 00000000 00000000 0000002a");
  CHECK(ToHex(AcceptedReply(5, AcceptStat::kProcUnavail)) ==
        "00000005 00000001 00000000 00000000 00000000 00000003");
  CHECK(ToHex(AcceptedReply(5, AcceptStat::kGarbageArgs)) ==
        "00000005 00000001 00000000 00000000 00000000 00000004");
  CHECK(ToHex(AcceptedReply(5, AcceptStat::kProgMismatch, {}, 1, 1)) ==
        "00000005 00000001 00000000 00000000 00000000 00000002 00000001 00000001");
  CHECK(ToHex(RpcMismatchReply(5)) == "00000005 00000001 00000001 00000000 00000002 00000002");
  CHECK(ToHex(AuthErrorReply(5, AuthStat::kTooWeak)) ==
        "00000005 00000001 00000001 00000001 00000005");
}

TEST_CASE("rpc: a client reads results, and errors as errors", "[rpc]") {
  auto msg = AcceptedReply(5, AcceptStat::kSuccess, Hex("0000002a"));
  auto ok = ParseReply(msg);  // results point into msg
  REQUIRE(ok.ok());
  CHECK(ok->xid == 5);
  CHECK(ToHex(ok->results) == "0000002a");
  CHECK(ParseReply(AcceptedReply(5, AcceptStat::kProcUnavail)).status().ToString() ==
        "procedure unavailable: Function not implemented");
  CHECK(ParseReply(AuthErrorReply(5, AuthStat::kTooWeak)).status().code() ==
        std::make_error_code(std::errc::permission_denied));
  CHECK_FALSE(ParseReply(Hex("00000005 00000001")).ok());
}

TEST_CASE("record marking: fragments make records, fed a byte at a time", "[rpc]") {
  // "abcd" in two fragments, then "xy" in one.
  auto stream = Hex("00000002 6162 80000002 6364 80000002 7879");
  RecordAssembler a(100);
  for (uint8_t b : stream) REQUIRE(a.Feed(std::span<const uint8_t>(&b, 1)));
  auto r1 = a.Next();
  auto r2 = a.Next();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(ToHex(*r1) == "61626364");
  CHECK(ToHex(*r2) == "7879");
  CHECK_FALSE(a.Next());
  CHECK(a.pending() == 0);
  CHECK(ToHex(FrameRecord(Hex("7879"))) == "80000002 7879");
}

TEST_CASE("record marking: a record over the limit breaks the stream", "[rpc]") {
  RecordAssembler a(8);
  CHECK_FALSE(a.Feed(Hex("80000009")));
  CHECK(a.error() == "record longer than 8 bytes");
  CHECK_FALSE(a.Feed(Hex("80000001 00")));  // nothing more is taken
  RecordAssembler b(8);
  CHECK(b.Feed(Hex("00000005 0102030405")));
  CHECK_FALSE(b.Feed(Hex("80000004")));  // 5 + 4 > 8
}

}  // namespace
}  // namespace amd::rpc
