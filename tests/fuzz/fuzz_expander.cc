// libFuzzer: both expansion passes and slash normalisation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "maps/expander.h"
#include "tests/fakes/fake_world.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  amd::maps::SelectorValues sel;
  sel.Set(amd::maps::Selector::kKey, "a/b.c");
  sel.Set(amd::maps::Selector::kHost, "sky");
  amd::maps::OptionTable opts;
  opts.Set(amd::maps::Option::kRfs, text.substr(0, 64));
  amd::testing::FakeWorld world;
  world.env["X"] = "/env/x";
  amd::maps::ExpandScope scope{&sel, &opts, &world, true};
  amd::Diagnostics diag;
  auto a = amd::maps::Expand(text, amd::maps::ExpandPass::kSelectors, scope, &diag);
  if (a) amd::maps::Expand(*a, amd::maps::ExpandPass::kOptions, scope, &diag);
  std::string s = amd::maps::NormalizeSlashes(text);
  amd::maps::Deslashify(&s);
  return 0;
}
