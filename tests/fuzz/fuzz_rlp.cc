// libFuzzer: any datagram to rlpd or to a requester. Whatever Decode
// accepts must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rlp/rlp_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto m = amd::rlp::Decode(in);
  if (!m.ok()) return 0;
  (void)amd::rlp::Describe(*m);
  auto back = amd::rlp::Encode(*m);
  if (!back.ok() || *back != std::vector<uint8_t>(in.begin(), in.end())) std::abort();
  return 0;
}
