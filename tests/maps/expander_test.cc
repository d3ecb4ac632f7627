#include "maps/expander.h"

#include <catch2/catch.hpp>

#include "tests/fakes/fake_world.h"

namespace amd::maps {
namespace {

struct Fixture {
  Fixture() {
    sel.Set(Selector::kHost, "sky");
    sel.Set(Selector::kHostd, "sky.doc.ic.ac.uk");
    sel.Set(Selector::kKey, "jsp");
    sel.Set(Selector::kPath, "/home/jsp");
    sel.Set(Selector::kAutodir, "/a");
    opts.Set(Option::kRfs, "/vol/home/jsp");
    opts.Set(Option::kRhost, "charm.doc.ic.ac.uk");
    world.env["HOME_SRV"] = "fserv";
    scope = ExpandScope{&sel, &opts, &world, true};
  }
  std::string Sel(std::string_view s) { return *Expand(s, ExpandPass::kSelectors, scope, &diag); }
  std::string Opt(std::string_view s) { return *Expand(s, ExpandPass::kOptions, scope, &diag); }
  SelectorValues sel;
  OptionTable opts;
  testing::FakeWorld world;
  ExpandScope scope;
  Diagnostics diag;
};

TEST_CASE("the five ${} forms", "[unit]") {
  Fixture f;
  CHECK(f.Opt("${rfs}") == "/vol/home/jsp");
  CHECK(f.Opt("${/rfs}") == "jsp");
  CHECK(f.Opt("${rfs/}") == "/vol/home");
  CHECK(f.Opt("${.rhost}") == "doc.ic.ac.uk");
  CHECK(f.Opt("${rhost.}") == "charm");
  CHECK(f.Sel("${hostd.}") == "sky");
  f.sel.Set(Selector::kPath, "/foo");
  CHECK(f.Sel("x${path/}y") == "xy");  // "/foo" -> ""
  f.sel.Set(Selector::kPath, "foo");
  CHECK(f.Sel("${path/}") == "foo");  // no slash: the whole value
  CHECK(f.Sel("${.host}") == "");     // no dot: empty
}

TEST_CASE("each pass leaves the other kind of variable alone", "[unit]") {
  Fixture f;
  CHECK(f.Sel("${host}:${rfs}") == "sky:${rfs}");
  CHECK(f.Opt("${host}:${rfs}") == "${host}:/vol/home/jsp");
  CHECK(f.Sel("${/rfs}") == "${/rfs}");
  CHECK(f.Sel("${dollar}") == "${dollar}");
  CHECK(f.Opt("${dollar}") == "$");
}

TEST_CASE("$$ is one $ per pass, other $ sequences are dropped as the original drops them",
          "[unit]") {
  Fixture f;
  CHECK(f.Sel("a$$b") == "a$b");
  CHECK(f.Opt(f.Sel("a$$$$b")) == "a$b");
  CHECK(f.Sel("/disk$s/x") == "/disk/x");  // "$s": both characters
  CHECK(f.diag.items().size() == 1);
  CHECK(f.Sel("cost$") == "cost");       // a trailing '$'
  CHECK(f.Sel("/u/${rfs") == "/u/rfs");  // "${" without '}': the "${" goes, the rest stays
}

TEST_CASE("unknown names come from the environment or expand to nothing", "[unit]") {
  Fixture f;
  CHECK(f.Sel("${HOME_SRV}:/x") == "fserv:/x");
  CHECK(f.Opt("${HOME_SRV}") == "fserv");
  f.diag.Clear();
  CHECK(f.Sel("a${nosuchvar}b") == "ab");
  REQUIRE(f.diag.items().size() == 1);
  CHECK(f.diag.items()[0].message.find("nosuchvar") != std::string::npos);
}

TEST_CASE("names longer than 16 characters never match", "[unit]") {
  Fixture f;
  f.world.env["ABCDEFGHIJKLMNOP"] = "sixteen";
  CHECK(f.Sel("${ABCDEFGHIJKLMNOPQRS}") == "sixteen");
}

TEST_CASE("a missing closing brace drops the \"${\" and keeps the rest, as the original",
          "[unit]") {
  Fixture f;
  CHECK(f.Sel("/x/${host") == "/x/host");
  CHECK(f.diag.items().size() == 1);
}

TEST_CASE("slash normalisation", "[unit]") {
  CHECK(NormalizeSlashes("/a//b///c/") == "/a/b/c/");
  CHECK(NormalizeSlashes("//srv//share") == "//srv/share");
  CHECK(NormalizeSlashes("///x") == "//x");
  CHECK(NormalizeSlashes("x//y//z") == "x//y/z");  // the first run keeps two
  CHECK(NormalizeSlashes("a\\/b") == "a\\/b");     // before the first '/': untouched
  CHECK(NormalizeSlashes("/a\\/\\/b") == "/a//b");
  CHECK(NormalizeSlashes("noslash") == "noslash");
  std::string s = "/a/b//";
  Deslashify(&s);
  CHECK(s == "/a/b");
  s = "/";
  Deslashify(&s);
  CHECK(s == "/");
  s = "//";
  Deslashify(&s);
  CHECK(s == "/");
}

TEST_CASE("expansions are normalised unless switched off", "[unit]") {
  Fixture f;
  f.opts.Set(Option::kFs, "/a//b");
  CHECK(f.Opt("${fs}//c") == "/a/b/c");
  f.scope.normalize_slashes = false;
  CHECK(f.Opt("${fs}//c") == "/a//b//c");
}

TEST_CASE("an expansion longer than the limit is an error", "[unit]") {
  Fixture f;
  std::string big(3000, 'x');
  f.opts.Set(Option::kFs, big);
  auto r = Expand("${fs}${fs}", ExpandPass::kOptions, f.scope, &f.diag);
  CHECK_FALSE(r);
  CHECK(f.diag.HasErrors());
}

TEST_CASE(".key and key. selectors", "[unit]") {
  Fixture f;
  // ${.key} and ${key.} are the domain/host parts of ${key}, as in the
  // original, whose table entries ".key"/"key." are reached by selectors.
  f.sel.Set(Selector::kKey, "x86.bin");
  CHECK(f.Sel("${.key}-${key.}") == "bin-x86");
}

}  // namespace
}  // namespace amd::maps
