#include "maps/map_text.h"

#include <catch2/catch.hpp>

namespace amd::maps {
namespace {

std::vector<std::pair<std::string, std::string>> Pairs(const MapText& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : m.entries()) out.emplace_back(std::string(e.key), std::string(e.value));
  return out;
}

TEST_CASE("records, blank lines and comments", "[unit]") {
  Diagnostics d;
  auto m = MapText::Parse("# header\n\n  a   type:=link;fs:=/x  \nb c # trailing\n", "m", &d);
  CHECK(Pairs(*m) == decltype(Pairs(*m)){{"a", "type:=link;fs:=/x"}, {"b", "c"}});
  CHECK(m->entries()[0].line == 3);
  CHECK(d.items().empty());
}

TEST_CASE("'#' starts a comment even inside quotes", "[unit]") {
  auto m = MapText::Parse("a opts:=\"x#y\"\n", "m", nullptr);
  CHECK(Pairs(*m)[0].second == "opts:=\"x");
}

TEST_CASE("continuations remove the backslash, newline and next indentation", "[unit]") {
  auto m = MapText::Parse("k valA;   \\\n     valB\nj valB;\\\n  valC\nlast x\n", "m", nullptr);
  auto p = Pairs(*m);
  REQUIRE(p.size() == 3);
  CHECK(p[0].second == "valA;   valB");
  CHECK(p[1].second == "valB;valC");
  CHECK(m->entries()[2].line == 5);
}

TEST_CASE("a comment line continued swallows the next line", "[unit]") {
  auto m = MapText::Parse("# note \\\nhidden x\nshown y\n", "m", nullptr);
  CHECK(Pairs(*m) == decltype(Pairs(*m)){{"shown", "y"}});
}

TEST_CASE("a key with no value is reported and skipped", "[unit]") {
  Diagnostics d;
  auto m = MapText::Parse("lonely\ngood v\n", "amd.x", &d);
  CHECK(m->entries().size() == 1);
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].ToString() ==
        "amd.x:1: warning: key \"lonely\" has no value field; line skipped");
}

TEST_CASE("lines of 1500 or more characters are cut to 1499", "[unit]") {
  Diagnostics d;
  std::string v(2000, 'x');
  auto m = MapText::Parse("k " + v + "\nok y\n", "m", &d);
  REQUIRE(m->entries().size() == 2);
  CHECK(m->entries()[0].value.size() == kMaxMapLine - 1 - 2);
  CHECK(d.items().size() == 1);
  CHECK(d.items()[0].line == 1);
}

TEST_CASE("the last line needs no newline", "[unit]") {
  Diagnostics d;
  auto m = MapText::Parse("a b\nc d", "m", &d);
  CHECK(m->entries().size() == 2);
  CHECK(d.items().empty());
}

TEST_CASE("binary junk does not crash and keeps good lines", "[unit]") {
  static const char kJunk[] = "\0\xff\x01 \x02\n\\\n\\";
  std::string junk(kJunk, sizeof kJunk - 1);
  auto m = MapText::Parse(junk + "\ngood v\n", "m", nullptr);
  CHECK(m->entries().back().key == "good");
}

}  // namespace
}  // namespace amd::maps
