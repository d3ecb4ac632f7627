// The autofs v5 packets the kernel writes to an automount daemon's pipe
// (linux/auto_fs.h struct autofs_v5_packet), decoded without I/O.
// Every read from the pipe is one whole packet (the kernel writes it in
// one go to a packet-mode pipe); anything else is rejected with a reason.
//
// Pure; any thread. Ownership: a decoded packet is the caller's value.
#ifndef AMD_KERNEL_SHIM_AUTOFS_PACKET_H_
#define AMD_KERNEL_SHIM_AUTOFS_PACKET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace amd::kernel {

// sizeof(union autofs_v5_packet_union) on 64-bit Linux; 32-bit kernels
// write 300 bytes (no tail padding), which is accepted too.
constexpr size_t kAutofsPacketSize = 304;
constexpr size_t kAutofsPacketMinSize = 300;

enum class AutofsPacketType : int {
  kMissingIndirect = 3,
  kExpireIndirect = 4,
  kMissingDirect = 5,
  kExpireDirect = 6,
};

struct AutofsPacket {
  AutofsPacketType type = AutofsPacketType::kMissingIndirect;
  int proto_version = 0;
  uint32_t token = 0;  // wait_queue_token: the answer's key
  uint32_t dev = 0;
  uint64_t ino = 0;
  uint32_t uid = 0;  // of the process that triggered it
  uint32_t gid = 0;
  uint32_t pid = 0;
  uint32_t tgid = 0;
  std::string name;  // the key (indirect) or "" / a path component (direct)

  bool is_missing() const {
    return type == AutofsPacketType::kMissingIndirect || type == AutofsPacketType::kMissingDirect;
  }
};

Result<AutofsPacket> DecodeAutofsPacket(std::span<const uint8_t> bytes);

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_AUTOFS_PACKET_H_
