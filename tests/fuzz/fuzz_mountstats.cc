// libFuzzer: any /proc/self/mountstats text. The parser keeps the records
// it can read and names the others by line; nfsiostat's figures of any two
// records it kept never crash either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kernel-shim/mountstats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t =
      amd::kernel::ParseMountStats(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& e : t.errors) {
    if (!e.starts_with("line ")) std::abort();
  }
  if (t.mounts.size() >= 2) (void)amd::kernel::IoStat(t.mounts[0], t.mounts[1]);
  return 0;
}
