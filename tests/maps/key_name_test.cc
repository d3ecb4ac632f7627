#include "maps/key_name.h"

#include <catch2/catch.hpp>

#include "tests/fakes/fake_world.h"

namespace amd::maps {
namespace {

TEST_CASE("requested names may not hold \" ' ! ; @ or white space", "[unit]") {
  for (const char* bad : {"a\"b", "a'b", "a!b", "a;b", "a@b", "a b", "a\tb", "a\nb"}) {
    INFO(bad);
    CHECK(CheckKeyName(bad));
  }
  CHECK_FALSE(CheckKeyName("jsp"));
  CHECK_FALSE(CheckKeyName("x86_64.bin-1+2"));
}

TEST_CASE("selector variables in a requested name are expanded", "[unit]") {
  HostFacts facts = testing::SkyFacts();
  testing::FakeWorld world;
  Diagnostics d;
  CHECK(ExpandRequestedName("${arch}.bin", facts, &world, true, &d) == "x86_64.bin");
  CHECK(ExpandRequestedName("${host}-${key}", facts, &world, true, &d) == "sky-");
  CHECK(ExpandRequestedName("plain", facts, &world, true, &d) == "plain");
}

}  // namespace
}  // namespace amd::maps
