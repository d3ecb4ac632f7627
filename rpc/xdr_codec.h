// XDR encoding and decoding of the types rpcgen generates (amq.x), through
// libtirpc's memory streams. A decoded value owns memory that XdrFree
// releases; XdrValue does it by itself.
//
// Threading: any thread. Ownership: as said, XdrValue frees what it decoded.
#ifndef AMD_RPC_XDR_CODEC_H_
#define AMD_RPC_XDR_CODEC_H_

#include <rpc/rpc.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/status.h"

namespace amd::rpc {

// Encodes `value` with `proc` (e.g. xdr_amq_mount_tree_p). Fails only
// when the value breaks its type's limits or exceeds `max` bytes.
Result<std::vector<uint8_t>> XdrEncode(xdrproc_t proc, const void* value, size_t max = 1 << 20);
// Decodes `bytes` into `value` (zeroed first) with `proc`; every byte must
// be used. On failure nothing is left allocated.
Status XdrDecode(xdrproc_t proc, std::span<const uint8_t> bytes, void* value);
// Frees what a decode allocated inside `value`.
void XdrFree(xdrproc_t proc, void* value);

// A decoded value of type T that frees itself.
template <typename T>
class XdrValue {
 public:
  explicit XdrValue(xdrproc_t proc) : proc_(proc) { std::memset(&value_, 0, sizeof value_); }
  ~XdrValue() { XdrFree(proc_, &value_); }
  XdrValue(const XdrValue&) = delete;
  XdrValue& operator=(const XdrValue&) = delete;
  Status Decode(std::span<const uint8_t> bytes) {
    XdrFree(proc_, &value_);
    return XdrDecode(proc_, bytes, &value_);
  }
  T& get() { return value_; }
  const T& get() const { return value_; }

 private:
  xdrproc_t proc_;
  T value_;
};

}  // namespace amd::rpc

#endif  // AMD_RPC_XDR_CODEC_H_
