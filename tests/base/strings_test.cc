#include "base/strings.h"

#include <catch2/catch.hpp>

#include "base/diagnostic.h"

namespace amd {

TEST_CASE("TrimSpace and SplitOn", "[unit]") {
  CHECK(TrimSpace("  a b \t") == "a b");
  CHECK(SplitOn("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(SplitOn("", ',').size() == 1);
}

TEST_CASE("Printable escapes control characters", "[unit]") {
  CHECK(Printable(std::string("a\tb\x01\xff", 5)) == "a\\tb\\x01\\xff");
}

TEST_CASE("ParseInteger accepts whole numbers only", "[unit]") {
  CHECK(ParseInteger("42") == 42);
  CHECK(ParseInteger("-7") == -7);
  CHECK(ParseInteger("+3") == 3);
  CHECK_FALSE(ParseInteger("10s"));
  CHECK_FALSE(ParseInteger(""));
  CHECK_FALSE(ParseInteger("+"));
}

TEST_CASE("Diagnostic formats file, line and column", "[unit]") {
  Diagnostics d;
  d.SetLocation("/etc/amd/amd.home", 12);
  d.Warning("bad thing", 4);
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].ToString() == "/etc/amd/amd.home:12:4: warning: bad thing");
  CHECK_FALSE(d.HasErrors());
}

}  // namespace amd
