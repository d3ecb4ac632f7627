// RLP messages against bytes written by hand from the layout in
// rlp/rlp_message.h (RFC 887): every message type, the L flag, the
// Message-ID, TCP/UDP identifiers with their port, They-Provide host lists,
// and the decoder's refusals.
#include <catch2/catch.hpp>

#include "rlp/rlp_message.h"
#include "tests/rpc/hex.h"

namespace amd::rlp {
namespace {

using rpc::testing::Hex;
using rpc::testing::ToHex;

Resource Vol(const std::string& path, uint8_t proto = kProtocolUdp) {
  return *NfsVolume(path, proto);
}

std::string Enc(const Message& m) {
  auto r = Encode(m);
  REQUIRE(r.ok());
  return ToHex(*r);
}

void RoundTrip(const Message& m, const std::string& hex) {
  CHECK(Enc(m) == ToHex(Hex(hex)));
  auto back = Decode(Hex(hex));
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(*back == m);
}

TEST_CASE("rlp: every message type encodes and decodes as laid out by hand", "[rlp]") {
  // Who-Provides?, L, id 0x1234: UDP 2049 "/vol".
  RoundTrip({Type::kWhoProvides, true, 0x1234, {Vol("/vol")}}, "00801234 1106 0801 2f766f6c");
  // Do-You-Provide?, id 1: the volume over UDP and over TCP.
  RoundTrip({Type::kDoYouProvide, false, 1, {Vol("/a"), Vol("/a", kProtocolTcp)}},
            "01000001 1104 0801 2f61 0604 0801 2f61");
  // Who-Anywhere-Provides?, id 0xffff: ICMP, an empty identifier.
  RoundTrip({Type::kWhoAnywhereProvides, false, 0xffff, {Resource{1, {}, {}}}}, "0200ffff 0100");
  // Does-Anyone-Provide?, L, id 2: UDP port 39 with nothing after it.
  RoundTrip({Type::kDoesAnyoneProvide, true, 2, {*PortResource(kProtocolUdp, 39)}},
            "03800002 1102 0027");
  // I-Provide, id 0x1234: the volume; and the empty answer.
  RoundTrip({Type::kIProvide, false, 0x1234, {Vol("/vol")}}, "04001234 1106 0801 2f766f6c");
  RoundTrip({Type::kIProvide, false, 7, {}}, "04000007");
  // They-Provide, id 9: UDP 2049 "/v" at 10.77.0.2 and 192.0.2.1.
  Resource v = Vol("/v");
  v.hosts = {0x0a4d0002, 0xc0000201};
  RoundTrip({Type::kTheyProvide, false, 9, {v}}, "05000009 1104 0801 2f76 02 0a4d0002 c0000201");
}

TEST_CASE("rlp: an NFS volume is UDP or TCP port 2049 followed by its export path", "[rlp]") {
  Resource r = Vol("/export/vol");
  CHECK(r.protocol == kProtocolUdp);
  CHECK(r.port() == kNfsPort);
  CHECK(r.data() == "/export/vol");
  CHECK(NfsVolume(std::string(253, 'x')).ok());
  auto too_long = NfsVolume(std::string(254, 'x'));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().ToString().find("at most 253 fit") != std::string::npos);
  CHECK(Describe({Type::kWhoProvides, true, 7, {r}}) ==
        "Who-Provides? id 7 L: udp/2049 /export/vol");
}

TEST_CASE("rlp: malformed datagrams are refused with the reason", "[rlp]") {
  auto why = [](const std::string& hex) {
    auto r = Decode(Hex(hex));
    return r.ok() ? std::string("accepted") : r.status().ToString();
  };
  CHECK(why("000012").find("shorter than the 4-octet header") != std::string::npos);
  CHECK(why("06000001 1102 0801").find("unknown message type 6") != std::string::npos);
  CHECK(why("00400001 1102 0801").find("reserved flag bits set") != std::string::npos);
  CHECK(why("04800001 1102 0801").find("L set in a reply (I-Provide)") != std::string::npos);
  CHECK(why("00000001 11").find("resource 1: truncated specifier") != std::string::npos);
  CHECK(why("00000001 1106 0801 2f").find("resource 1: identifier of 6 octets runs past the end") !=
        std::string::npos);
  CHECK(why("00000001 1102 0801 0601 08")
            .find("resource 2: a TCP or UDP identifier without its port") != std::string::npos);
  CHECK(why("05000001 1102 0801").find("resource 1: no host count") != std::string::npos);
  CHECK(why("05000001 1102 0801 02 0a4d0002").find("2 hosts run past the end") !=
        std::string::npos);
  CHECK(why("00000001").find("Who-Provides? names no resource") != std::string::npos);
  // What Encode will not write.
  CHECK_FALSE(Encode({Type::kIProvide, true, 1, {}}).ok());
  Resource big;
  big.id.assign(256, 0);
  CHECK_FALSE(Encode({Type::kWhoProvides, false, 1, {big}}).ok());
  Resource hosted = Vol("/v");
  hosted.hosts = {1};
  CHECK_FALSE(Encode({Type::kIProvide, false, 1, {hosted}}).ok());
}

}  // namespace
}  // namespace amd::rlp
