#include "amd/explain.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/fakes/fake_world.h"
#include "tests/fakes/temp_dir.h"

namespace amd {
namespace {

// The manual's example map (reference section 1.9), served at /home.
constexpr char kManualMap[] =
    "/defaults   type:=nfs;opts:=rw,grpid,nosuid,intr,soft\n"
    "jsp         host!=charm;type:=nfs;rhost:=charm;rfs:=/home/charm;sublink:=jsp\n"
    "wp          -opts:=rw,grpid,nosuid;rhost:=charm \\\n"
    "            host==charm;type:=link;fs:=/usr/local/wp \\\n"
    "            host!=charm;type:=nfs;rfs:=/vol/wp\n"
    "*           -type:=nfs;rfs:=/export/exec/${arch};sublink:=\"${key}\" rhost:=fserv1 "
    "rhost:=fserv2\n"
    "dylan       type:=auto;fs:=${map};pref:=${key}/\n"
    "dylan/*     type:=link;fs:=/local/${key}\n"
    "disk        type:=nfs;rhost:=srv;rfs:=/disk${dollar}s\n";

struct Fixture {
  Fixture() {
    dir.Write("amd.home", kManualMap);
    std::string conf = "[global]\nsearch_path = " + dir.path() + "\n[/home]\nmap_name = amd.home\n";
    config = conf::BuildConfig(conf, "amd.conf", {}, {}, &diag);
    facts = testing::SkyFacts();
  }
  Explanation Run(const std::string& path) { return Explain(*config, facts, &world, path); }
  testing::TempDir dir;
  Diagnostics diag;
  std::shared_ptr<const conf::Config> config;
  maps::HostFacts facts;
  testing::FakeWorld world;
};

TEST_CASE("explain: the manual's jsp entry", "[unit]") {
  Fixture f;
  Explanation e = f.Run("/home/jsp");
  REQUIRE(e.selected);
  CHECK(e.outcome == "mount nfs charm:/home/charm on /home/jsp");
  auto j = nlohmann::json::parse(ExplanationJson(e));
  CHECK(j["map"] == f.dir.path() + "/amd.home");  // as search_path found it (${map})
  CHECK(j["key"] == "jsp");
  CHECK(j["matched_key"] == "jsp");
  REQUIRE(j["locations"].size() == 1);
  CHECK(j["locations"][0]["selected"] == true);
  CHECK(j["locations"][0]["options"]["sublink"] == "/a/charm/home/charm/jsp");
  CHECK(j["locations"][0]["options"]["opts"] == "rw,grpid,nosuid,intr,soft");
  CHECK(j["defaults"] == "type:=nfs;opts:=rw,grpid,nosuid,intr,soft");
}

TEST_CASE("explain: opts on a local network, remopts beyond it", "[unit]") {
  Fixture f;
  f.dir.Write("amd.home", std::string(kManualMap) +
                              "near type:=nfs;rhost:=near;rfs:=/x;opts:=rw;remopts:=ro\n"
                              "far  type:=nfs;rhost:=far;rfs:=/x;opts:=rw;remopts:=ro\n"
                              "loc  type:=link;fs:=/x;opts:=rw;remopts:=ro\n");
  f.world.networks.push_back({0xc0a80107, 0xffffff00, ""});  // 192.168.1.7/24
  f.world.addresses["near"] = {0xc0a80109};
  f.world.addresses["far"] = {0x0a000001};
  auto near = nlohmann::json::parse(ExplanationJson(f.Run("/home/near")));
  CHECK(near["locations"][0]["mount_options"] == "rw");
  CHECK(near["locations"][0]["mount_options_from"] == "opts");
  auto far = nlohmann::json::parse(ExplanationJson(f.Run("/home/far")));
  CHECK(far["locations"][0]["mount_options"] == "ro");
  CHECK(far["locations"][0]["mount_options_from"] == "remopts");
  auto loc = nlohmann::json::parse(ExplanationJson(f.Run("/home/loc")));
  CHECK(loc["locations"][0]["mount_options_from"] == "opts");
  CHECK(ExplanationText(f.Run("/home/far"))
            .find("mount options: ro (remopts: rhost far is not on a local network)") !=
        std::string::npos);
}

TEST_CASE("explain: wildcard, replicas, and the selector trace", "[unit]") {
  Fixture f;
  Explanation e = f.Run("/home/tex");
  REQUIRE(e.selected);
  auto j = nlohmann::json::parse(ExplanationJson(e));
  CHECK(j["matched_key"] == "*");
  REQUIRE(j["locations"].size() == 2);
  CHECK(j["locations"][1]["options"]["rhost"] == "fserv2");
  CHECK(j["locations"][1]["options"]["sublink"] == "/a/fserv2/export/exec/x86_64/tex");
  Explanation w = f.Run("/home/wp");
  auto jw = nlohmann::json::parse(ExplanationJson(w));
  CHECK(jw["locations"][0]["selected"] == false);
  CHECK(jw["locations"][0]["selectors"][0]["value"] == "sky");
  CHECK(jw["locations"][1]["options"]["fs"] == "/a/charm/vol/wp");
  std::string text = ExplanationText(w);
  CHECK(text.find("not selected: selector host==charm is false (host is \"sky\")") !=
        std::string::npos);
}

TEST_CASE("explain: sub-maps with pref", "[unit]") {
  Fixture f;
  Explanation e = f.Run("/home/dylan/dk2");
  REQUIRE(e.selected);
  REQUIRE(e.steps.size() == 2);
  CHECK(e.steps[1].key == "dylan/dk2");
  CHECK(e.steps[1].lookup.matched_key == "dylan/*");
  CHECK(e.outcome == "mount link /local/dylan/dk2 on /home/dylan/dk2");
}

TEST_CASE("explain: nothing selected, unknown paths", "[unit]") {
  Fixture f;
  f.facts.host = "charm";
  Explanation e = f.Run("/home/jsp");
  CHECK_FALSE(e.selected);
  CHECK(e.outcome.find("no location") != std::string::npos);
  CHECK_FALSE(f.Run("/elsewhere/x").selected);
  CHECK_FALSE(f.Run("/home").selected);
  auto j = nlohmann::json::parse(ExplanationJson(f.Run("/elsewhere/x")));
  CHECK(j["locations"].empty());
}

TEST_CASE("explain: requested names are checked and selector-expanded", "[unit]") {
  Fixture f;
  Explanation bad = f.Run("/home/a;b");
  CHECK_FALSE(bad.selected);
  CHECK(bad.outcome.find("disallowed character") != std::string::npos);
  Explanation arch = f.Run("/home/${arch}.bin");
  REQUIRE(arch.selected);
  CHECK(arch.steps[0].key == "x86_64.bin");
  CHECK(arch.steps[0].node == "/home/x86_64.bin");
  Explanation dots = f.Run("/home/./x/../jsp");
  REQUIRE(dots.selected);
  CHECK(dots.steps[0].key == "jsp");
}

TEST_CASE("explain: direct maps are looked up by the path", "[unit]") {
  Fixture f;
  f.dir.Write("amd.direct", "/defaults type:=link\n/usr/share/stuff fs:=/opt/stuff\n");
  std::string conf = "[global]\nsearch_path = " + f.dir.path() +
                     "\n[/home]\nmap_name = amd.home\n[/-]\nmap_name = amd.direct\n"
                     "map_options = type:=direct\n";
  Diagnostics d;
  auto config = conf::BuildConfig(conf, "amd.conf", {}, {}, &d);
  REQUIRE(config);
  Explanation e = Explain(*config, f.facts, &f.world, "/usr/share/stuff/inner/file");
  REQUIRE(e.selected);
  CHECK(e.mount_point == "/usr/share/stuff");
  CHECK(e.steps.at(0).key == "/usr/share/stuff");
  CHECK(e.outcome ==
        "mount link /opt/stuff on /usr/share/stuff (the rest of the path is inside it)");
  CHECK(Explain(*config, f.facts, &f.world, "/home/jsp").selected);
}

TEST_CASE("explain: ${dollar}", "[unit]") {
  Fixture f;
  auto j = nlohmann::json::parse(ExplanationJson(f.Run("/home/disk")));
  CHECK(j["locations"][0]["options"]["rfs"] == "/disk$s");
}

}  // namespace
}  // namespace amd
