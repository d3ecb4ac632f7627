// libFuzzer: amd.conf text through the parser and the option validation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "conf/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  amd::Diagnostics diag;
  auto config = amd::conf::BuildConfig(text, "fuzz.conf", {}, {}, &diag);
  if (config) amd::conf::PrintConfig(*config);
  return 0;
}
