#include "maps/location_evaluator.h"

#include <catch2/catch.hpp>

#include "maps/network_match.h"
#include "tests/fakes/fake_world.h"

namespace amd::maps {
namespace {

struct Fixture {
  Fixture() {
    facts = testing::SkyFacts();
    ctx.facts = &facts;
    ctx.world = &world;
    ctx.map = "amd.home";
  }
  EntryResult Eval(std::string_view key, std::string_view value, std::string_view defaults = "") {
    ctx.key = std::string(key);
    ctx.path = "/home/" + std::string(key);
    return EvaluateEntry(value, defaults, ctx, &diag);
  }
  const LocationResult& Loc(const EntryResult& r, size_t i) { return *r.steps[i].location; }
  std::string Opt(const LocationResult& l, Option o) { return std::string(l.options.Value(o)); }

  HostFacts facts;
  testing::FakeWorld world;
  EvalContext ctx;
  Diagnostics diag;
};

TEST_CASE("manual example jsp: host!=charm selects nfs with sublink", "[unit]") {
  Fixture f;
  auto r = f.Eval("jsp", "host!=charm;type:=nfs;rhost:=charm;rfs:=/home/charm;sublink:=jsp",
                  "type:=nfs;opts:=rw,grpid,nosuid,intr,soft");
  REQUIRE(r.selected.size() == 1);
  const auto& l = f.Loc(r, 0);
  CHECK(f.Opt(l, Option::kType) == "nfs");
  CHECK(f.Opt(l, Option::kRhost) == "charm");
  CHECK(f.Opt(l, Option::kRfs) == "/home/charm");
  CHECK(f.Opt(l, Option::kFs) == "/a/charm/home/charm");
  CHECK(f.Opt(l, Option::kSublink) == "/a/charm/home/charm/jsp");
  CHECK(f.Opt(l, Option::kOpts) == "rw,grpid,nosuid,intr,soft");
  CHECK(f.Opt(l, Option::kRemopts) == "rw,grpid,nosuid,intr,soft");
  CHECK(l.mount_info == "charm:/home/charm");
}

TEST_CASE("manual example wp: '-' defaults and host selectors", "[unit]") {
  Fixture f;
  const char* wp =
      "-opts:=rw,grpid,nosuid;rhost:=charm host==charm;type:=link;fs:=/usr/local/wp "
      "host!=charm;type:=nfs;rfs:=/vol/wp";
  auto r = f.Eval("wp", wp, "type:=nfs;opts:=rw,grpid,nosuid,intr,soft");
  REQUIRE(r.steps.size() == 3);
  CHECK_FALSE(f.Loc(r, 1).selected);
  CHECK(f.Loc(r, 1).reason.find("host==charm") != std::string::npos);
  REQUIRE(r.selected == std::vector<size_t>{2});
  const auto& l = f.Loc(r, 2);
  CHECK(f.Opt(l, Option::kOpts) == "rw,grpid,nosuid");
  CHECK(f.Opt(l, Option::kRhost) == "charm");
  CHECK(f.Opt(l, Option::kFs) == "/a/charm/vol/wp");
  f.facts.host = "charm";
  auto r2 = f.Eval("wp", wp, "type:=nfs");
  REQUIRE(r2.selected.size() == 1);
  CHECK(f.Opt(f.Loc(r2, r2.selected[0]), Option::kType) == "link");
  CHECK(f.Loc(r2, 1).mount_info == "/usr/local/wp");
}

TEST_CASE("manual example '*': replicas and a quoted sublink", "[unit]") {
  Fixture f;
  auto r = f.Eval("tex",
                  "-type:=nfs;rfs:=/export/exec/${arch};sublink:=\"${key}\" rhost:=fserv1 "
                  "rhost:=fserv2");
  REQUIRE(r.selected.size() == 2);
  CHECK(f.Opt(f.Loc(r, 1), Option::kRhost) == "fserv1");
  CHECK(f.Opt(f.Loc(r, 2), Option::kRhost) == "fserv2");
  CHECK(f.Opt(f.Loc(r, 2), Option::kRfs) == "/export/exec/x86_64");
  CHECK(f.Opt(f.Loc(r, 2), Option::kSublink) == "/a/fserv2/export/exec/x86_64/tex");
}

TEST_CASE("manual example rwho: the cut stops after a selected group", "[unit]") {
  Fixture f;
  const char* rwho =
      "-byte==little;rfs:=/usr/spool/rwho rhost:=vaxA rhost:=vaxB || "
      "-rfs:=/usr/spool/rwho rhost:=sun4";
  auto r = f.Eval("usr/spool/rwho", rwho, "type:=nfs");
  // byte==little is true here: vaxA and vaxB are selected, sun4 is cut.
  CHECK(r.selected.size() == 2);
  CHECK(r.cut_step == 3);
  // Selectors inside a "-" defaults location are never evaluated by the
  // original (split_opts skips them): a big-endian host gets vaxA/vaxB too.
  f.facts.byte = "big";
  auto r2 = f.Eval("usr/spool/rwho", rwho, "type:=nfs");
  CHECK(r2.selected.size() == 2);
  CHECK(r2.cut_step == 3);
  // Written as location selectors, they do select.
  auto r3 = f.Eval("usr/spool/rwho",
                   "-rfs:=/usr/spool/rwho byte==little;rhost:=vaxA || rhost:=sun4", "type:=nfs");
  REQUIRE(r3.selected.size() == 1);
  CHECK(f.Opt(f.Loc(r3, r3.selected[0]), Option::kRhost) == "sun4");
}

TEST_CASE("manual example home/*: netgroup functions", "[unit]") {
  Fixture f;
  const char* home =
      "netgrp(ppp-hosts);type:=link;fs:=/local/${key} "
      "!netgrp(ppp-hosts);type:=nfs;rhost:=serv1;rfs:=/remote/${key}";
  auto r = f.Eval("home/dk", home);
  REQUIRE(r.selected == std::vector<size_t>{1});
  CHECK(f.Opt(f.Loc(r, 1), Option::kRfs) == "/remote/home/dk");
  f.world.netgroups.insert("ppp-hosts,sky");
  auto r2 = f.Eval("home/dk", home);
  REQUIRE(r2.selected == std::vector<size_t>{0});
  CHECK(f.Loc(r2, 0).mount_info == "/local/home/dk");
  CHECK(f.Loc(r2, 0).checks.at(0).passed);
}

TEST_CASE("manual example dylan and disk: auto sub-map, ${dollar}", "[unit]") {
  Fixture f;
  auto r = f.Eval("dylan", "type:=auto;fs:=${map};pref:=${key}/");
  REQUIRE(r.selected.size() == 1);
  CHECK(f.Opt(f.Loc(r, 0), Option::kFs) == "amd.home");
  CHECK(f.Opt(f.Loc(r, 0), Option::kPref) == "dylan/");
  CHECK(f.Loc(r, 0).mount_info == "amd.home");
  auto d = f.Eval("disk", "type:=nfs;rhost:=srv;rfs:=/disk${dollar}s");
  CHECK(f.Opt(f.Loc(d, 0), Option::kRfs) == "/disk$s");
}

TEST_CASE("locations before the first '-' see every '-' of the entry", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "type:=link;fs:=/x -opts:=ro -opts:=nosuid;addopts:=quota");
  const auto& l = f.Loc(r, 0);
  CHECK(l.defaults == ";opts:=ro;opts:=nosuid;addopts:=quota");
  CHECK(f.Opt(l, Option::kOpts) == "nosuid,quota");
}

TEST_CASE("a lone '-' resets to the map defaults", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "-opts:=ro type:=link;fs:=/a - type:=link;fs:=/b", "opts:=rw");
  REQUIRE(r.selected.size() == 2);
  CHECK(f.Opt(f.Loc(r, 1), Option::kOpts) == "ro");
  CHECK(f.Opt(f.Loc(r, 3), Option::kOpts) == "rw");
}

