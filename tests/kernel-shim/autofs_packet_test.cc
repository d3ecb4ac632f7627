#include "kernel-shim/autofs_packet.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

namespace amd::kernel {
namespace {

// A missing-indirect packet built byte by byte from linux/auto_fs.h.
std::vector<uint8_t> Packet(int type, uint32_t token, const char* name, size_t size = 304) {
  std::vector<uint8_t> b(size, 0);
  auto put32 = [&](size_t off, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  put32(0, 5);      // proto_version
  put32(4, type);   // type
  put32(8, token);  // wait_queue_token
  put32(12, 0x2a);  // dev
  b[16] = 0x10;     // ino (little-endian u64) = 0x0110
  b[17] = 0x01;
  put32(24, 1000);  // uid
  put32(28, 100);   // gid
  put32(32, 4242);  // pid
  put32(36, 4241);  // tgid
  put32(40, static_cast<uint32_t>(std::strlen(name)));
  std::memcpy(&b[44], name, std::strlen(name));
  return b;
}

TEST_CASE("autofs v5 packets decode field by field", "[unit]") {
  auto b = Packet(3, 77, "jsp");
  auto p = DecodeAutofsPacket(b);
  REQUIRE(p.ok());
  CHECK(p->type == AutofsPacketType::kMissingIndirect);
  CHECK(p->is_missing());
  CHECK(p->token == 77);
  CHECK(p->dev == 0x2a);
  CHECK(p->ino == 0x0110);
  CHECK(p->uid == 1000);
  CHECK(p->gid == 100);
  CHECK(p->pid == 4242);
  CHECK(p->tgid == 4241);
  CHECK(p->name == "jsp");
  auto e = DecodeAutofsPacket(Packet(4, 5, "old"));
  REQUIRE(e.ok());
  CHECK(e->type == AutofsPacketType::kExpireIndirect);
  CHECK_FALSE(e->is_missing());
  CHECK(DecodeAutofsPacket(Packet(5, 1, "ffff8881")).ok());
  CHECK(DecodeAutofsPacket(Packet(6, 1, "ffff8881", 300)).ok());  // 32-bit size
}

TEST_CASE("bad autofs packets are rejected with a reason", "[unit]") {
  CHECK_FALSE(DecodeAutofsPacket(std::vector<uint8_t>(10)).ok());
  CHECK_FALSE(DecodeAutofsPacket(std::vector<uint8_t>(400)).ok());
  CHECK_FALSE(DecodeAutofsPacket(Packet(9, 1, "x")).ok());
  auto v4 = Packet(3, 1, "x");
  v4[0] = 4;
  CHECK(DecodeAutofsPacket(v4).status().ToString().find("protocol 4") != std::string::npos);
  auto long_len = Packet(3, 1, "x");
  long_len[40] = 0xff;
  long_len[41] = 0x01;  // len 511
  CHECK_FALSE(DecodeAutofsPacket(long_len).ok());
  auto unterminated = Packet(3, 1, "abc");
  unterminated[47] = 'x';  // no NUL after the name
  CHECK_FALSE(DecodeAutofsPacket(unterminated).ok());
  CHECK_FALSE(DecodeAutofsPacket(Packet(3, 1, "a/b")).ok());
}

}  // namespace
}  // namespace amd::kernel
