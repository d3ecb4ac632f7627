// The classic NFS front end of a real amd (mount_type = nfs), on loopback,
// with libnfs (Debian's user-space NFS client, tests/integration/
// libnfs_probe.cc) and with raw NFSv3 and MOUNTv3 calls for the exact
// answers. This machine's kernel has no NFS client, so amd runs with
// --no-self-mount here; the kernel lab mounts it for real.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "base/subprocess.h"
#include "rpc/amq_port_file.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_client.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_stream.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/amd_daemon.h"

namespace amd::testing {
namespace {

namespace nfs3 = rpc::nfs3;
using Bytes = std::vector<uint8_t>;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in Address(const std::string& host, uint16_t port) {
  sockaddr_in a = Loopback(port);
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  return a;
}

// A TCP connection to `host`:`port` (from a reserved port when
// `reserved`), or -1.
int ConnectTcp(uint16_t port, const std::string& host = "127.0.0.1", bool reserved = false) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (reserved) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool bound = false;
    static int next = 1023;
    for (int tries = 0; tries < 600 && !bound; ++tries) {
      sockaddr_in local = Address("0.0.0.0", static_cast<uint16_t>(next));
      next = next <= 424 ? 1023 : next - 1;
      bound = ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0;
    }
    if (!bound) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in a = Address(host, port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  ::close(fd);
  return -1;
}

struct Fixture {
  explicit Fixture(const std::string& global_extra = "nfs_allow_insecure_port = yes\n",
                   const std::string& section_extra = "browsable_dirs = yes\n")
      : amd(dir), global_extra_(global_extra), section_extra_(section_extra) {
    src = dir.path() + "/src";
    home = dir.path() + "/home";
    autodir = dir.path() + "/a";
    dir.Write("src/alice/file", "alice's file\n");
    dir.Write("src/bob/file", "bob's file\n");
    amd.extra_args = {"--no-self-mount"};
  }
  void Start(const std::string& map, const std::string& more_sections = "") {
    amd.WriteMap("amd.home", map);
    amd.WriteConf(global_extra_, "[ " + home + " ]\nmap_name = amd.home\nmount_type = nfs\n" +
                                     section_extra_ + more_sections);
    REQUIRE(amd.Start());
    std::smatch m;
    std::string log = amd.Log();
    REQUIRE(std::regex_search(log, m, std::regex("NFSv3 and MOUNTv3 on [0-9.]+:([0-9]+)")));
    port = static_cast<uint16_t>(std::stoi(m[1].str()));
  }
  // The names READDIR (the plain one) lists in `dir`, page by page to the
  // end, with a small maxcount so that a listing takes several pages.
  std::vector<std::string> ReadDir(const Bytes& dir_fh) {
    std::vector<std::string> names;
    uint64_t cookie = 0;
    bool eof = false;
    for (int page = 0; page < 1000 && !eof; ++page) {
      Bytes args;
      rpc::XdrWriter w(&args);
      w.Opaque(dir_fh);
      w.U64(cookie);
      w.U64(0);  // cookieverf
      w.U32(512);
      auto r = Call(nfs3::kProgram, nfs3::kReaddir, args);
      REQUIRE(r.ok());
      rpc::XdrReader rr(*r);
      uint32_t stat = 99;
      bool attrs = false, more = false;
      std::span<const uint8_t> skip;
      REQUIRE(rr.U32(&stat));
      REQUIRE(stat == nfs3::kOk);
      REQUIRE(rr.Bool(&attrs));
      if (attrs) REQUIRE(rr.Fixed(84, &skip));
      REQUIRE(rr.Fixed(8, &skip));
      while (rr.Bool(&more) && more) {
        uint64_t fileid = 0;
        std::string_view name;
        REQUIRE(rr.U64(&fileid));
        REQUIRE(rr.String(255, &name));
        REQUIRE(rr.U64(&cookie));
        names.emplace_back(name);
      }
      REQUIRE(rr.Bool(&eof));
    }
    CHECK(eof);
    return names;
  }
  // kill -9, then a new amd: on the port the last one served.
  void RestartAfterKill() {
    amd.KillAll();
    REQUIRE(amd.Start());
    FindPort();
  }
  // The port the newest amd in the log serves on.
  void FindPort() {
    std::smatch m;
    std::string log = amd.Log();
    std::string::const_iterator from = log.begin();
    while (std::regex_search(from, log.cend(), m,
                             std::regex("NFSv3 and MOUNTv3 on 127\\.0\\.0\\.1:([0-9]+)"))) {
      port = static_cast<uint16_t>(std::stoi(m[1].str()));
      from = m.suffix().first;
    }
  }
  std::string Url() const {
    return "nfs://" + host + home + "?nfsport=" + std::to_string(port) +
           "&mountport=" + std::to_string(port) + "&version=3" + url_extra;
  }
  // libnfs_probe's output, or "error: ..." when it failed; run through
  // `wrapper` (nsenter into another host, say) when given.
  std::string Probe(const std::vector<std::string>& args,
                    const std::vector<std::string>& wrapper = {}) {
    SubprocessSpec spec;
    spec.path = wrapper.empty() ? LIBNFS_PROBE : wrapper[0];
    spec.argv = wrapper;
    if (spec.argv.empty())
      spec.argv = {"libnfs_probe"};
    else
      spec.argv.push_back(LIBNFS_PROBE);
    spec.argv.push_back(Url());
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.capture_stderr = true;
    spec.timeout = std::chrono::seconds(20);
    auto r = RunSubprocess(spec);
    if (!r.ok()) return "error: " + r.status().ToString();
    return r->exit_status == 0 ? r->output : "error: " + r->output;
  }
  // One call to amd's NFS port over TCP, from a reserved port unless
  // `reserved` is false: the results, or why there are none.
  Result<Bytes> Call(uint32_t prog, uint32_t proc, const Bytes& args, bool reserved = true,
                     uint32_t vers = 3) {
    sockaddr_in a = Address(host, 0);  // the port comes from the options
    rpc::Client::Options o;
    o.udp = false;
    o.port = port;
    o.reserved_port = reserved;
    return rpc::Client(a, prog, o).Call(proc, args, std::chrono::seconds(10), vers);
  }
  Bytes RootHandle(const std::string& path = "") {
    Bytes args;
    rpc::XdrWriter(&args).String(path.empty() ? home : path);
    auto r = Call(nfs3::mount::kProgram, nfs3::mount::kMnt, args);
    REQUIRE(r.ok());
    rpc::XdrReader rd(*r);
    uint32_t stat = 1;
    std::span<const uint8_t> fh;
    REQUIRE(rd.U32(&stat));
    REQUIRE(stat == 0);
    REQUIRE(rd.Opaque(64, &fh));
    return Bytes(fh.begin(), fh.end());
  }
  // LOOKUP: the status, and the handle when it is OK.
  std::pair<uint32_t, Bytes> Lookup(const Bytes& dir_fh, const std::string& name) {
    Bytes args;
    rpc::XdrWriter w(&args);
    w.Opaque(dir_fh);
    w.String(name);
    auto r = Call(nfs3::kProgram, nfs3::kLookup, args);
    REQUIRE(r.ok());
    rpc::XdrReader rd(*r);
    uint32_t stat = 99;
    REQUIRE(rd.U32(&stat));
    if (stat != 0) return {stat, {}};
    std::span<const uint8_t> fh;
    REQUIRE(rd.Opaque(64, &fh));
    return {stat, Bytes(fh.begin(), fh.end())};
  }
  // The status of a call whose argument is only a handle, and what follows it.
  std::pair<uint32_t, Bytes> OnHandle(uint32_t proc, const Bytes& fh) {
    Bytes args;
    rpc::XdrWriter(&args).Opaque(fh);
    auto r = Call(nfs3::kProgram, proc, args);
    REQUIRE(r.ok());
    rpc::XdrReader rd(*r);
    uint32_t stat = 99;
    REQUIRE(rd.U32(&stat));
    auto rest = rd.Rest();
    return {stat, Bytes(rest.begin(), rest.end())};
  }
  std::string Readlink(const Bytes& fh) {
    auto [stat, rest] = OnHandle(nfs3::kReadlink, fh);
    if (stat != 0) return "status " + std::to_string(stat);
    rpc::XdrReader rd(rest);
    bool attrs = false;
    REQUIRE(rd.Bool(&attrs));
    std::span<const uint8_t> skip;
    if (attrs) REQUIRE(rd.Fixed(84, &skip));
    std::string_view target;
    REQUIRE(rd.String(4096, &target));
    return std::string(target);
  }

