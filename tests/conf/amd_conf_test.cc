#include <catch2/catch.hpp>

#include "conf/command_line.h"
#include "conf/config.h"

namespace amd::conf {
namespace {

std::shared_ptr<const Config> Build(const std::string& text, Diagnostics* d, CommandLine cmd = {}) {
  return BuildConfig(text, "amd.conf", cmd, {{"arch", "x86_64"}}, d);
}

TEST_CASE("the original's grammar", "[unit]") {
  Diagnostics d;
  auto c = Build(
      "# comment\n  # indented comment\n[ global ]\nauto_dir = /n\nlog_options = \"all\"\n"
      "map_options = cache:=all\n\n[/home]\nmap_name = amd.home\nmap_type = file\n",
      &d);
  REQUIRE(c);
  CHECK(d.items().empty());
  CHECK(c->global.Get("auto_dir") == "/n");
  CHECK(c->global.Get("arch") == "x86_64");  // host default
  CHECK(c->global.Get("cache_duration") == "300");
  REQUIRE(c->maps.size() == 1);
  CHECK(c->maps[0].dir == "/home");
  CHECK(c->maps[0].section.Get("map_name") == "amd.home");
  CHECK(c->maps[0].section.Get("map_options") == "cache:=all");  // inherited from [global]
}

TEST_CASE("typed settings hold each section's values, inherited ones and defaults", "[unit]") {
  Diagnostics d;
  auto c = Build(
      "[global]\nauto_dir = /n\ncache_duration = 60\nunmount_on_exit = yes\n"
      "map_options = cache:=all\nmap_defaults = opts:=ro\nexec_map_timeout = 0\n"
      "[/home]\nmap_name = amd.home\nmount_type = nfs\nbrowsable_dirs = full\n"
      "[/net]\nmap_name = amd.net\nmap_defaults = \"\"\n",
      &d);
  REQUIRE(c);
  const GlobalSettings& g = c->settings;
  CHECK(g.auto_dir == "/n");
  CHECK(g.arch == "x86_64");  // host default
  CHECK(g.cache_duration == 60);
  CHECK(g.dismount_interval == 120);  // default
  CHECK(g.unmount_on_exit);
  CHECK(g.autofs_use_lofs);
  CHECK(g.portmap_program == 300019);
  CHECK(g.maps.exec_map_timeout == 10);  // 0 falls back, as in the original
  REQUIRE(c->maps.size() == 2);
  const MapSettingsSection& home = c->maps[0].settings;
  CHECK(home.map_name == "amd.home");
  CHECK(home.map_options == "cache:=all");  // from [global]
  CHECK(home.mount_type == "nfs");
  CHECK(home.browsable_dirs == "full");
  CHECK(home.map_defaults_set);
  CHECK(home.map_defaults == "opts:=ro");
  const MapSettingsSection& net = c->maps[1].settings;
  CHECK(net.mount_type == "autofs");
  CHECK(net.map_defaults_set);  // set, to nothing
  CHECK(net.map_defaults.empty());
}

TEST_CASE("extensions: key=value without spaces, trailing comments, no final newline", "[unit]") {
  Diagnostics d;
  auto c = Build("[global]\nauto_dir=/n # where mounts go\nplock =no\n[/x]\nmap_name= m", &d);
  REQUIRE(c);
  CHECK(c->global.Get("auto_dir") == "/n");
  CHECK(c->global.Get("plock") == "no");
  CHECK(c->maps[0].section.Get("map_name") == "m");
}

TEST_CASE("quoted values may hold spaces and run over lines", "[unit]") {
  Diagnostics d;
  auto c =
      Build("[global]\nmap_defaults = \"opts:=rw type:=nfs\"\nsearch_path = \"/a:\n/b\"\n", &d);
  REQUIRE(c);
  CHECK(c->global.Get("map_defaults") == "opts:=rw type:=nfs");
  CHECK(c->global.Get("search_path") == "/a:\n/b");
}

TEST_CASE("errors name the file, the line and the key", "[unit]") {
  struct Case {
    const char* text;
    int line;
    const char* needle;
  } cases[] = {
      {"[global]\nfrob = 1\n", 2, "unknown key \"frob\""},
      {"[global]\nplock = maybe\n", 2, "must be yes or no"},
      {"[global]\nldap_cache_seconds = ten\n", 2, "whole number"},
      {"[global]\nportmap_program = 1\n", 2, "between 300019 and 300029"},
      {"auto_dir = /n\n", 1, "before any [section]"},
      {"[global]\nauto_dir = a b\n", 2, "quote it"},
      {"[global]\nauto_dir = relative\n", 2, "absolute"},
      {"[global]\n[/x]\nmap_type = file\n", 2, "has no map_name"},
      {"[/x]\nmap_name = m\ncache_duration = 5\n", 3, "[global] option"},
      {"[global]\nmap_name = m\n", 2, "belongs in a map section"},
      {"[global]\nlog_options = all,bogus\n", 2, "unknown item \"bogus\""},
      {"[global\n", 1, "without ']'"},
      {"[global]\nldap_hostports = ldap.example.org:389\n", 1,
       "must specify both ldap_hostports and ldap_base"},
      {"[global]\nauto_dir =\n", 2, "empty value"},
      {"[global]\nmount_type = smb\n", 2, "nfs autofs"},
  };
  for (const auto& k : cases) {
    Diagnostics d;
    INFO(k.text);
    CHECK_FALSE(Build(k.text, &d));
    REQUIRE(d.HasErrors());
    const Diagnostic& e = d.items().front();
    CHECK(e.file == "amd.conf");
    CHECK(e.line == k.line);
    CHECK(e.message.find(k.needle) != std::string::npos);
  }
}

TEST_CASE("original quirks: fall-backs, aliases, browsable_dirs", "[unit]") {
  Diagnostics d;
  auto c = Build(
      "[global]\ncache_duration = 0\ndismount_interval = -1\nselectors_on_default = yes\n"
      "browsable_dirs = full\nbrowsable_dirs = no\n",
      &d);
  REQUIRE(c);
  CHECK(c->global.Get("cache_duration") == "300");
  CHECK(c->global.Get("dismount_interval") == "120");
  CHECK(c->global.Get("selectors_in_defaults") == "yes");
  CHECK(c->global.Get("browsable_dirs") == "full");
}

TEST_CASE("tagged sections are used only with -T", "[unit]") {
  const char* text = "[/a]\nmap_name = a\ntag = lab\n[/b]\nmap_name = b\n";
  Diagnostics d;
  CHECK(Build(text, &d)->maps.size() == 1);
  CommandLine cmd;
  cmd.tag = "lab";
  CHECK(Build(text, &d, cmd)->maps.size() == 2);
}

TEST_CASE("a section named twice is one section, the later keys adding to the earlier", "[unit]") {
  Diagnostics d;
  auto c = Build(
      "[global]\nauto_dir = /n\n[/a]\nmap_name = a\nmap_type = file\n[global]\nplock = no\n"
      "[/a]\nmap_name = b\n",
      &d);
  REQUIRE(c);
  REQUIRE(c->maps.size() == 1);
  CHECK(c->maps[0].section.Get("map_name") == "b");
  CHECK(c->maps[0].section.Get("map_type") == "file");
  CHECK(c->global.Get("auto_dir") == "/n");
  CHECK(c->global.Get("plock") == "no");
  std::string all;
  for (const auto& i : d.items()) all += i.ToString(false) + "\n";
  INFO(all);
  CHECK_FALSE(d.HasErrors());
  CHECK(all.find("amd.conf:6: [global] again (first at line 1): its keys are added to the first") !=
        std::string::npos);
  CHECK(all.find("amd.conf:8: [/a] again (first at line 3): its keys are added to the first") !=
        std::string::npos);
}

TEST_CASE("files the original accepts are accepted, with a warning naming file, line and key",
          "[unit]") {
  struct Case {
    const char* text;
    const char* key;
    const char* value;  // what the key holds
    const char* warning;
  } cases[] = {
      {"[global]\nlog_file = \"\"\n", "log_file", "",
       "amd.conf:2: \"log_file\" = \"\": an empty value"},
      {"[global]\nlog_file = \"/tmp/x\n", "log_file", "/tmp/x",
       "amd.conf:2: \"log_file\": no closing quote; the value is read to the end of the line"},
      {"[global]\ncache_duration = ten\n", "cache_duration",
       "300",  // atoi: 0, and 0 means the default
       "amd.conf:2: cache_duration: \"ten\" is not a whole number; read as 0"},
      {"[global]\nexec_map_timeout = 7s\n", "exec_map_timeout", "7",
       "amd.conf:2: exec_map_timeout: \"7s\" is not a whole number; read as 7"},
  };
  for (const auto& k : cases) {
    Diagnostics d;
    INFO(k.text);
    auto c = Build(k.text, &d);
    REQUIRE(c);
    CHECK(c->global.Get(k.key) == k.value);
    REQUIRE_FALSE(d.items().empty());
    CHECK(d.items().front().severity == Severity::kWarning);
    CHECK(d.items().front().ToString(false).find(k.warning) == 0);
  }
  // map_name = "": the section serves nothing.
  Diagnostics d;
  auto c = Build("[global]\n[/a]\nmap_name = \"\"\n[/b]\nmap_name = b\n", &d);
  REQUIRE(c);
  REQUIRE(c->maps.size() == 1);
  CHECK(c->maps[0].dir == "/b");
  std::string all;
  for (const auto& i : d.items()) all += i.ToString(false) + "\n";
  CHECK(
      all.find("amd.conf:2: map section [/a] has an empty map_name: it serves nothing, skipped") !=
      std::string::npos);
}

TEST_CASE("command line flags, maps and precedence", "[unit]") {
  auto p = ParseAmdArgs({"-nr", "-a", "/n", "-c60", "-t", "8.11", "-x", "all", "-S", "-T", "lab",
                         "/home", "amd.home", "-cache:=inc", "/net", "amd.net"});
  REQUIRE(p.errors.empty());
  CHECK_FALSE(ReadsConfFile(p));
  Diagnostics d;
  auto c = BuildConfig(std::string("[global]\nauto_dir = /conf\n"), "f", p.cmd, {}, &d);
  REQUIRE(c);
  CHECK(c->global.Get("auto_dir") == "/n");  // the command line wins
  CHECK(c->global.Get("normalize_hostnames") == "yes");
  CHECK(c->global.Get("restart_mounts") == "yes");
  CHECK(c->global.Get("cache_duration") == "60");
  CHECK(c->global.Get("nfs_retry_interval") == "8");
  CHECK(c->global.Get("nfs_retransmit_counter_toplvl") == "11");
  CHECK(c->global.Get("plock") == "no");
  REQUIRE(c->maps.size() == 2);
  CHECK(c->maps[0].section.Get("map_options") == "cache:=inc");
  CHECK(c->maps[1].section.Get("map_name") == "amd.net");
  auto e = ParseAmdArgs({"--explain", "/home/x", "--json", "-F", "/etc/amd.conf"});
  CHECK(e.explain_path == "/home/x");
  CHECK(e.json);
  CHECK(ReadsConfFile(e));
  CHECK_FALSE(ParseAmdArgs({"-q"}).errors.empty());
  CHECK_FALSE(ParseAmdArgs({"-a"}).errors.empty());
  CHECK_FALSE(ParseAmdArgs({"/home"}).errors.empty());
}

TEST_CASE("print-config lists every option with defaults, sections in order", "[unit]") {
  Diagnostics d;
  auto c = Build("[global]\nauto_dir = /n\n[/z]\nmap_name = z\n[/a]\nmap_name = a\n", &d);
  std::string out = PrintConfig(*c);
  CHECK(out.find("[global] auto_dir = /n\n") != std::string::npos);
  CHECK(out.find("[global] plock = yes\n") != std::string::npos);
  CHECK(out.find("[/z] map_name = z\n") < out.find("[/a] map_name = a\n"));
  CHECK(out.find("selectors_on_default") == std::string::npos);
}

}  // namespace
}  // namespace amd::conf
