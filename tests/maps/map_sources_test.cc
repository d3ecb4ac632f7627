#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "base/run_cgroup.h"
#include "maps/exec_map_source.h"
#include "maps/file_map_source.h"
#include "maps/map.h"
#include "maps/passwd_map_source.h"
#include "maps/union_map_source.h"
#include "tests/fakes/delegated_cgroup.h"
#include "tests/fakes/skip.h"
#include "tests/fakes/temp_dir.h"

namespace amd::maps {
namespace {

TEST_CASE("file maps are found on the search path", "[unit]") {
  testing::TempDir a, b;
  b.Write("amd.home", "jsp type:=link;fs:=/x\n");
  auto p = FileMapSource::Resolve("amd.home", {a.path(), b.path()});
  REQUIRE(p);
  CHECK(*p == b.path() + "/amd.home");
  CHECK_FALSE(FileMapSource::Resolve("amd.none", {a.path(), b.path()}));
  MapSourceSpec spec{"amd.home", std::nullopt, {a.path(), b.path()}, 10};
  Diagnostics d;
  auto src = OpenMapSource(spec, &d);
  REQUIRE(src);
  CHECK(src->type() == "file");
  CHECK(src->Search("jsp", &d).value == "type:=link;fs:=/x");
}

TEST_CASE("file maps report unreadable files and keep old data", "[unit]") {
  testing::TempDir t;
  std::string path = t.Write("m", "a 1\n");
  Map m(std::make_unique<FileMapSource>("m", path), std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  ::unlink(path.c_str());
  Diagnostics d;
  CHECK_FALSE(m.Reload(true, &d));
  CHECK(d.HasErrors());
  CHECK(m.Find("a", nullptr).value == "1");
}

TEST_CASE("file maps reload when their mtime changes", "[unit]") {
  testing::TempDir t;
  std::string path = t.Write("m", "a type:=link;fs:=/one\n");
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), old_times, 0);
  Map m(std::make_unique<FileMapSource>("m", path), std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  t.Write("m", "a type:=link;fs:=/two\nb type:=link;fs:=/b\n");
  ::utimensat(AT_FDCWD, path.c_str(), old_times, 0);  // same mtime: not re-read
  REQUIRE(m.Reload(false, nullptr));
  CHECK(m.Find("a", nullptr).value == "type:=link;fs:=/one");
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // now
  REQUIRE(m.Reload(false, nullptr));
  CHECK(m.Find("a", nullptr).value == "type:=link;fs:=/two");
  CHECK(m.Find("b", nullptr).found());
  CHECK(m.reloads() == 1);
}

TEST_CASE("unknown and unavailable map types are clear errors", "[unit]") {
  Diagnostics d;
  CHECK_FALSE(OpenMapSource({"x", std::string("ldap"), {}, 10}, &d));
  CHECK(d.items().back().message.find("not available") != std::string::npos);
  CHECK_FALSE(OpenMapSource({"/no/such/map", std::nullopt, {}, 10}, &d));
  CHECK(IsKnownMapType("nis"));
  CHECK_FALSE(IsSupportedMapType("nis"));
}

TEST_CASE("exec maps run the program with the key", "[unit]") {
  if (::geteuid() != 0) AMD_SKIP("exec maps must be owned by root; run as root");
  testing::TempDir t;
  std::string prog = t.Write("prog",
                             "#!/bin/sh\n"
                             "case \"$1\" in\n"
                             "  jsp) echo \"jsp type:=link;fs:=/home/$1\" ;;\n"
                             "  bare) echo 'type:=link;fs:=/bare' ;;\n"
                             "  env) echo \"env type:=link;fs:=/x${AMD_TEST_ENV:-unset}\" ;;\n"
                             "  slow) sleep 5 ;;\n"
                             "esac\n",
                             0755);
  ::setenv("AMD_TEST_ENV", "leaked", 1);
  Diagnostics d;
  auto src = OpenMapSource({prog, std::string("exec"), {}, 1}, &d);
  REQUIRE(src);
  CHECK(src->Search("jsp", &d).value == "type:=link;fs:=/home/jsp");
  CHECK(src->Search("bare", &d).value == "type:=link;fs:=/bare");
  CHECK(src->Search("env", &d).value == "type:=link;fs:=/xunset");  // empty environment
  CHECK(src->Search("nobody", &d).status == SearchResult::Status::kNotFound);
  auto slow = src->Search("slow", &d);
  CHECK(slow.status == SearchResult::Status::kError);
  CHECK(slow.error.find("no answer") != std::string::npos);
}

TEST_CASE("exec map programs must be safe", "[unit]") {
  if (::geteuid() != 0) AMD_SKIP("needs root to create root-owned files");
  testing::TempDir t;
  CHECK(CheckExecMapProgram(t.Write("nox", "#!/bin/sh\n", 0644)).value().find("not executable") !=
        std::string::npos);
  CHECK(CheckExecMapProgram(t.Write("ww", "#!/bin/sh\n", 0757)).value().find("writable") !=
        std::string::npos);
  CHECK(CheckExecMapProgram(t.Write("suid", "#!/bin/sh\n", 04755)).value().find("setuid") !=
        std::string::npos);
  CHECK_FALSE(CheckExecMapProgram(t.Write("ok", "#!/bin/sh\n", 0755)));
  CHECK(CheckExecMapProgram(t.path()).value().find("regular") != std::string::npos);
}

// The text of `path`, or "".
std::string ReadFileOr(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether process `pid` is gone or a zombie (killed, not yet reaped by
// whoever inherited it).
bool Dead(pid_t pid) {
  std::string stat = ReadFileOr("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || stat.compare(paren + 2, 1, "Z") == 0;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_CASE("an exec map's answer is read when its entry is whole, and its process group is killed",
          "[unit]") {
  testing::TempDir t;
  // A background child keeps standard output open: the answer still comes
  // at once, and the child goes with the group.
  std::string pid_file = t.path() + "/bg.pid";
  std::string prog =
      t.Write("bg",
              "#!/bin/sh\nsleep 1000 &\necho $! > " + pid_file +
                  "\necho \"# a comment\"\nprintf '%s type:=link;\\\\\\n fs:=/opt\\n' \"$1\"\n",
              0755);
  auto t0 = std::chrono::steady_clock::now();
  ProgramOutput out = RunMapProgram(prog, "k", 5);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  REQUIRE(out.ok);
  INFO(out.output);
  CHECK(ParseExecOutput(out.output, "k").value_or("none") == "type:=link;fs:=/opt");
  pid_t bg = std::stoi(ReadFileOr(pid_file));
  CHECK(WaitFor([&] { return Dead(bg); }, std::chrono::seconds(2)));
  // A program that times out: its whole group is killed, grandchildren too.
  std::string grandchild_file = t.path() + "/grandchild";
  std::string slow = t.Write(
      "slow", "#!/bin/sh\nsleep 1000 &\necho $! > " + grandchild_file + "\nsleep 1000\n", 0755);
  ProgramOutput late = RunMapProgram(slow, "k", 1);
  CHECK_FALSE(late.ok);
  CHECK(late.error.find("no answer within 1 s") != std::string::npos);
  pid_t grandchild = std::stoi(ReadFileOr(grandchild_file));
  CHECK(WaitFor([&] { return Dead(grandchild); }, std::chrono::seconds(2)));
}

TEST_CASE("an abandoned exec map lookup stops its program and its group at once", "[unit]") {
  testing::TempDir t;
  std::string grandchild_file = t.path() + "/grandchild";
  std::string slow = t.Write(
      "slow", "#!/bin/sh\nsleep 1000 &\necho $! > " + grandchild_file + "\nsleep 1000\n", 0755);
  std::atomic<bool> cancel{false};
  std::thread abandon([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  ProgramOutput out = RunMapProgram(slow, "k", 30, &cancel);
  auto took = std::chrono::steady_clock::now() - t0;
  abandon.join();
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("the lookup was abandoned") != std::string::npos);
  CHECK(took < std::chrono::seconds(3));
  pid_t grandchild = std::stoi(ReadFileOr(grandchild_file));
  CHECK(WaitFor([&] { return Dead(grandchild); }, std::chrono::seconds(2)));
}

TEST_CASE(
    "in a delegated cgroup, an exec map program's children that left its process group go with it",
    "[unit]") {
  testing::DelegatedCgroupForTest cgroup;
  if (!cgroup.ok()) AMD_SKIP(cgroup.why());
  REQUIRE(DelegatedCgroup() == cgroup.path());
  testing::TempDir t;
  std::string pid_file = t.path() + "/escaped.pid";
  // setsid: a session and process group of its own, out of reach of the
  // program's group; the answer comes once it is there.
  std::string prog = t.Write("escape",
                             "#!/bin/sh\n/usr/bin/setsid /bin/sh -c 'echo $$ > " + pid_file +
                                 "; exec /bin/sleep 1000' >/dev/null 2>&1 &\n"
                                 "while [ ! -s " +
                                 pid_file +
                                 " ]; do /bin/sleep 0.01; done\n"
                                 "echo \"$1 type:=link;fs:=/opt\"\n",
                             0755);
  ProgramOutput out = RunMapProgram(prog, "k", 5);
  REQUIRE(out.ok);
  CHECK(ParseExecOutput(out.output, "k").value_or("none") == "type:=link;fs:=/opt");
  pid_t escaped = std::stoi(ReadFileOr(pid_file));
  CHECK(WaitFor([&] { return Dead(escaped); }, std::chrono::seconds(2)));
  ::kill(escaped, SIGKILL);  // in case it did not go (the check failed)
  // Nothing is left below the cgroup.
  size_t runs = 0;
  for (const auto& e : std::filesystem::directory_iterator(cgroup.path())) runs += e.is_directory();
  CHECK(runs == 0);
}

TEST_CASE("whole exec map entries", "[unit]") {
  CHECK(HasCompleteEntry("k v\n"));
  CHECK(HasCompleteEntry("\n# c\nk v\n"));
  CHECK_FALSE(HasCompleteEntry("k v"));  // no newline yet
  CHECK_FALSE(HasCompleteEntry("\n  \n# only a comment\n"));
  CHECK_FALSE(HasCompleteEntry("k a \\\n"));  // continued
  CHECK(HasCompleteEntry("k a \\\n  b\n"));
  CHECK(HasCompleteEntry("k a \\\n# not a comment here\n"));
}

TEST_CASE("exec output parsing", "[unit]") {
  CHECK(ParseExecOutput("\n# c\nk v1 v2\n", "k") == "v1 v2");
  CHECK(ParseExecOutput("type:=link;fs:=/x\n", "k") == "type:=link;fs:=/x");
  CHECK(ParseExecOutput("a \\\n  b\n", "a") == "b");
  CHECK_FALSE(ParseExecOutput("\n\n", "k"));
}

TEST_CASE("passwd maps", "[unit]") {
  PasswdMapSource src("/etc/passwd", [](const std::string& u) -> std::optional<std::string> {
    if (u == "jsp") return "/home/achilles/jsp";
    if (u == "deep") return "/export/a/b/c/deep";
    if (u == "short") return "/home/short";
    return std::nullopt;
  });
  CHECK(src.Search("jsp", nullptr).value ==
        "var0:=home;var1:=achilles;var2:=jsp;var3:=/home/achilles/jsp;type:=nfs;rfs:=/${var0}/"
        "${var1};rhost:=${var1};sublink:=${var2};fs:=${autodir}${var3}");
  CHECK(src.Search("deep", nullptr).value.substr(0, 37) == "var0:=export;var1:=c;var2:=deep;var3:");
  CHECK(src.Search("short", nullptr).status == SearchResult::Status::kNotFound);
  CHECK(src.Search("/defaults", nullptr).value == "type:=nfs");
  PasswdMapSource t("/etc/passwd:type:=link;fs:=${var3}",
                    [](const std::string&) { return std::optional<std::string>("/h/d/u"); });
  CHECK(t.Search("u", nullptr).value ==
        "var0:=h;var1:=d;var2:=u;var3:=/h/d/u;type:=link;fs:=${var3}");
  CHECK(PasswdMapSource::IsPasswdMapName("/etc/passwd"));
  CHECK_FALSE(PasswdMapSource::IsPasswdMapName("/etc/passwdx"));
}

TEST_CASE("union maps list directories, later ones win", "[unit]") {
  testing::TempDir t;
  t.Write("d1/a", "");
  t.Write("d1/b", "");
  t.Write("d2/b", "");
  UnionMapSource src("union:" + t.path() + "/d1:" + t.path() + "/d2");
  Map m(std::make_unique<UnionMapSource>("union:" + t.path() + "/d1:" + t.path() + "/d2"),
        std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  CHECK(m.Find("a", nullptr).value == "fs:=" + t.path() + "/d1");
  CHECK(m.Find("b", nullptr).value == "fs:=" + t.path() + "/d2");
  CHECK(m.Lookup("zzz", nullptr).value == "fs:=" + t.path() + "/d2");
  CHECK(m.Find("/defaults", nullptr).value == "type:=link;opts:=nounmount;sublink:=${key}");
  CHECK(src.Search("b", nullptr).value == "fs:=" + t.path() + "/d2");
}

}  // namespace
}  // namespace amd::maps
