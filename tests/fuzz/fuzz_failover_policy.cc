// libFuzzer: any failover policy file. The parser returns a policy or an
// error naming the file and line; it never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "failover/policy_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = amd::failover::ParsePolicy(std::string_view(reinterpret_cast<const char*>(data), size),
                                      "fuzz.yaml");
  if (!p.ok() && !p.status().context().starts_with("fuzz.yaml:")) std::abort();
  return 0;
}
