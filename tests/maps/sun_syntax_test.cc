#include "maps/sun_syntax.h"

#include <catch2/catch.hpp>

namespace amd::maps {
namespace {

TEST_CASE("sun entries become Amd locations", "[unit]") {
  auto c = SunToAmd("jsp", "-rw,soft charm:/home/&", nullptr);
  REQUIRE(c);
  CHECK(c->value == "type:=nfs;opts:=rw,soft;rhost:=charm;rfs:=/home/jsp");
  auto r = SunToAmd("tex", "a,b(2):/export/$ARCH/tex", nullptr);
  CHECK(r->value ==
        "type:=nfs;rhost:=a;rfs:=/export/${arch}/tex type:=nfs;rhost:=b;rfs:=/export/${arch}/tex");
  auto cd = SunToAmd("cd", "-fstype=hsfs,ro :/dev/sr0", nullptr);
  CHECK(cd->value == "type:=cdfs;opts:=ro;dev:=/dev/sr0");
  auto local = SunToAmd("l", ":/export/l", nullptr);
  CHECK(local->value == "type:=link;fs:=/export/l");
}

TEST_CASE("sun multi-mounts become an auto entry with sub-keys", "[unit]") {
  auto c = SunToAmd("src", "-ro / srv:/src /doc -rw srv:/doc", nullptr);
  REQUIRE(c);
  CHECK(c->value == "type:=auto;fs:=${map};pref:=${key}/");
  REQUIRE(c->sub_entries.size() == 2);
  CHECK(c->sub_entries[1].first == "src/doc");
  CHECK(c->sub_entries[1].second == "type:=nfs;opts:=ro,rw;rhost:=srv;rfs:=/doc");
}

TEST_CASE("bad sun entries are rejected", "[unit]") {
  Diagnostics d;
  CHECK_FALSE(SunToAmd("x", "nocolon", &d));
  CHECK_FALSE(SunToAmd("x", "-ro", &d));
  CHECK(d.items().size() == 1);
}

}  // namespace
}  // namespace amd::maps
