// libFuzzer: map text through the file-map lexer, the entry validator and
// the evaluator. Must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "maps/location_evaluator.h"
#include "maps/location_syntax.h"
#include "maps/map_text.h"
#include "tests/fakes/fake_world.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  amd::Diagnostics diag;
  auto m = amd::maps::MapText::Parse(text, "fuzz", &diag);
  amd::testing::FakeWorld world;
  amd::maps::HostFacts facts = amd::testing::SkyFacts();
  amd::maps::EvalContext ctx;
  ctx.facts = &facts;
  ctx.world = &world;
  ctx.map = "fuzz";
  int n = 0;
  for (const auto& e : m->entries()) {
    if (++n > 64) break;
    amd::maps::ValidateEntry(e.value, &diag);
    ctx.key = std::string(e.key);
    ctx.path = "/f/" + ctx.key;
    amd::maps::EvaluateEntry(e.value, "type:=nfs", ctx, &diag);
  }
  return 0;
}
