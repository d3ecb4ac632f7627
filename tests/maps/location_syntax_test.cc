#include "maps/location_syntax.h"

#include <catch2/catch.hpp>

namespace amd::maps {
namespace {

using Kind = LocationToken::Kind;

TEST_CASE("locations split on unquoted white space", "[unit]") {
  auto t = SplitLocations("  -opts:=rw a:=\"x y\";b:=1\t|| / - c:=2 ");
  REQUIRE(t.size() == 6);
  CHECK(t[0].kind == Kind::kDefaults);
  CHECK(t[0].text == "opts:=rw");
  CHECK(t[0].column == 3);
  CHECK(t[1].kind == Kind::kLocation);
  CHECK(t[1].text == "a:=\"x y\";b:=1");
  CHECK(t[2].kind == Kind::kCut);
  CHECK(t[3].kind == Kind::kCut);  // the undocumented "/"
  CHECK(t[3].text == "/");
  CHECK(t[4].kind == Kind::kReset);
  CHECK(t[5].text == "c:=2");
}

TEST_CASE("fields split on semicolons, quotes removed, escapes only inside quotes", "[unit]") {
  auto f = SplitFields(";;type:=nfs;;rfs:=\"/a b\\t\\101\";x\\ty;");
  REQUIRE(f.size() == 3);
  CHECK(f[0].text == "type:=nfs");
  CHECK(f[0].column == 3);
  CHECK(f[1].text == "rfs:=/a b\tA");
  CHECK(f[2].text == "x\\ty");
  auto g = SplitFields("a:=\"\\g\\b\\n\\v\\f\\r\\e\\q\\\\\"");
  REQUIRE(g.size() == 1);
  CHECK(g[0].text == std::string("a:=\a\b\n\v\f\r\033q\\"));
}

TEST_CASE("field kinds", "[unit]") {
  using K = ParsedField::Kind;
  CHECK(ClassifyField("type:=nfs").kind == K::kAssign);
  CHECK(ClassifyField("type=nfs").kind == K::kOldAssign);
  CHECK(ClassifyField("host==sky").kind == K::kEqual);
  CHECK(ClassifyField("host!=sky").kind == K::kNotEqual);
  auto ne = ClassifyField("host=!sky");
  CHECK(ne.kind == K::kNotEqual);
  CHECK(ne.name == "host");
  CHECK(ne.value == "sky");
  auto fn = ClassifyField("!exists(/x/y)");
  CHECK(fn.kind == K::kNotFunction);
  CHECK(fn.name == "exists");
  CHECK(fn.value == "/x/y");
  CHECK(ClassifyField("true()").kind == K::kFunction);
  CHECK(ClassifyField("junk").kind == K::kNoValue);
  CHECK(ClassifyField("f(").kind == K::kNoValue);
  CHECK(ClassifyField("f(x").kind == K::kBadFunction);
  CHECK(ClassifyField("(x)").kind == K::kNoValue);
  auto v = ClassifyField("opts:=rw,a=b");
  CHECK(v.name == "opts");
  CHECK(v.value == "rw,a=b");
}

TEST_CASE("validation reports each problem with its column", "[unit]") {
  Diagnostics d;
  d.SetLocation("amd.test", 7);
  int n = ValidateEntry("type:=nfs;bogus:=1;host:=x;frob(1);junk \"unterminated", &d);
  CHECK(n == 6);
  REQUIRE(d.items().size() == 6);
  CHECK(d.items()[0].line == 7);
  CHECK(d.items()[0].column == 11);
  CHECK(d.items()[0].message.find("bogus") != std::string::npos);
  CHECK(d.items()[1].message.find("cannot assign to selector") != std::string::npos);
  CHECK(d.items()[2].message.find("unknown function") != std::string::npos);
  CHECK(d.items()[3].message.find("no value component") != std::string::npos);
  // '"unterminated' is a location of its own: unbalanced, and no value.
  CHECK(d.items()[4].message.find("unbalanced") != std::string::npos);
  CHECK(d.items()[5].message.find("no value component") != std::string::npos);
  Diagnostics ok;
  CHECK(ValidateEntry("-type:=nfs;opts:=rw host==sky;rhost:=a || !exists(/x);type:=link;fs:=/y",
                      &ok) == 0);
}

TEST_CASE("where amd differs from the original on purpose, the map loader says so", "[unit]") {
  auto warnings = [](std::string_view value) {
    Diagnostics d;
    ValidateEntry(value, &d);
    std::string all;
    for (const auto& i : d.items()) all += i.message + "\n";
    return all;
  };
  CHECK(warnings("false();type:=link;fs:=/x").find("false() with an empty argument") !=
        std::string::npos);
  CHECK(warnings("type:=link;fs:=/n/${wire}").find("${wire} expands to nothing") !=
        std::string::npos);
  CHECK(warnings("type:=link;fs:=/x;sublink:=\"\"").find("an empty quoted string") !=
        std::string::npos);
  CHECK(warnings("true(1);type:=link;fs:=/x") == "");
}

}  // namespace
}  // namespace amd::maps