TEST_CASE("location options override '-' defaults, which override /defaults", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "-opts:=b;rfs:=/r type:=nfs;opts:=c;rhost:=h", "opts:=a;type:=link;fs:=/z");
  const auto& l = f.Loc(r, 1);
  CHECK(f.Opt(l, Option::kOpts) == "c");
  CHECK(f.Opt(l, Option::kRfs) == "/r");
  CHECK(f.Opt(l, Option::kType) == "nfs");
  CHECK(f.Opt(l, Option::kFs) == "/z");
}

TEST_CASE("selector case rules", "[unit]") {
  Fixture f;
  CHECK(f.Eval("k", "host==SKY;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "os==LINUX;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "key==K;type:=link;fs:=/x").selected.empty());
  CHECK(f.Eval("k", "map==amd.home;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "domain==DOC.IC.AC.UK;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("Ab", "key==ab;type:=link;fs:=/x").selected.empty());
}

TEST_CASE("!=, =! and old-style = assignment", "[unit]") {
  Fixture f;
  CHECK(f.Eval("k", "arch!=sparc;type=link;fs=/x").selected.size() == 1);
  CHECK(f.Eval("k", "arch=!x86_64;type:=link;fs:=/x").selected.empty());
  auto r = f.Eval("k", "type=link;fs=/old");
  CHECK(f.Opt(f.Loc(r, 0), Option::kFs) == "/old");
}

TEST_CASE("quirks kept from the original", "[unit]") {
  Fixture f;
  // An unknown selector name is logged and ignored.
  CHECK(f.Eval("k", "colour==blue;type:=link;fs:=/x").selected.size() == 1);
  // '!' cannot negate ==: "!host" is an unknown name, so it passes.
  CHECK(f.Eval("k", "!host==sky;type:=link;fs:=/x").selected.size() == 1);
  // wire(X) is not a function: the location fails.
  CHECK(f.Eval("k", "wire(10);type:=link;fs:=/x").selected.empty());
  // Assigning to a selector fails the location.
  auto r = f.Eval("k", "host:=x;type:=link;fs:=/x");
  CHECK(r.selected.empty());
  CHECK(f.Loc(r, 0).reason.find("cannot assign") != std::string::npos);
  // An empty right-hand side of != is ignored; of == it compares with "".
  CHECK(f.Eval("k", "host!=;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "host==;type:=link;fs:=/x").selected.empty());
  // Comparing an option with == is accepted and checks nothing.
  CHECK(f.Eval("k", "type==nfs;type:=link;fs:=/x").selected.size() == 1);
  // Without type:= nothing is selected.
  auto n = f.Eval("k", "fs:=/x");
  CHECK(n.selected.empty());
  CHECK(f.Loc(n, 0).reason.find("no fs type") != std::string::npos);
  // An unknown type is not selected.
  CHECK(f.Eval("k", "type:=frobfs").selected.empty());
}

TEST_CASE("true() and false() with empty arguments", "[unit]") {
  Fixture f;
  CHECK(f.Eval("k", "true();type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "false();type:=link;fs:=/x").selected.empty());
  CHECK(f.Eval("k", "!false();type:=link;fs:=/x").selected.size() == 1);
}

TEST_CASE("exists, xhost, netgrpd, in_network and wire==", "[unit]") {
  Fixture f;
  f.world.files.insert("/opt/x11");
  CHECK(f.Eval("k", "exists(/opt/x11);type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "exists(/opt/none);type:=link;fs:=/x").selected.empty());
  CHECK(f.Eval("k", "xhost(sky.doc.ic.ac.uk);type:=link;fs:=/x").selected.size() == 1);
  f.world.hosts["www"] = {"sky.doc.ic.ac.uk", "www.doc.ic.ac.uk"};
  CHECK(f.Eval("k", "xhost(www);type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "xhost(other);type:=link;fs:=/x").selected.empty());
  f.world.netgroups.insert("staff,sky.doc.ic.ac.uk");
  CHECK(f.Eval("k", "netgrpd(staff);type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "netgrp(staff);type:=link;fs:=/x").selected.empty());
  CHECK(f.Eval("k", "netgrp(staff,sky.doc.ic.ac.uk);type:=link;fs:=/x").selected.size() == 1);
  f.world.networks.push_back(
      {*ParsePartialQuad("192.168.1.7"), *ParsePartialQuad("255.255.255.0"), ""});
  CHECK(f.Eval("k", "in_network(192.168.1);type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "wire==192.168.1;type:=link;fs:=/x").selected.size() == 1);
  CHECK(f.Eval("k", "network!=192.168.1;type:=link;fs:=/x").selected.empty());
  CHECK(f.Eval("k", "netnumber==10;type:=link;fs:=/x").selected.empty());
}

TEST_CASE("function arguments see the defaults' options", "[unit]") {
  Fixture f;
  f.world.files.insert("/srv/data");
  auto r = f.Eval("k", "exists(${fs});type:=link", "fs:=/srv/data");
  CHECK(r.selected.size() == 1);
}

TEST_CASE("option expansion order", "[unit]") {
  Fixture f;
  // fs sees the expanded rfs; sublink (expanded first) sees the raw fs.
  auto r = f.Eval("k", "type:=nfs;rhost:=h;rfs:=/e/${key};fs:=${rfs}/m;sublink:=${fs}");
  const auto& l = f.Loc(r, 0);
  CHECK(f.Opt(l, Option::kFs) == "/e/k/m");
  // The raw "${rfs}/m" is then relative, so it is put under ${fs}.
  CHECK(f.Opt(l, Option::kSublink) == "/e/k/m/${rfs}/m");
  // remopts defaults to the expanded opts.
  auto r2 = f.Eval("k", "type:=nfs;rhost:=h;opts:=ro,${key}");
  CHECK(f.Opt(f.Loc(r2, 0), Option::kRemopts) == "ro,k");
}

TEST_CASE("rhost domain stripping and canonical names", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "type:=nfs;rhost:=charm.doc.ic.ac.uk;rfs:=/x");
  CHECK(f.Opt(f.Loc(r, 0), Option::kRhost) == "charm");
  CHECK(f.Opt(f.Loc(r, 0), Option::kFs) == "/a/charm/x");
  auto r2 = f.Eval("k", "type:=nfs;rhost:=charm.other.org;rfs:=/x");
  CHECK(f.Opt(f.Loc(r2, 0), Option::kRhost) == "charm.other.org");
  f.ctx.domain_strip = false;
  auto r3 = f.Eval("k", "type:=nfs;rhost:=charm.doc.ic.ac.uk;rfs:=/x");
  CHECK(f.Opt(f.Loc(r3, 0), Option::kRhost) == "charm.doc.ic.ac.uk");
  f.ctx.normalize_hostnames = true;
  f.world.hosts["fs1"] = {"fileserver1.doc.ic.ac.uk"};
  auto r4 = f.Eval("k", "type:=nfs;rhost:=fs1;rfs:=/x");
  CHECK(f.Opt(f.Loc(r4, 0), Option::kRhost) == "fileserver1.doc.ic.ac.uk");
}

TEST_CASE("defaults: rhost is ${host}, rfs is ${path}, fs is autodir/rhost/rfs", "[unit]") {
  Fixture f;
  auto r = f.Eval("jsp", "type:=nfs");
  const auto& l = f.Loc(r, 0);
  CHECK(f.Opt(l, Option::kRhost) == "sky");
  CHECK(f.Opt(l, Option::kRfs) == "/home/jsp");
  CHECK(f.Opt(l, Option::kFs) == "/a/sky/home/jsp");
  CHECK(f.Opt(l, Option::kOpts) == "rw");
  CHECK(f.Opt(l, Option::kMountType) == "nfs");
}

TEST_CASE("opts leading '-' dropped, fs trailing slashes dropped", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "type:=link;fs:=/x/y//;opts:=-ro");
  CHECK(f.Opt(f.Loc(r, 0), Option::kFs) == "/x/y");
  CHECK(f.Opt(f.Loc(r, 0), Option::kOpts) == "ro");
}

TEST_CASE("type requirements", "[unit]") {
  Fixture f;
  CHECK(f.Eval("k", "type:=ext4").selected.empty());
  CHECK(f.Eval("k", "type:=ext4;dev:=/dev/sdb1").selected.size() == 1);
  CHECK(f.Eval("k", "type:=program").selected.empty());
  CHECK(f.Eval("k", "type:=program;mount:=/bin/true true").selected.size() == 1);
  CHECK(f.Eval("k", "type:=program;mount:=/m;unmount:=/u;umount:=/v").selected.empty());
  CHECK(f.Eval("k", "type:=linkx;fs:=/nope").selected.empty());
  f.world.files.insert("/yes");
  CHECK(f.Eval("k", "type:=linkx;fs:=/yes").selected.size() == 1);
  CHECK(f.Eval("k", "type:=error").selected.empty());
  CHECK(f.Eval("k", "type:=cachefs").selected.empty());
  auto nfsl = f.Eval("k", "type:=nfsl;rhost:=sky;rfs:=/x;fs:=/yes");
  CHECK(f.Loc(nfsl, 0).effective_type == "link");
  auto nfsl2 = f.Eval("k", "type:=nfsl;rhost:=other;rfs:=/x;fs:=/yes");
  CHECK(f.Loc(nfsl2, 0).effective_type == "nfs");
}

TEST_CASE("var0..var7 are scratch options", "[unit]") {
  Fixture f;
  auto r = f.Eval("k", "var0:=/srv;var1:=${key};type:=link;fs:=${var0}/${var1}");
  CHECK(f.Opt(f.Loc(r, 0), Option::kFs) == "/srv/k");
}

TEST_CASE("map defaults: first word only, or selectors_in_defaults", "[unit]") {
  Fixture f;
  f.ctx.key = "k";
  CHECK(ComputeMapDefaults("", std::nullopt, std::string("-type:=nfs;opts:=rw other:=1"), false,
                           f.ctx, &f.diag) == "type:=nfs;opts:=rw");
  CHECK(f.diag.items().size() == 1);
  std::string sel = "host==charm;type:=link os==linux;type:=nfs;opts:=ro";
  CHECK(ComputeMapDefaults("", std::nullopt, sel, true, f.ctx, &f.diag) == "type:=nfs;opts:=ro");
  // None matches: the first token, as written (the original's).
  CHECK(ComputeMapDefaults("", std::nullopt, std::string("host==nope;type:=nfs"), true, f.ctx,
                           &f.diag) == "host==nope;type:=nfs");
  // map_defaults overrides /defaults; the parent's defaults follow (and win).
  CHECK(ComputeMapDefaults("opts:=p", std::string("opts:=m"), std::string("opts:=d"), false, f.ctx,
                           &f.diag) == "opts:=m;opts:=p");
  CHECK(ComputeMapDefaults("opts:=p", std::nullopt, std::nullopt, false, f.ctx, &f.diag) ==
        "opts:=p");
}

}  // namespace
}  // namespace amd::maps

namespace amd::maps {
namespace {

TEST_CASE("each option's value may be 4,095 characters long, however long the whole location is",
          "[unit]") {
  Fixture f;
  std::string key(200, 'k');
  std::string fs = "/";
  for (int i = 0; i < 20; ++i) fs += "${key}";  // 4,001 characters
  // rfs and sublink copy the key too: the location's text is over 4,095
  // characters once ${key} is expanded, each value is not.
  auto r = f.Eval(key, "type:=link;rfs:=/${key}/${key};sublink:=${key};fs:=" + fs);
  REQUIRE(r.selected.size() == 1);
  const LocationResult& loc = *r.steps[r.selected[0]].location;
  CHECK(loc.options.Value(Option::kFs).size() == 4001);
  // One value over the limit fails its location, as the original's buffer did.
  auto over = f.Eval(key, "type:=link;fs:=" + fs + "${key}");
  CHECK(over.selected.empty());
}

}  // namespace
}  // namespace amd::maps

namespace amd::maps {
namespace {

TEST_CASE("selectors_in_defaults picks a /defaults token as the original's amfs_parse_defaults",
          "[unit]") {
  Fixture f;
  f.facts.os = "linux";
  f.ctx.key = "k";
  f.ctx.path = "/home/k";
  auto pick = [&](const std::string& slash_defaults) {
    return ComputeMapDefaults("", std::nullopt, slash_defaults, true, f.ctx, &f.diag);
  };
  // A token whose selectors hold but which sets no type is skipped, as one
  // whose type is unknown: the next token that matches is used.
  CHECK(pick("os==linux;opts:=notype os==linux;type:=bogus;opts:=unknown "
             "os==linux;type:=link;opts:=typed") == "type:=link;opts:=typed");
  // No token matches: the first token applies, as written.
  CHECK(pick("os==sunos;type:=nfs;opts:=first os==hpux;type:=nfs;opts:=second") ==
        "os==sunos;type:=nfs;opts:=first");
  // And one that matches loses its selectors.
  CHECK(pick("os==sunos;type:=nfs;opts:=first os==linux;type:=nfs;opts:=second") ==
        "type:=nfs;opts:=second");
}

TEST_CASE("replicated volume: the entry's nfs locations with one volume:= are its replicas",
          "[unit]") {
  Fixture f;
  auto r = f.Eval("dist",
                  "-type:=nfs;rfs:=/export/dist;volume:=/export/dist "
                  "rhost:=charm rhost:=sky;datapath:=relay rhost:=other;volume:=/export/other");
  REQUIRE(r.selected.size() == 3);
  const std::vector<std::string> both = {"charm:/export/dist", "sky:/export/dist"};
  CHECK(f.Loc(r, 1).replicas == both);
  CHECK(f.Loc(r, 2).replicas == both);
  CHECK(f.Loc(r, 3).replicas == std::vector<std::string>{"other:/export/dist"});
  // Plain entries mean what they meant: no replicas.
  auto plain = f.Eval("jsp", "type:=nfs;rhost:=charm;rfs:=/home/charm");
  CHECK(f.Loc(plain, 0).replicas.empty());
}

TEST_CASE("replicated volume: malformed entries are refused with the reason", "[unit]") {
  Fixture f;
  auto link = f.Eval("x", "type:=link;fs:=/tmp;volume:=/v");
  CHECK(link.selected.empty());
  CHECK(f.Loc(link, 0).reason == "volume:= makes nfs locations replicas; this one is type:=link");
  auto path = f.Eval("x", "type:=nfs;rhost:=charm;rfs:=/v;volume:=/v;datapath:=fast");
  CHECK(f.Loc(path, 0).reason == "datapath:=fast: expected relay or kernel");
  auto alone = f.Eval("x", "type:=nfs;rhost:=charm;rfs:=/v;policy:=p");
  CHECK(f.Loc(alone, 0).reason == "datapath:= and policy:= are for replicated volumes (volume:=)");
}

}  // namespace
}  // namespace amd::maps
