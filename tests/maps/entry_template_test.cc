// Entry templates: wherever one is made, instantiating it for a key gives
// exactly what evaluating the entry for that key gives; entries whose
// result depends on the key in any other way, or on the world, get none.
#include "maps/entry_template.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fakes/fake_world.h"

namespace amd::maps {
namespace {

// What differs between two results ("" when nothing does).
std::string Diff(const EntryResult& a, const EntryResult& b) {
  if (a.steps.size() != b.steps.size()) return "step count";
  if (a.cut_step != b.cut_step) return "cut";
  if (a.selected != b.selected) return "selected";
  for (size_t i = 0; i < a.steps.size(); ++i) {
    const EntryStep& x = a.steps[i];
    const EntryStep& y = b.steps[i];
    std::string at = "step " + std::to_string(i) + ": ";
    if (x.token.text != y.token.text || x.token.kind != y.token.kind) return at + "token";
    if (x.defaults_after != y.defaults_after) return at + "defaults_after";
    if (x.location.has_value() != y.location.has_value()) return at + "location";
    if (!x.location) continue;
    const LocationResult& l = *x.location;
    const LocationResult& m = *y.location;
    if (l.text != m.text || l.defaults != m.defaults) return at + "text";
    if (l.selected != m.selected || l.reason != m.reason)
      return at + "reason " + l.reason + " | " + m.reason;
    if (l.mount_info != m.mount_info)
      return at + "mount_info " + l.mount_info + " | " + m.mount_info;
    if (l.effective_type != m.effective_type) return at + "effective_type";
    if (l.checks.size() != m.checks.size()) return at + "checks";
    for (size_t c = 0; c < l.checks.size(); ++c) {
      const auto& p = l.checks[c];
      const auto& q = m.checks[c];
      if (p.text != q.text || p.actual != q.actual || p.expected != q.expected ||
          p.passed != q.passed || p.note != q.note) {
        return at + "check " + p.text;
      }
    }
    for (size_t o = 0; o < kOptionCount; ++o) {
      if (l.options.Get(static_cast<Option>(o)) != m.options.Get(static_cast<Option>(o))) {
        return at + "option " + std::to_string(o) + " " +
               std::string(l.options.Value(static_cast<Option>(o))) + " | " +
               std::string(m.options.Value(static_cast<Option>(o)));
      }
    }
  }
  return "";
}

struct Fixture {
  Fixture() {
    facts = testing::SkyFacts();
    world.files = {"/tmp", "/a/alice"};
    world.env = {{"HOME", "/root"}};
    world.hosts = {{"srv", {"srv.doc.ic.ac.uk"}}};
    ctx.facts = &facts;
    ctx.world = &world;
    ctx.map = "amd.home";
  }
  EvalContext For(const std::string& key) {
    EvalContext c = ctx;
    c.key = key;
    c.path = "/home/" + key;
    return c;
  }
  // Whether a template is made for `value`; when one is, it must agree
  // with evaluation for every key.
  bool Templated(const std::string& value, const std::string& defaults = "") {
    auto t = EntryTemplate::Make(value, defaults, For("alice"));
    if (!t) return false;
    for (std::string key : {"alice", "bob.smith", "a-b_c+d", "x1", "key", "with.two.dots", "K"}) {
      REQUIRE(KeyFitsTemplate(key));
      Diagnostics diag;
      EntryResult direct = EvaluateEntry(value, defaults, For(key), &diag);
      EntryResult reused = t->Instantiate(key);
      INFO(value << " [" << defaults << "] key " << key);
      CHECK(Diff(direct, reused) == "");
    }
    return true;
  }
  HostFacts facts;
  testing::FakeWorld world;
  EvalContext ctx;
};

TEST_CASE("templates of entries that use the key only whole", "[unit]") {
  Fixture f;
  CHECK(f.Templated("type:=lofs;rfs:=/src/${key};opts:=unmount"));
  CHECK(f.Templated("type:=nfs;rhost:=srv;rfs:=/export/${key};sublink:=${key}/sub"));
  CHECK(f.Templated("type:=link;fs:=/a/${key}"));
  CHECK(f.Templated("type:=lofs;rfs:=/s${path}"));
  CHECK(f.Templated("-opts:=ro type:=lofs;rfs:=/s/${key} || type:=link;fs:=/x/${key}"));
  CHECK(f.Templated("host==sky;type:=lofs;rfs:=/a/${key} host!=sky;type:=link;fs:=/b/${key}"));
  CHECK(f.Templated("arch==sparc;type:=lofs;rfs:=/a type:=nfs;rhost:=srv;rfs:=/v;sublink:=${key}"));
  CHECK(f.Templated("type:=nfs;rhost:=srv;rfs:=/v/${key};opts:=rw,${key};addopts:=nosuid,${key}"));
  CHECK(f.Templated("type:=ext4;dev:=/dev/disk/by-label/${key}"));
  CHECK(f.Templated("true();type:=lofs;rfs:=/t/${key}"));
  CHECK(f.Templated("type:=lofs;rfs:=/src/${key}", "opts:=nosuid;type:=nfs"));
}

TEST_CASE("no template where the key is taken apart, compared or the world asked", "[unit]") {
  Fixture f;
  for (std::string value : {
           "type:=lofs;rfs:=/src/${/key}",
           "type:=lofs;rfs:=/src/${key/}",
           "type:=lofs;rfs:=/a/${.key}",
           "type:=lofs;rfs:=/a/${key.}",
           "type:=lofs;rfs:=/a/${/path}",
           "type:=lofs;rfs:=${path/}",
           "key==alice;type:=lofs;rfs:=/a",
           "key!=bob;type:=lofs;rfs:=/a",
           "host==${key};type:=lofs;rfs:=/a",
           "exists(/tmp);type:=lofs;rfs:=/a",
           "!exists(/a/${key});type:=lofs;rfs:=/a",
           "in_network(10.0.0.0/8);type:=lofs;rfs:=/a",
           "type:=linkx;fs:=/a/${key}",
           "type:=nfsl;rhost:=sky;rfs:=/a;fs:=/a/${key}",
           "type:=${key}",
           "type:=nfs;rhost:=${key};rfs:=/a",
           "type:=lofs;rfs:=/a/${HOME}",
           "type:=lofs;rfs:=/a;nosuchoption:=1",
           "type:=host;rhost:=srv",
       }) {
    INFO(value);
    CHECK_FALSE(f.Templated(value));
  }
}

TEST_CASE("keys that may use a template", "[unit]") {
  CHECK(KeyFitsTemplate("alice"));
  CHECK(KeyFitsTemplate("bob.smith-2_x+y"));
  CHECK_FALSE(KeyFitsTemplate(""));
  CHECK_FALSE(KeyFitsTemplate("-opts"));
  CHECK_FALSE(KeyFitsTemplate(".hidden"));
  CHECK_FALSE(KeyFitsTemplate("a,b"));
  CHECK_FALSE(KeyFitsTemplate("a=b"));
  CHECK_FALSE(KeyFitsTemplate("a/b"));
  CHECK_FALSE(KeyFitsTemplate("a${x}"));
  CHECK_FALSE(KeyFitsTemplate("a:b"));
  CHECK_FALSE(KeyFitsTemplate(std::string(65, 'a')));
}

// Every entry of the golden maps, with and without its map's /defaults:
// wherever a template is made it agrees with evaluation.
TEST_CASE("templates agree with evaluation over the golden maps", "[unit]") {
  Fixture f;
  int entries = 0, templated = 0;
  for (const auto& file : std::filesystem::directory_iterator(
           std::filesystem::path(AMD_TEST_DATA_DIR) / "golden" / "maps")) {
    std::ifstream in(file.path());
    std::string line, defaults;
    bool in_map = false;
    std::vector<std::string> values;
    while (std::getline(in, line)) {
      if (line.rfind("==", 0) == 0) {
        in_map = line == "== map";
        continue;
      }
      if (!in_map || line.empty() || line[0] == '#' || line.back() == '\\') continue;
      std::istringstream words(line);
      std::string key, value;
      words >> key;
      std::getline(words >> std::ws, value);
      if (key == "/defaults") defaults = value;
      if (!value.empty()) values.push_back(value);
    }
    for (const auto& v : values) {
      ++entries;
      templated += f.Templated(v) ? 1 : 0;
      f.Templated(v, defaults);
    }
  }
  CHECK(entries > 50);
  CHECK(templated > 5);
}

}  // namespace
}  // namespace amd::maps