  // What LOOKUP of `key` in `dir_fh` and READLINK of its handle give: the
  // link target, or "status N" when the LOOKUP fails.
  std::string LinkTarget(const Bytes& dir_fh, const std::string& key) {
    auto [stat, fh] = Lookup(dir_fh, key);
    return stat == nfs3::kOk ? Readlink(fh) : "status " + std::to_string(stat);
  }
  // What `amq -p` prints, or "error: ..." when it did not run or exited
  // non-zero.
  std::string AmqPid() {
    SubprocessSpec spec;
    spec.path = AMQ_BINARY;
    spec.argv = {"amq", "-p"};
    spec.timeout = std::chrono::seconds(10);
    auto r = RunSubprocess(spec);
    if (!r.ok()) return "error: " + r.status().ToString();
    return r->exit_status == 0 ? r->output : "error: exit " + std::to_string(r->exit_status);
  }

  TempDir dir;
  AmdDaemon amd;
  std::string src, home, autodir;
  std::string host = "127.0.0.1";  // where amd's NFS server is called
  uint16_t port = 0;
  std::string url_extra;  // more libnfs URL arguments ("&uid=65534")

 private:
  std::string global_extra_, section_extra_;
};

TEST_CASE(
    "NFS front end: libnfs lists a browsable map and reads each key's symbolic link into autodir",
    "[root]") {
  Fixture f;
  f.Start(
      "/defaults type:=lofs\n"
      "alice rfs:=" +
      f.src +
      "/alice\n"
      "bob rfs:=" +
      f.src +
      "/bob\n"
      "docs type:=link;fs:=/usr/share/doc\n"
      "* rfs:=" +
      f.src + "/${key}\n");
  INFO(f.amd.Log());
  // Browsable: the keys without the wildcard, before anything is mounted.
  CHECK(f.Probe({"ls"}) == "alice lnk\nbob lnk\ndocs lnk\n");
  CHECK(MountCountUnder(f.autodir) == 0);
  // A READLINK through libnfs mounts the key (lofs at ${fs}, under autodir).
  std::string target = f.Probe({"readlink", "/alice"});
  REQUIRE(target.rfind(f.autodir + "/", 0) == 0);
  target.pop_back();
  CHECK(target.ends_with(f.src + "/alice"));
  CHECK(IsMountPoint(target));
  CHECK(ReadText(target + "/file") == "alice's file\n");
  CHECK(f.Probe({"lstat", "/alice"}) == "lnk 777 " + std::to_string(target.size()) + "\n");
  CHECK(f.Probe({"readlink", "/docs"}) == "/usr/share/doc\n");
  // A wildcard key that is not listed, and one that fails.
  CHECK(f.Probe({"readlink", "/bob"}).find(f.src + "/bob") != std::string::npos);
  CHECK(f.Probe({"readlink", "/nobody"}).rfind("error: ", 0) == 0);
}

TEST_CASE(
    "NFS front end: a key's handle is the same after kill -9 and a restart, and the old one still "
    "answers",
    "[root]") {
  Fixture f;
  std::string map = "alice type:=lofs;rfs:=" + f.src + "/alice\n";
  f.Start(map);
  Bytes root = f.RootHandle();
  auto [stat, alice] = f.Lookup(root, "alice");
  REQUIRE(stat == nfs3::kOk);
  std::string target = f.Readlink(alice);
  REQUIRE(target.rfind(f.autodir, 0) == 0);
  CHECK(MountCountUnder(f.autodir) == 1);
  f.RestartAfterKill();
  // The mount under autodir outlived amd; the new amd takes it over.
  CHECK(ReadText(target + "/file") == "alice's file\n");
  INFO(f.amd.Log());
  CHECK(f.RootHandle() == root);
  // The old handle answers without a LOOKUP: GETATTR, and READLINK mounts
  // the key again, taking over what was left mounted.
  CHECK(f.OnHandle(nfs3::kGetattr, alice).first == nfs3::kOk);
  CHECK(f.Readlink(alice) == target);
  CHECK(f.Lookup(root, "alice").second == alice);
  CHECK(MountCountUnder(f.autodir) == 1);
  CHECK(f.amd.Log().find("mounted lofs") != std::string::npos);
}

TEST_CASE("NFS front end: a new engine after kill -9 of the engine serves on the same port",
          "[root]") {
  Fixture f;
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  Bytes root = f.RootHandle();
  auto [stat, alice] = f.Lookup(root, "alice");
  REQUIRE(stat == nfs3::kOk);
  uint16_t port = f.port;
  pid_t engine = f.amd.EnginePid();
  REQUIRE(engine > 0);
  REQUIRE(::kill(engine, SIGKILL) == 0);
  // The next engine says where it serves: the same port.
  std::smatch m;
  std::string log;
  std::regex serving("NFSv3 and MOUNTv3 on [0-9.]+:([0-9]+)");
  auto second = [&] {
    log = f.amd.Log();
    auto from = log.cbegin();
    int n = 0;
    while (std::regex_search(from, log.cend(), m, serving)) {
      ++n;
      f.port = static_cast<uint16_t>(std::stoi(m[1].str()));
      from = m.suffix().first;
    }
    return n >= 2;
  };
  REQUIRE(WaitUntil(second, std::chrono::seconds(10)));
  INFO(log);
  CHECK(f.port == port);
  auto again = f.Lookup(root, "alice");
  CHECK(again.first == nfs3::kOk);
  CHECK(again.second == alice);
  CHECK(f.Probe({"ls"}) == "alice lnk\n");
}

TEST_CASE(
    "NFS front end: after kill -9 of amd alone, the next amd takes every mount from the orphaned "
    "engine",
    "[root]") {
  Fixture f("nfs_allow_insecure_port = yes\ncache_duration = 2\n");
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  Bytes root = f.RootHandle();
  auto [stat, alice] = f.Lookup(root, "alice");
  REQUIRE(stat == nfs3::kOk);
  std::string target = f.Readlink(alice);
  REQUIRE(target.rfind(f.autodir + "/", 0) == 0);
  pid_t orphan = f.amd.EnginePid();
  REQUIRE(orphan > 0);
  uint16_t old_port = f.port;
  CHECK(f.amd.Stop(SIGKILL) == 128 + SIGKILL);  // amd alone: its engine serves on
  REQUIRE(f.amd.Start());
  // The orphan was asked to hand over, and left: nothing of it expires the
  // new amd's mounts, and its port is closed.
  bool gone = WaitUntil([&] { return ProcessGone(orphan); }, std::chrono::seconds(5));
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(gone);
  CHECK(log.find("asking it to hand them over") != std::string::npos);
  CHECK(log.find("another amd is taking over: leaving every mount to it and exiting") !=
        std::string::npos);
  CHECK(ConnectTcp(old_port) < 0);
  f.FindPort();
  root = f.RootHandle();
  auto again = f.Lookup(root, "alice");
  REQUIRE(again.first == nfs3::kOk);
  CHECK(f.Readlink(again.second) == target);
  CHECK(ReadText(target + "/file") == "alice's file\n");
}

TEST_CASE("NFS front end: handles in a sub-map directory stay good after kill -9 and a restart",
          "[root]") {
  Fixture f;
  f.Start(
      "sub type:=auto;fs:=${map};pref:=${key}/\n"
      "sub/* type:=lofs;rfs:=" +
      f.src + "/${/key}\n");
  Bytes root = f.RootHandle();
  auto [s1, sub] = f.Lookup(root, "sub");
  REQUIRE(s1 == nfs3::kOk);
  auto [s2, bob] = f.Lookup(sub, "bob");
  REQUIRE(s2 == nfs3::kOk);
  std::string target = f.Readlink(bob);
  REQUIRE(target.rfind(f.autodir, 0) == 0);
  CHECK(ReadText(target + "/file") == "bob's file\n");
  f.RestartAfterKill();
  INFO(f.amd.Log());
  // The new amd knows nothing of the sub-map until a handle names it: the
  // sub-map is set up again and the call answered.
  CHECK(f.OnHandle(nfs3::kGetattr, sub).first == nfs3::kOk);
  CHECK(f.Readlink(bob) == target);
  CHECK(f.Lookup(sub, "bob").second == bob);
  CHECK(f.Lookup(root, "sub").second == sub);
  // A key handle whose sub-map is not set up yet: READLINK sets it up first.
  f.RestartAfterKill();
  CHECK(f.Readlink(bob) == target);
  // A sub-map that no longer exists: STALE, not a wait.
  f.amd.WriteMap("amd.home", "other type:=auto;fs:=${map};pref:=${key}/\n");
  f.RestartAfterKill();
  CHECK(f.OnHandle(nfs3::kGetattr, sub).first == nfs3::kStale);
  CHECK(f.OnHandle(nfs3::kGetattr, bob).first == nfs3::kStale);
}

TEST_CASE(
    "NFS front end: a sub-map lists its keys with opts:=browsable, its wildcards too with "
    "fullybrowsable",
    "[root]") {
  Fixture f("nfs_allow_insecure_port = yes\n", "");  // the top level is not browsable
  std::string keys;
  for (int i = 0; i < 60; ++i) keys += "b/key" + std::to_string(100 + i) + " type:=link;fs:=/tmp\n";
  f.Start(
      "b type:=auto;fs:=${map};pref:=${key}/;opts:=browsable\n"
      "full type:=auto;fs:=${map};pref:=b/;opts:=fullybrowsable\n"
      "plain type:=auto;fs:=${map};pref:=b/\n" +
      keys + "b/* type:=link;fs:=/tmp\nb/deeper/x type:=link;fs:=/tmp\n");
  Bytes root = f.RootHandle();
  CHECK(f.ReadDir(root) == std::vector<std::string>{".", ".."});
  std::vector<std::string> want = {".", ".."};
  for (int i = 0; i < 60; ++i) want.push_back("key" + std::to_string(100 + i));
  auto [s1, b] = f.Lookup(root, "b");
  REQUIRE(s1 == nfs3::kOk);
  CHECK(f.ReadDir(b) == want);  // many pages of 512 bytes, from one listing
  auto [s2, full] = f.Lookup(root, "full");
  REQUIRE(s2 == nfs3::kOk);
  want.insert(want.begin() + 2, "*");
  CHECK(f.ReadDir(full) == want);
  auto [s3, plain] = f.Lookup(root, "plain");
  REQUIRE(s3 == nfs3::kOk);
  CHECK(f.ReadDir(plain) == std::vector<std::string>{".", ".."});
  CHECK(f.Lookup(plain, "key120").first == nfs3::kOk);  // what is mounted is listed
  CHECK(f.ReadDir(plain) == std::vector<std::string>{".", "..", "key120"});
  // A listing taken again after a key is mounted shows it once.
  CHECK(f.Lookup(b, "key105").first == nfs3::kOk);
  CHECK(f.ReadDir(b).size() == 62);
}

TEST_CASE(
    "NFS front end: a LOOKUP that arrives while its key is being mounted is answered when the "
    "mount is done",
    "[root]") {
  Fixture f;
  f.Start("slow type:=program;mount:=\"/bin/sleep sleep 1\";unmount:=\"/bin/true true\";fs:=" +
          f.autodir + "/slow\n");
  Bytes root = f.RootHandle();
  auto started = std::chrono::steady_clock::now();
  auto first = std::async(std::launch::async, [&] { return f.Lookup(root, "slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto second = std::async(std::launch::async, [&] { return f.Lookup(root, "slow"); });
  auto a = first.get();
  auto b = second.get();
  auto took = std::chrono::steady_clock::now() - started;
  INFO(f.amd.Log());
  CHECK(a.first == nfs3::kOk);
  CHECK(b.first == nfs3::kOk);
  CHECK(a.second == b.second);
  CHECK(took >= std::chrono::milliseconds(900));
  CHECK(f.Readlink(a.second) == f.autodir + "/slow");
}

size_t CountLines(const std::string& log, const std::string& what);

// LOOKUP of `name` in `dir_fh` on a connection of its own, from any
// thread (no Catch2 assertions): the NFS status, or 1000 when the call
// got no answer within `limit`.
uint32_t LookupStatus(uint16_t port, const Bytes& dir_fh, const std::string& name,
                      std::chrono::seconds limit = std::chrono::seconds(10),
                      const std::string& host = "127.0.0.1") {
  Bytes args;
  rpc::XdrWriter w(&args);
  w.Opaque(dir_fh);
  w.String(name);
  rpc::Client::Options o;
  o.udp = false;
  o.port = port;
  o.reserved_port = true;
  auto r = rpc::Client(Address(host, 0), nfs3::kProgram, o).Call(nfs3::kLookup, args, limit, 3);
  uint32_t stat = 1000;
  if (r.ok()) rpc::XdrReader(*r).U32(&stat);
  return stat;
}

TEST_CASE(
    "NFS front end: a map program that hangs starves no other map, a key being looked up runs it "
    "once, "
    "and callers giving up stop it",
    "[root]") {
  Fixture f("nfs_allow_insecure_port = yes\nexec_map_timeout = 30\n");
  std::string runs = f.dir.path() + "/runs";
  std::string hang = f.dir.Write("hang",
                                 "#!/bin/sh\n"
                                 "case \"$1\" in /defaults|\\*) exit 0;; esac\n"
                                 "echo \"$1 $$\" >> " +
                                     runs +
                                     "\n"
                                     "exec sleep 1000\n",
                                 0755);
  std::string fast = f.dir.Write("fast",
                                 "#!/bin/sh\n"
                                 "case \"$1\" in /defaults|\\*) exit 0;; esac\n"
                                 "echo \"$1 $$\" >> " +
                                     runs +
                                     "\n"
                                     "sleep 1\n"
                                     "echo \"type:=link;fs:=/$1\"\n",
                                 0755);
  std::string hang_dir = f.dir.path() + "/hang.d", fast_dir = f.dir.path() + "/fast.d";
  f.Start("alice type:=link;fs:=" + f.src + "/alice\n",
          "[ " + hang_dir + " ]\nmap_type = exec\nmap_name = " + hang + "\nmount_type = nfs\n" +
              "[ " + fast_dir + " ]\nmap_type = exec\nmap_name = " + fast + "\nmount_type = nfs\n");
  Bytes home = f.RootHandle(), hangs = f.RootHandle(hang_dir), fasts = f.RootHandle(fast_dir);
  // 40 lookups of distinct keys in the map that hangs, at once.
  std::vector<std::future<uint32_t>> hung;
  for (int i = 0; i < 40; ++i) {
    hung.push_back(std::async(std::launch::async, [&, i] {
      return LookupStatus(f.port, hangs, "k" + std::to_string(i), std::chrono::seconds(3));
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The file map answers at once, and ten lookups of one key in the other
  // program's map share one run of it.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(LookupStatus(f.port, home, "alice") == nfs3::kOk);
  double file_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::future<uint32_t>> same;
  for (int i = 0; i < 10; ++i) {
    same.push_back(
        std::async(std::launch::async, [&] { return LookupStatus(f.port, fasts, "same"); }));
  }
  for (auto& s : same) CHECK(s.get() == nfs3::kOk);
  double same_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() -
      file_ms;
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
  for (auto& h : hung) h.get();  // given up after 3 s: their connections closed
  std::string error;
  std::string ran = ReadWholeFile(runs, &error).value_or("");
  INFO(ran);
  CHECK(CountLines(ran, "same ") == 1);
  // The callers are gone: within the next sweep (each second) amd stops
  // the programs that run for them, and starts none of those queued,
  // though each could have run for 30 s.
  auto hang_pids = [&] {
    std::vector<pid_t> pids;
    std::istringstream in(ReadWholeFile(runs, &error).value_or(""));
    std::string key;
    pid_t pid = 0;
    while (in >> key >> pid) {
      if (key != "same") pids.push_back(pid);
    }
    return pids;
  };
  auto gave_up = std::chrono::steady_clock::now();
  bool stopped = WaitUntil(
      [&] {
        for (pid_t p : hang_pids()) {
          if (!ProcessGone(p)) return false;
        }
        return true;
      },
      std::chrono::seconds(5));
  double stop_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - gave_up).count();
  CHECK(stopped);
  size_t started = hang_pids().size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(hang_pids().size() == started);  // none of the queued starts
  CHECK(f.amd.Log().find("every caller gave up; stopping the attempt") != std::string::npos);
  CHECK(f.amd.Stop() == 0);
  int hang_runs = static_cast<int>(hang_pids().size());
  CHECK(hang_runs < 40);
  std::printf(
      "hanging exec map: with 40 lookups hanging, a file map's LOOKUP took %.1f ms and 10 LOOKUPs "
      "of one "
      "key in another exec map (a 1 s program) %.0f ms, that program ran %d time(s) for them; once "
      "the 40 "
      "callers gave up, their programs were gone %.0f ms later, and %d of the 40 had ever "
      "started\n",
      file_ms, same_ms, static_cast<int>(CountLines(ran, "same ")), stop_ms, hang_runs);
}

TEST_CASE(
    "NFS front end: ${map} is the map's full path as search_path found it, and $ sequences are the "
    "original's",
    "[root]") {
  Fixture f;
  std::string full = f.amd.root() + "/maps/amd.home";
  // A 4,082-character link target made of ${map}: the location's text,
  // with rfs, is longer than 4,095 once expanded; the target is not.
  std::string long_fs;  // ${map} begins with '/'
  size_t copies = 4082 / full.size();
  for (size_t i = 0; i < copies; ++i) long_fs += "${map}";
  long_fs += std::string(4082 - copies * full.size(), 'x');
  f.Start("long type:=link;rfs:=${map}${map}${map};fs:=" + long_fs +
          "\n"
          "whole type:=link;fs:=/m${map}\n"
          "last type:=link;fs:=/m/${/map}\n"
          "sel map==" +
          full + ";type:=link;fs:=/yes map!=" + full +
          ";type:=link;fs:=/no\n"
          "dollar type:=link;fs:=/d$q/x${key\n");
  Bytes root = f.RootHandle();
  auto target = [&](const std::string& key) { return f.LinkTarget(root, key); };
  INFO(f.amd.Log());
  CHECK(target("whole") == "/m" + full);
  CHECK(target("long").size() == 4082);
  CHECK(target("last") == "/m/amd.home");
  CHECK(target("sel") == "/yes");
  CHECK(f.amd.Log().find("serving map " + full) != std::string::npos);
  // "$q" and an unclosed "${" are no expansions: dropped as the original
  // drops them, with a warning at load time naming file, line and column.
  CHECK(target("dollar") == "/d/xkey");
  CHECK(f.amd.Log().find("warning: " + full + ":5:25: \"$q\" is not an expansion") !=
        std::string::npos);
  CHECK(f.amd.Log().find("warning: " + full +
                         ":5:29: \"${\" without a closing '}' is not an expansion") !=
        std::string::npos);
}

TEST_CASE("NFS front end: ${uid} and ${gid} are the caller's credentials", "[root]") {
  Fixture f;
  f.Start(
      "* type:=link;fs:=/u${uid}g${gid}\n"
      "sel uid==65534;type:=link;fs:=/nobody uid!=65534;type:=link;fs:=/other\n");
  INFO(f.amd.Log());
  // libnfs calls with AUTH_SYS credentials; the URL sets them. Two keys of
  // one wildcard entry, from two users: each gets its own.
  f.url_extra = "&uid=65534&gid=65533";
  CHECK(f.Probe({"readlink", "/a"}) == "/u65534g65533\n");
  CHECK(f.Probe({"readlink", "/sel"}) == "/nobody\n");
  f.url_extra = "&uid=0&gid=0";
  CHECK(f.Probe({"readlink", "/b"}) == "/u0g0\n");
}

TEST_CASE("NFS front end: selectors_in_defaults picks /defaults tokens as the original", "[root]") {
  Fixture f("nfs_allow_insecure_port = yes\nselectors_in_defaults = yes\n");
  std::string other = f.dir.path() + "/other";
  // amd.home: no token matches, so the first applies as written.
  // amd.other: the first matching token sets no type and is skipped.
  f.amd.WriteMap("amd.other",
                 "/defaults os==linux;fs:=/notype os==linux;type:=link;fs:=/typed\nk type:=link\n");
  f.Start(
      "/defaults os==nosuchos;type:=link;fs:=/first host==nosuchhost;type:=link;fs:=/second\nk "
      "type:=link\n",
      "[ " + other + " ]\nmap_name = amd.other\nmount_type = nfs\n");
  INFO(f.amd.Log());
  CHECK(f.LinkTarget(f.RootHandle(), "k") == "/first");
  CHECK(f.LinkTarget(f.RootHandle(other), "k") == "/typed");
}

TEST_CASE(
    "NFS front end: a sub-map named without '/' is not looked up on search_path, as in the "
    "original",
    "[root]") {
  Fixture f;
  f.amd.WriteMap("amd.sub", "x type:=link;fs:=/sub-x\n");  // on search_path
  f.Start(
      "rel type:=auto;fs:=amd.sub\n"
      "* type:=auto;fs:=amd.sub\n"
      "full type:=auto;fs:=${map/}/amd.sub;pref:=null\n");
  INFO(f.amd.Log());
  Bytes root = f.RootHandle();
  CHECK(f.Lookup(root, "rel").first == nfs3::kNoent);
  CHECK(f.Lookup(root, "wild").first == nfs3::kNoent);
  auto [stat, dir] = f.Lookup(root, "full");
  REQUIRE(stat == nfs3::kOk);
  auto [xstat, x] = f.Lookup(dir, "x");
  REQUIRE(xstat == nfs3::kOk);
  CHECK(f.Readlink(x) == "/sub-x");
  CHECK(f.amd.Log().find("sub-map \"amd.sub\": a name without '/' is opened from /, not looked up "
                         "on search_path") != std::string::npos);
}

TEST_CASE(
    "NFS front end: after a selected location's mount fails, nothing right of the cut is tried",
    "[root]") {
  Fixture f;
  f.Start("cut type:=lofs;rfs:=" + f.src +
          "/nosuchdir || type:=link;fs:=/right\n"
          "slash type:=lofs;rfs:=" +
          f.src +
          "/nosuchdir / type:=link;fs:=/right\n"
          "both type:=lofs;rfs:=" +
          f.src +
          "/nosuchdir type:=link;fs:=/second || type:=link;fs:=/right\n"
          "nosel host==nosuchhost;type:=link;fs:=/left || type:=link;fs:=/right\n");
  INFO(f.amd.Log());
  Bytes root = f.RootHandle();
  auto target = [&](const std::string& key) { return f.LinkTarget(root, key); };
  CHECK(target("cut").rfind("status ", 0) == 0);
  CHECK(target("slash").rfind("status ", 0) == 0);
  CHECK(target("both") == "/second");  // every selected location left of the cut is tried
  CHECK(target("nosel") == "/right");  // nothing left of it was selected
}

TEST_CASE(
    "NFS front end: an amd.conf the original accepts starts amd, with warnings naming file, line "
    "and key",
    "[root]") {
  // Text for a numeric key, [global] twice, the map section twice, an
  // empty quoted value, an unterminated quote.
  Fixture f(
      "nfs_allow_insecure_port = yes\ncache_duration = ten\n[global]\nexec_map_timeout = 7s\n"
      "debug_mtab_file = \"\"\nlog_options = \"all\n",
      "browsable_dirs = no\n");
  f.Start("alice type:=link;fs:=/srv/alice\n", "[ " + f.home + " ]\nbrowsable_dirs = yes\n");
  std::string log = f.amd.Log();
  INFO(log);
  std::string conf = f.amd.root() + "/amd.conf";
  CHECK(log.find(conf + ":6: warning: cache_duration: \"ten\" is not a whole number; read as 0") !=
        std::string::npos);
  CHECK(log.find(conf + ":7: warning: [global] again (first at line 1)") != std::string::npos);
  CHECK(log.find(conf + ":8: warning: exec_map_timeout: \"7s\" is not a whole number; read as 7") !=
        std::string::npos);
  CHECK(log.find(conf + ":9: warning: \"debug_mtab_file\" = \"\": an empty value") !=
        std::string::npos);
  CHECK(log.find(conf + ":10: warning: \"log_options\": no closing quote") != std::string::npos);
  CHECK(log.find("again (first at line 12): its keys are added to the first") != std::string::npos);
  // It serves, with the later section's keys: the directory lists.
  CHECK(f.Probe({"ls"}) == "alice lnk\n");
}

TEST_CASE(
    "NFS front end: every procedure gets its answer, bad calls their errors, and the server keeps "
    "serving",
    "[root]") {
  Fixture f;
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  Bytes root = f.RootHandle();
  // Truncated LOOKUP arguments: GARBAGE_ARGS.
  Bytes half;
  rpc::XdrWriter(&half).Opaque(root);
  auto r = f.Call(nfs3::kProgram, nfs3::kLookup, half);
  CHECK(r.status().code() == std::make_error_code(std::errc::invalid_argument));
  // An unknown procedure, and NFS version 2.
  CHECK(f.Call(nfs3::kProgram, 99, {}).status().code() ==
        std::make_error_code(std::errc::function_not_supported));
  CHECK(f.Call(nfs3::kProgram, 0, {}, true, 2).status().code() ==
        std::make_error_code(std::errc::protocol_not_supported));
  // A handle that names nothing: STALE; one that is not amd's: STALE.
  Bytes other = root;
  other[10] ^= 0xff;
  CHECK(f.OnHandle(nfs3::kGetattr, other).first == nfs3::kStale);
  CHECK(f.OnHandle(nfs3::kGetattr, Bytes(8, 7)).first == nfs3::kStale);
  // What would change something: ROFS. READ of the directory: ISDIR.
  Bytes write_args;
  rpc::XdrWriter w(&write_args);
  w.Opaque(root);
  w.U64(0);
  w.U32(0);
  w.U32(0);
  w.U32(0);
  CHECK(f.Call(nfs3::kProgram, nfs3::kWrite, write_args).ok());
  CHECK(f.OnHandle(nfs3::kRemove, root).first == nfs3::kRofs);
  CHECK(f.OnHandle(nfs3::kRead, root).first == nfs3::kIsdir);
  // Garbage on the wire: the connection goes, the server stays.
  {
    int fd = ConnectTcp(f.port);
    REQUIRE(fd >= 0);
    const char junk[] = "\x80\x00\x00\x08garbage!";
    CHECK(::write(fd, junk, sizeof junk - 1) == static_cast<ssize_t>(sizeof junk - 1));
    char buf[64];
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)::read(fd, buf, sizeof buf);
    ::close(fd);
  }
  auto [stat, alice] = f.Lookup(root, "alice");
  CHECK(stat == nfs3::kOk);
  CHECK(f.Lookup(root, "nobody").first == nfs3::kNoent);
  // READDIR (the plain one): ".", "..", and the mounted key, to the end.
  CHECK(f.ReadDir(root) == std::vector<std::string>{".", "..", "alice"});
  // ACCESS: reading and looking up, never changing.
  Bytes access_args;
  rpc::XdrWriter aw(&access_args);
  aw.Opaque(root);
  aw.U32(0x3f);
  auto [astat, arest] = [&] {
    auto r2 = f.Call(nfs3::kProgram, nfs3::kAccess, access_args);
    REQUIRE(r2.ok());
    return std::make_pair(r2->at(3), Bytes(r2->end() - 4, r2->end()));
  }();
  CHECK(astat == nfs3::kOk);
  CHECK(arest == Bytes{0, 0, 0, nfs3::kAccessRead | nfs3::kAccessLookup | nfs3::kAccessExecute});
  CHECK(f.OnHandle(nfs3::kGetattr, root).first == nfs3::kOk);
  CHECK(f.OnHandle(nfs3::kFsinfo, root).first == nfs3::kOk);
  CHECK(f.OnHandle(nfs3::kFsstat, root).first == nfs3::kOk);
  CHECK(f.OnHandle(nfs3::kPathconf, root).first == nfs3::kOk);
  CHECK(f.Readlink(root) == "status 22");  // INVAL: a directory is no link
}

TEST_CASE("NFS front end: control characters in a LOOKUP name reach the log escaped", "[root]") {
  Fixture f;
  f.Start("* type:=lofs;rfs:=" + f.src + "/${key}\n");
  Bytes root = f.RootHandle();
  const std::string name = "evil\x1b[2J\rfake\x07line\x9b";
  CHECK(f.Lookup(root, name).first == nfs3::kNoent);
  CHECK(f.Lookup(root, "alice").first == nfs3::kOk);  // and the server serves on
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(log.find("evil\\x1b[2J") != std::string::npos);
  for (char c : std::string("\x1b\r\x07\x9b")) CHECK(log.find(c) == std::string::npos);
}

// How many lines of `log` contain `what`.
size_t CountLines(const std::string& log, const std::string& what) {
  size_t n = 0;
  for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
  return n;
}

// Sends `count` one-byte UDP datagrams to 127.0.0.1:`port`.
void FloodUdp(uint16_t port, int count) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = Loopback(port);
  for (int i = 0; i < count; ++i) {
    ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (i % 20 == 19)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the server keeps up
  }
  ::close(fd);
}

TEST_CASE("NFS front end and AMQ: a flood of bad datagrams costs a few log lines, with counts",
          "[root]") {
  Fixture f;
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  auto amq_port = rpc::ReadAmqPortFile(300019);
  REQUIRE(amq_port);
  FloodUdp(f.port, 3000);
  FloodUdp(amq_port->port, 3000);
  // Garbage records on TCP connections, each closed for it.
  for (int i = 0; i < 30; ++i) {
    int fd = ConnectTcp(f.port);
    REQUIRE(fd >= 0);
    const char junk[] = "\x00\x10\x00\x00";  // a record of 1 MiB: over the limit
    CHECK(::write(fd, junk, 4) == 4);
    char buf[8];
    (void)::read(fd, buf, sizeof buf);
    ::close(fd);
  }
  Bytes root = f.RootHandle();
  CHECK(f.Lookup(root, "alice").first == nfs3::kOk);  // the server serves on
  std::string log;
  WaitUntil(
      [&] {
        log = f.amd.Log();
        return CountLines(log, "AMQ: 127.0.0.1") >= 11;
      },
      std::chrono::seconds(10));
  INFO(log.substr(0, 4000));
  // Each kind: the first 10, then every 1,000th (#1000, #2000, #3000 for
  // as many as arrived: loopback UDP may drop some under the flood).
  CHECK(CountLines(log, "dropped bad message #") >= 22);
  CHECK(CountLines(log, "dropped bad message #") <= 26);
  CHECK(CountLines(log, "AMQ: 127.0.0.1") >= 11);
  CHECK(CountLines(log, "AMQ: 127.0.0.1") <= 13);
  CHECK(CountLines(log, "bad message #1000: ") == 2);  // NFS and AMQ
  CHECK(log.find("dropped bad message #11:") == std::string::npos);
  CHECK(log.find("(bad record #10)") != std::string::npos);
  CHECK(log.find("(bad record #11)") == std::string::npos);
}

// A process of uid 65534 that opens `count` TCP connections to
// 127.0.0.1:`port` and holds them until it is killed.
// Where a ConnectionHog connects from, and to.
struct HogFrom {
  pid_t netns_of = 0;              // another host: the network namespace of this process
  std::string host = "127.0.0.1";  // amd's address
  bool root = false;               // else uid 65534; root calls from reserved ports
};

class ConnectionHog {
 public:
  using From = HogFrom;
  // Opens `count` connections, then after `settle` counts those amd has
  // not closed.
  ConnectionHog(uint16_t port, int count, From from = From(),
                std::chrono::milliseconds settle = std::chrono::milliseconds(500)) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (from.netns_of > 0) {
        int ns = ::open(("/proc/" + std::to_string(from.netns_of) + "/ns/net").c_str(), O_RDONLY);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(2);
      }
      if (!from.root && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
      std::vector<int> fds;
      for (int i = 0; i < count; ++i) {
        int fd = ConnectTcp(port, from.host, from.root);
        if (fd >= 0) fds.push_back(fd);
      }
      std::this_thread::sleep_for(settle);
      int counts[2] = {static_cast<int>(fds.size()), 0};
      for (int fd : fds) {
        char c;
        ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) ++counts[1];  // open, nothing from amd
      }
      (void)::write(ready[1], counts, sizeof counts);
      ::pause();
      ::_exit(0);
    }
    ::close(ready[1]);
    int counts[2] = {0, 0};
    (void)::read(ready[0], counts, sizeof counts);
    opened_ = counts[0];
    held_ = counts[1];
    ::close(ready[0]);
  }
  ~ConnectionHog() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  int opened() const { return opened_; }
  int held() const { return held_; }

 private:
  pid_t pid_ = -1;
  int opened_ = 0;
  int held_ = 0;
};

// The median of `n` runs of `call`, in milliseconds; -1 when one failed.
double MedianMs(int n, const std::function<bool()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (!call()) return -1;
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

TEST_CASE("NFS front end and AMQ: a user holding every connection it can does not lock root out",
          "[root]") {
  Fixture f;
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  auto amq_port = rpc::ReadAmqPortFile(300019);
  REQUIRE(amq_port);
  Bytes root = f.RootHandle();
  REQUIRE(f.Lookup(root, "alice").first == nfs3::kOk);
  // Root's round trips: NFS LOOKUP over TCP (a new connection from a
  // reserved port each time), and the amq program (amq -p: TCP, then UDP).
  auto nfs = [&] {
    return LookupStatus(f.port, root, "alice", std::chrono::seconds(5)) == nfs3::kOk;
  };
  auto amq = [&] { return f.AmqPid() == std::to_string(f.amd.pid()) + "\n"; };
  double nfs_alone = MedianMs(20, nfs), amq_alone = MedianMs(20, amq);
  ConnectionHog nfs_hog(f.port, 300);
  ConnectionHog amq_hog(amq_port->port, 100);
  CHECK(nfs_hog.opened() == 300);  // the kernel completes them; amd closes what is over the limit
  CHECK(nfs_hog.held() == 16);     // one peer's share
  CHECK(amq_hog.held() == 16);
  // Root: NFS over TCP, AMQ over TCP, and the amq program.
  CHECK(f.Lookup(root, "alice").first == nfs3::kOk);
  sockaddr_in a = Loopback(0);  // the port comes from the options
  rpc::Client::Options o;
  o.udp = false;
  o.port = amq_port->port;
  CHECK(rpc::Client(a, 300019, o).Call(3 /* GETPID */, {}, std::chrono::seconds(5), 1).ok());
  double nfs_held = MedianMs(20, nfs), amq_held = MedianMs(20, amq);
  CHECK(nfs_held >= 0);
  CHECK(amq_held >= 0);
  std::printf(
      "lock-out: uid 65534 opened %d NFS and %d AMQ connections and holds %d and %d; root's NFS "
      "LOOKUP "
      "median %.2f ms (%.2f ms before), amq -p median %.2f ms (%.2f ms before)\n",
      nfs_hog.opened(), amq_hog.opened(), nfs_hog.held(), amq_hog.held(), nfs_held, nfs_alone,
      amq_held, amq_alone);
  std::string log = f.amd.Log();
  INFO(log.substr(0, 3000));
  CHECK(log.find("NFS: closed a connection from 127.0.0.1:") != std::string::npos);
  CHECK(log.find("(uid 65534) at once: it holds as many connections as one peer may") !=
        std::string::npos);
  CHECK(log.find("AMQ: closed a connection from 127.0.0.1:") != std::string::npos);
}

TEST_CASE("NFS front end: a key longer than a handle holds gets a hashed handle that still answers",
          "[root]") {
  Fixture f;
  f.Start("* type:=link;fs:=/srv/${key}\n");
  Bytes root = f.RootHandle();
  std::string name(60, 'k');
  auto [stat, fh] = f.Lookup(root, name);
  REQUIRE(stat == nfs3::kOk);
  CHECK(fh.size() == 24);  // the 16-byte header and the name's hash
  CHECK(f.Readlink(fh) == "/srv/" + name);
  CHECK(f.OnHandle(nfs3::kGetattr, fh).first == nfs3::kOk);
  CHECK(f.Lookup(root, name).second == fh);
  // One that was never looked up is not known: STALE, not a guess.
  Bytes other = fh;
  other[20] ^= 1;
  CHECK(f.OnHandle(nfs3::kGetattr, other).first == nfs3::kStale);
}

TEST_CASE(
    "NFS front end: calls from an unprivileged port are refused unless nfs_allow_insecure_port",
    "[root]") {
  Fixture f("", "");
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  Bytes args;
  rpc::XdrWriter(&args).String(f.home);
  // Over TCP the connection is closed at accept; over UDP the call gets
  // AUTH_TOOWEAK.
  CHECK_FALSE(f.Call(nfs3::mount::kProgram, nfs3::mount::kMnt, args, /*reserved=*/false).ok());
  CHECK(f.Call(nfs3::mount::kProgram, nfs3::mount::kMnt, args, /*reserved=*/true).ok());
  sockaddr_in a = Loopback(0);  // the port comes from the options
  rpc::Client::Options o;
  o.tcp = false;
  o.port = f.port;
  auto refused = rpc::Client(a, nfs3::mount::kProgram, o)
                     .Call(nfs3::mount::kMnt, args, std::chrono::seconds(5), 3);
  CHECK(refused.status().code() == std::make_error_code(std::errc::permission_denied));
  std::string log = f.amd.Log();
  INFO(log);
  CHECK(log.find("not a privileged port (nfs_allow_insecure_port = no)") != std::string::npos);
  CHECK(log.find("at once: every call from it would be refused") != std::string::npos);
}

// Runs a shell command; its exit status.
int Sh(const std::string& cmd) {
  SubprocessSpec spec;
  spec.path = "/bin/sh";
  spec.argv = {"sh", "-c", cmd};
  auto r = RunSubprocess(spec);
  return r.ok() ? r->exit_status : -1;
}

// A second host: a network namespace held by a process of ours, joined to
// this one by a veth pair (10.99.0.1 here, 10.99.0.2 there). Gone with
// the process and with this test's own network namespace.
class PeerHost {
 public:
  PeerHost() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/usr/bin/unshare", "unshare", "-n", "sleep", "60", nullptr);
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string p = std::to_string(pid_);
    ok_ = Sh("ip link add amdv0 type veth peer name amdv1 && ip addr add 10.99.0.1/24 dev amdv0 && "
             "ip link set amdv0 up && ip link set amdv1 netns " +
             p + " && nsenter -t " + p +
             " -n sh -c 'ip link set lo up && ip addr add 10.99.0.2/24 dev amdv1 && ip link set "
             "amdv1 up'") == 0;
  }
  ~PeerHost() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    Sh("ip link del amdv0 2>/dev/null");
  }
  bool ok() const { return ok_; }
  std::vector<std::string> Enter() const {
    return {"/usr/bin/nsenter", "-t", std::to_string(pid_), "-n"};
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool ok_ = false;
};

TEST_CASE("NFS front end: calls from another host are refused unless nfs_allow_any_interface",
          "[root]") {
  PeerHost peer;
  REQUIRE(peer.ok());
  std::string map = "alice type:=lofs;rfs:=/tmp\n";
  {
    Fixture f("nfs_allow_insecure_port = yes\nlocalhost_address = 10.99.0.1\n",
              "browsable_dirs = yes\n");
    f.host = "10.99.0.1";
    f.Start(map);
    INFO(f.amd.Log());
    // From this host, to its own address: answered.
    CHECK(f.Probe({"ls"}) == "alice lnk\n");
    // From the other host: refused, and logged.
    CHECK(f.Probe({"ls"}, peer.Enter()).rfind("error: ", 0) == 0);
    CHECK(f.amd.Log().find("refused call #1 from 10.99.0.2") != std::string::npos);
    CHECK(f.amd.Log().find("not an address of this host (nfs_allow_any_interface = no)") !=
          std::string::npos);
  }
  Fixture f(
      "nfs_allow_insecure_port = yes\nlocalhost_address = 10.99.0.1\nnfs_allow_any_interface = "
      "yes\n",
      "browsable_dirs = yes\n");
  f.host = "10.99.0.1";
  f.Start(map);
  INFO(f.amd.Log());
  CHECK(f.Probe({"ls"}, peer.Enter()) == "alice lnk\n");
}

TEST_CASE(
    "NFS front end and AMQ: another host holding what it can leaves this host's root its access",
    "[root]") {
  PeerHost peer;
  REQUIRE(peer.ok());
  Fixture f(
      "localhost_address = 10.99.0.1\nnfs_allow_any_interface = yes\namq_listen_address = "
      "0.0.0.0\n");
  f.host = "10.99.0.1";
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice\n");
  INFO(f.amd.Log().substr(0, 3000));
  auto amq_port = rpc::ReadAmqPortFile(300019);
  REQUIRE(amq_port);
  // From the other host: a user's connections to NFS (unprivileged ports,
  // refused anyway) are closed at accept; its root's and its user's AMQ
  // connections are held up to one peer's share.
  ConnectionHog::From user{peer.pid(), f.host, false}, root{peer.pid(), f.host, true};
  ConnectionHog insecure(f.port, 100, user);
  CHECK(insecure.opened() == 100);
  CHECK(insecure.held() == 0);
  ConnectionHog reserved(f.port, 300, root);
  CHECK(reserved.opened() >= 100);
  CHECK(reserved.held() == 16);
  ConnectionHog amq_user(amq_port->port, 100, user);
  CHECK(amq_user.held() == 16);
  // This host's root is served.
  Bytes home = f.RootHandle();
  CHECK(LookupStatus(f.port, home, "alice", std::chrono::seconds(5), f.host) == nfs3::kOk);
  CHECK(f.AmqPid() == std::to_string(f.amd.pid()) + "\n");
  std::string log = f.amd.Log();
  CHECK(log.find("NFS: closed a connection from 10.99.0.2:") != std::string::npos);
  CHECK(log.find("AMQ: closed a connection from 10.99.0.2:") != std::string::npos);
}

TEST_CASE("NFS front end: an idle key expires, its mount under autodir goes and the link with it",
          "[root]") {
  Fixture f("nfs_allow_insecure_port = yes\ncache_duration = 1\n", "");
  f.Start("alice type:=lofs;rfs:=" + f.src + "/alice;opts:=unmount\n");
  CHECK(f.Probe({"readlink", "/alice"}).find(f.src + "/alice") != std::string::npos);
  CHECK(f.Probe({"ls"}) == "alice lnk\n");  // not browsable: what is mounted
  CHECK(MountCountUnder(f.autodir) == 1);
  INFO(f.amd.Log());
  CHECK(WaitUntil([&] { return MountCountUnder(f.autodir) == 0; }, std::chrono::seconds(15)));
  CHECK(WaitUntil([&] { return f.Probe({"ls"}).empty(); }, std::chrono::seconds(5)));
  CHECK(f.amd.Log().find("alice: unmounted") != std::string::npos);
}

}  // namespace
}  // namespace amd::testing
