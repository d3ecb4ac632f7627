// libFuzzer: any /etc/rlpd.yaml. The parser returns a configuration or
// an error naming the file and line; it never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rlp/rlpd_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = amd::rlp::ParseRlpdConfig(std::string_view(reinterpret_cast<const char*>(data), size),
                                     "fuzz.yaml");
  if (!c.ok() && !c.status().context().starts_with("fuzz.yaml:")) std::abort();
  return 0;
}
