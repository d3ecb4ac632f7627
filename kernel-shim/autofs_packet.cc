// autofs v5 packet decoding. Field offsets (x86_64 and every 32/64-bit
// arch but ia64/alpha, where the token is 8 bytes, which amd does not
// support): hdr.proto_version 0, hdr.type 4, token 8, dev 12, ino 16,
// uid 24, gid 28, pid 32, tgid 36, len 40, name 44..299 (NAME_MAX+1).
#include "kernel-shim/autofs_packet.h"

#include <cstring>

namespace amd::kernel {
namespace {

template <typename T>
T Read(std::span<const uint8_t> b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

constexpr size_t kNameOffset = 44;
constexpr size_t kNameMax = 255;

}  // namespace

Result<AutofsPacket> DecodeAutofsPacket(std::span<const uint8_t> b) {
  if (b.size() < kAutofsPacketMinSize || b.size() > kAutofsPacketSize) {
    return Status::Error("autofs packet of " + std::to_string(b.size()) + " bytes (want " +
                             std::to_string(kAutofsPacketSize) + ")",
                         std::errc::bad_message);
  }
  AutofsPacket p;
  p.proto_version = Read<int32_t>(b, 0);
  int type = Read<int32_t>(b, 4);
  if (type < 3 || type > 6) {
    return Status::Error("autofs packet of unknown type " + std::to_string(type),
                         std::errc::bad_message);
  }
  if (p.proto_version != 5) {
    return Status::Error(
        "autofs packet of protocol " + std::to_string(p.proto_version) + " (want 5)",
        std::errc::protocol_not_supported);
  }
  p.type = static_cast<AutofsPacketType>(type);
  p.token = Read<uint32_t>(b, 8);
  p.dev = Read<uint32_t>(b, 12);
  p.ino = Read<uint64_t>(b, 16);
  p.uid = Read<uint32_t>(b, 24);
  p.gid = Read<uint32_t>(b, 28);
  p.pid = Read<uint32_t>(b, 32);
  p.tgid = Read<uint32_t>(b, 36);
  uint32_t len = Read<uint32_t>(b, 40);
  if (len > kNameMax || kNameOffset + len >= b.size() || b[kNameOffset + len] != 0) {
    return Status::Error("autofs packet with a bad name length " + std::to_string(len),
                         std::errc::bad_message);
  }
  const char* name = reinterpret_cast<const char*>(b.data() + kNameOffset);
  if (std::memchr(name, 0, len) != nullptr || std::memchr(name, '/', len) != nullptr) {
    return Status::Error("autofs packet with a NUL or '/' in its name", std::errc::bad_message);
  }
  p.name.assign(name, len);
  return p;
}

}  // namespace amd::kernel
