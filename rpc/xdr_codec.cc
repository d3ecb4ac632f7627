// XDR through libtirpc memory streams; see xdr_codec.h.
#include "rpc/xdr_codec.h"

#include <system_error>

namespace amd::rpc {

Result<std::vector<uint8_t>> XdrEncode(xdrproc_t proc, const void* value, size_t max) {
  std::vector<uint8_t> buf(max);
  XDR xdrs;
  xdrmem_create(&xdrs, reinterpret_cast<char*>(buf.data()), static_cast<u_int>(buf.size()),
                XDR_ENCODE);
  bool ok = proc(&xdrs, const_cast<void*>(value)) != 0;
  size_t used = xdr_getpos(&xdrs);
  xdr_destroy(&xdrs);
  if (!ok)
    return Status::Error(
        "XDR: the value does not fit its type or " + std::to_string(max) + " bytes",
        std::errc::value_too_large);
  buf.resize(used);
  return buf;
}

Status XdrDecode(xdrproc_t proc, std::span<const uint8_t> bytes, void* value) {
  XDR xdrs;
  xdrmem_create(&xdrs, reinterpret_cast<char*>(const_cast<uint8_t*>(bytes.data())),
                static_cast<u_int>(bytes.size()), XDR_DECODE);
  bool ok = proc(&xdrs, value) != 0;
  size_t used = xdr_getpos(&xdrs);
  xdr_destroy(&xdrs);
  if (!ok) {
    XdrFree(proc, value);
    return Status::Error("XDR: malformed or truncated", std::errc::bad_message);
  }
  if (used != bytes.size()) {
    XdrFree(proc, value);
    return Status::Error("XDR: " + std::to_string(bytes.size() - used) + " bytes left over",
                         std::errc::bad_message);
  }
  return {};
}

void XdrFree(xdrproc_t proc, void* value) {
  XDR xdrs;
  xdrs.x_op = XDR_FREE;
  proc(&xdrs, value);
}

}  // namespace amd::rpc
