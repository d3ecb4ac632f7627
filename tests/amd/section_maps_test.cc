#include "amd/section_maps.h"

#include <catch2/catch.hpp>

#include "tests/fakes/temp_dir.h"

namespace amd {
namespace {

std::shared_ptr<const conf::Config> Config(const std::string& text) {
  Diagnostics d;
  auto c = conf::BuildConfig(text, "amd.conf", {}, {}, &d);
  REQUIRE(c);
  return c;
}

TEST_CASE("map_options assignments, direct sections, map_defaults", "[unit]") {
  CHECK(AssignedOption("cache:=inc;type:=direct;cache=all", "cache") == "all");
  CHECK_FALSE(AssignedOption("cache==inc", "cache"));
  auto c = Config(
      "[global]\nmap_defaults = opts:=ro\n[/a]\nmap_name = a\nmap_options = type:=direct\n"
      "[/b]\nmap_name = b\n");
  CHECK(IsDirectSection(c->maps[0].settings));
  CHECK_FALSE(IsDirectSection(c->maps[1].settings));
  CHECK(MapDefaultsOverride(c->maps[1].settings) == "opts:=ro");
  auto none = Config("[/b]\nmap_name = b\n");
  CHECK_FALSE(MapDefaultsOverride(none->maps[0].settings));
}

TEST_CASE("a section's map honours map_type, maptype:= and cache:=", "[unit]") {
  testing::TempDir t;
  t.Write("m", "k type:=link;fs:=/x\n");
  auto c = Config(
      "[global]\nsearch_path = " + t.path() +
      "\n[/a]\nmap_name = m\n"
      "map_options = cache:=inc;maptype:=file\n[/b]\nmap_name = m\nmap_options = maptype:=ldap\n");
  Diagnostics d;
  auto a = LoadSectionMap(c->maps[0].settings, &d);
  REQUIRE(a);
  CHECK(maps::CacheSpecName(a->cache()) == "inc");
  CHECK_FALSE(LoadSectionMap(c->maps[1].settings, &d));  // maptype:= wins, and ldap is not here
  CHECK(d.items().back().message.find("not available") != std::string::npos);
}

}  // namespace
}  // namespace amd
