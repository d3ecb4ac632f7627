#include "base/strings.h"

#include <catch2/catch.hpp>

#include "base/diagnostic.h"

namespace amd {

TEST_CASE("TrimSpace and SplitOn", "[unit]") {
  CHECK(TrimSpace("  a b \t") == "a b");
  CHECK(SplitOn("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(SplitOn("", ',').size() == 1);
}

TEST_CASE("LogSafe escapes every control character and keeps UTF-8 text", "[unit]") {
  CHECK(LogSafe("plain key") == "plain key");
  CHECK(LogSafe("a\rb\x1b[2Jc\x07"
                "d\ne\tf\x7f") == "a\\rb\\x1b[2Jc\\x07d\\ne\\tf\\x7f");
  CHECK(LogSafe(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(LogSafe("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(LogSafe("c1 \xc2\x9b csi") == "c1 \\xc2\\x9b csi");    // U+009B, a terminal's CSI
  CHECK(LogSafe("bad \xff\xc3 end") == "bad \\xff\\xc3 end");  // not UTF-8
  CHECK(LogSafe("\xe0\x80\x80 \xed\xa0\x80") ==
        "\\xe0\\x80\\x80 \\xed\\xa0\\x80");  // overlong, surrogate
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
