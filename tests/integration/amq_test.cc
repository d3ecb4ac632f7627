// The AMQ service of a real amd, called over TCP and UDP on loopback with
// the AMQ protocol's own XDR: every procedure, the refusal of changes to a
// non-root caller, and bad arguments.
#include <arpa/inet.h>
#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "amq/amq_client.h"
#include "base/subprocess.h"
#include "rpc/amq_port_file.h"
#include "rpc/amq_prot.h"
#include "rpc/rpc_client.h"
#include "rpc/xdr_codec.h"
#include "tests/fakes/skip.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/amd_daemon.h"

namespace amd::testing {
namespace {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

using amq::P;
using amq::StringArg;

// One AMQ call (version 1) to amd's port over TCP or UDP, from loopback or
// from the local address `from`: its results, or why there are none.
Result<std::vector<uint8_t>> Call(uint16_t port, bool tcp, uint32_t proc,
                                  const std::vector<uint8_t>& args = {},
                                  const char* from = "127.0.0.1") {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &addr.sin_addr);
  rpc::Client::Options o;
  o.tcp = tcp;
  o.udp = !tcp;
  o.port = port;
  o.local = addr;
  return rpc::Client(addr, 300019, o).Call(proc, args, std::chrono::seconds(5), 1);
}

template <typename T>
void Decode(const Result<std::vector<uint8_t>>& results, rpc::XdrValue<T>* out) {
  INFO(results.status().ToString());
  REQUIRE(results.ok());
  REQUIRE(out->Decode(*results).ok());
}

bool HasNode(const amq_mount_tree* t, const std::string& dir, const std::string& type) {
  for (; t != nullptr; t = t->mt_next) {
    if (dir == t->mt_directory && type == t->mt_type) return true;
    if (HasNode(t->mt_child, dir, type)) return true;
  }
  return false;
}

struct Fixture {
  // The map: `extra` lines (SRC standing for the source directory), then a
  // wildcard of lofs mounts of SRC/KEY.
  explicit Fixture(std::string extra = "", const std::string& global = "") : amd(dir) {
    dir.Write("src/alice/file", "alice\n");
    dir.Write("src/bob/file", "bob\n");
    home = dir.path() + "/home";
    port = FreePort();
    std::string src = dir.path() + "/src";
    for (size_t at; (at = extra.find("SRC")) != std::string::npos;) extra.replace(at, 3, src);
    amd.WriteMap("amd.home", extra + "* type:=lofs;rfs:=" + src + "/${key};opts:=unmount\n");
    amd.WriteConf(global + "preferred_amq_port = " + std::to_string(port) + "\n",
                  "[ " + home + " ]\nmap_name = amd.home\n");
    REQUIRE(amd.Start());
    REQUIRE(ReadText(home + "/alice/file") == "alice\n");
  }
  TempDir dir;
  AmdDaemon amd;
  std::string home;
  uint16_t port = 0;
};

TEST_CASE("AMQ answers every query over TCP and UDP", "[root]") {
  Fixture f;
  INFO(f.amd.Log());
  for (bool tcp : {true, false}) {
    CAPTURE(tcp);
    CHECK(Call(f.port, tcp, AMQPROC_NULL).ok());
    rpc::XdrValue<int> pid(P(xdr_int));
    Decode(Call(f.port, tcp, AMQPROC_GETPID), &pid);
    CHECK(pid.get() == f.amd.pid());
    rpc::XdrValue<amq_string> vers(P(xdr_amq_string));
    Decode(Call(f.port, tcp, AMQPROC_GETVERS), &vers);
    CHECK(std::string(vers.get()).rfind("amd 0.1.0", 0) == 0);
    rpc::XdrValue<amq_mount_tree_list> exp(P(xdr_amq_mount_tree_list));
    Decode(Call(f.port, tcp, AMQPROC_EXPORT), &exp);
    REQUIRE(exp.get().amq_mount_tree_list_len == 1);
    amq_mount_tree* root = exp.get().amq_mount_tree_list_val[0];
    CHECK(std::string(root->mt_type) == "root");
    CHECK(HasNode(root, f.home, "toplvl"));
    CHECK(HasNode(root, f.home + "/alice", "lofs"));
    rpc::XdrValue<amq_mount_tree_p> sub(P(xdr_amq_mount_tree_p));
    Decode(Call(f.port, tcp, AMQPROC_MNTTREE, StringArg(f.home + "/alice")), &sub);
    REQUIRE(sub.get() != nullptr);
    CHECK(std::string(sub.get()->mt_mountinfo) == f.dir.path() + "/src/alice");
    Decode(Call(f.port, tcp, AMQPROC_MNTTREE, StringArg("/nowhere")), &sub);
    CHECK(sub.get() == nullptr);
    rpc::XdrValue<amq_mount_info_list> mntfs(P(xdr_amq_mount_info_list));
    Decode(Call(f.port, tcp, AMQPROC_GETMNTFS), &mntfs);
    CHECK(mntfs.get().amq_mount_info_list_len >= 2);
    rpc::XdrValue<amq_map_info_list> maps(P(xdr_amq_map_info_list));
    Decode(Call(f.port, tcp, AMQPROC_GETMAPINFO), &maps);
    REQUIRE(maps.get().amq_map_info_list_len == 1);
    // The map's name is its full path, as search_path found it (${map}).
    CHECK(std::string(maps.get().amq_map_info_list_val[0].mi_name) ==
          f.amd.root() + "/maps/amd.home");
    CHECK(std::string(maps.get().amq_map_info_list_val[0].mi_wildcard).find("type:=lofs") == 0);
    rpc::XdrValue<amq_mount_stats> stats(P(xdr_amq_mount_stats));
    Decode(Call(f.port, tcp, AMQPROC_STATS), &stats);
    CHECK(stats.get().as_mok >= 1);
    rpc::XdrValue<amq_string> pawd(P(xdr_amq_string));
    Decode(Call(f.port, tcp, AMQPROC_PAWD, StringArg("/tmp")), &pawd);
    CHECK(std::string(pawd.get()).empty());  // no link leads there
    // AMQPROC_MOUNT is gone, as in am-utils 6.x; a bad argument is garbage.
    CHECK(Call(f.port, tcp, 7).status().ToString().find("procedure unavailable") == 0);
    CHECK(Call(f.port, tcp, AMQPROC_MNTTREE, {0, 0, 0, 9})
              .status()
              .ToString()
              .find("could not decode") != std::string::npos);
  }
}

TEST_CASE("AMQ: root unmounts and sets options, anyone else is refused", "[root]") {
  Fixture f;
  // A non-root caller (uid 65534) gets AUTH_ERROR for UMNT, and the mount stays.
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto r = Call(f.port, true, AMQPROC_UMNT, StringArg(f.home + "/alice"));
    auto q = Call(f.port, true, AMQPROC_GETPID);
    ::_exit(!r.ok() && r.status().code() == std::make_error_code(std::errc::permission_denied) &&
                    q.ok()
                ? 0
                : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(f.amd.Log().find("refused procedure 2 to 127.0.0.1") != std::string::npos);

  // Root: SYNC_UMNT waits for the unmount and says how it went.
  rpc::XdrValue<amq_sync_umnt_wire> done(P(xdr_amq_sync_umnt_wire));
  Decode(Call(f.port, true, AMQPROC_SYNC_UMNT, StringArg(f.home + "/alice")), &done);
  int32_t fields[3];
  std::memcpy(fields, done.get(), sizeof fields);
  CHECK(fields[0] == AMQ_UMNT_OK);
  CHECK_FALSE(IsMountPoint(f.home + "/alice"));
  Decode(Call(f.port, true, AMQPROC_SYNC_UMNT, StringArg(f.home + "/nobody")), &done);
  std::memcpy(fields, done.get(), sizeof fields);
  CHECK(fields[0] == AMQ_UMNT_FORK);  // not mounted
  CHECK(fields[1] == 0);
  // UMNT is asynchronous.
  REQUIRE(ReadText(f.home + "/bob/file") == "bob\n");
  CHECK(Call(f.port, false, AMQPROC_UMNT, StringArg(f.home + "/bob")).ok());
  CHECK(WaitUntil([&] { return !IsMountPoint(f.home + "/bob"); }, std::chrono::seconds(5)));
  // SETOPT: flush the map cache; a log file that is not amd's is refused.
  amq_setopt flush{AMOPT_FLUSHMAPC, const_cast<char*>("")};
  rpc::XdrValue<int> rc(P(xdr_int));
  Decode(Call(f.port, true, AMQPROC_SETOPT, *rpc::XdrEncode(P(xdr_amq_setopt), &flush)), &rc);
  CHECK(rc.get() == 0);
  amq_setopt logfile{AMOPT_LOGFILE, const_cast<char*>("/tmp/elsewhere")};
  Decode(Call(f.port, true, AMQPROC_SETOPT, *rpc::XdrEncode(P(xdr_amq_setopt), &logfile)), &rc);
  CHECK(rc.get() == EACCES);
  amq_setopt xlog{AMOPT_XLOG, const_cast<char*>("all,nodebug")};
  Decode(Call(f.port, true, AMQPROC_SETOPT, *rpc::XdrEncode(P(xdr_amq_setopt), &xlog)), &rc);
  CHECK(rc.get() == 0);
  amq_setopt bad{AMOPT_XLOG, const_cast<char*>("bogus")};
  Decode(Call(f.port, true, AMQPROC_SETOPT, *rpc::XdrEncode(P(xdr_amq_setopt), &bad)), &rc);
  CHECK(rc.get() == EINVAL);
}

}  // namespace
}  // namespace amd::testing

namespace amd::testing {
namespace {

struct AmqRun {
  int status = -1;
  std::string out;
};

// Runs the amq command against the fixture's amd (stderr captured too when
// `with_stderr`), from `cwd`.
AmqRun AmqCommand(const std::vector<std::string>& args, bool with_stderr = false,
                  const std::string& cwd = "/") {
  std::string cmd = "cd '" + cwd + "' && exec " + std::string(AMQ_BINARY);
  for (const auto& a : args) cmd += " '" + a + "'";
  SubprocessSpec spec;
  spec.path = "/bin/sh";
  spec.argv = {"sh", "-c", cmd};
  spec.capture_stderr = with_stderr;
  spec.timeout = std::chrono::seconds(30);
  auto r = RunSubprocess(spec);
  if (!r.ok()) return {};
  return {r->exit_status, r->output};
}

AmqRun Amq(const Fixture& f, std::vector<std::string> args, bool with_stderr = false,
           const std::string& cwd = "/") {
  args.insert(args.begin(), {"--port", std::to_string(f.port)});
  return AmqCommand(args, with_stderr, cwd);
}

// Runs the amq command as uid and gid 65534 (nobody), standard output and
// error together.
AmqRun AmqAsNobody(const Fixture& f, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  std::vector<std::string> words = {AMQ_BINARY, "--port", std::to_string(f.port)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
    ::execv(AMQ_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  AmqRun run;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) run.out.append(buf, size_t(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST_CASE("amq prints every listing of the original, over TCP and over UDP", "[root]") {
  Fixture f;
  REQUIRE(ReadText(f.home + "/bob/file") == "bob\n");
  INFO(f.amd.Log());
  for (const char* transport : {"-T", "-U"}) {
    CAPTURE(transport);
    AmqRun tree = Amq(f, {transport});
    CHECK(tree.status == 0);
    INFO(tree.out);
    // Columns one wider than their longest value, then the mount point.
    std::string dir = f.home + "/alice";
    std::string src = f.dir.path() + "/src/alice";
    size_t dw = dir.size() + 1, mw = std::max(src.size(), f.amd.root().size() + 14) + 1;
    auto pad = [](std::string s, size_t w) { return s + std::string(w - s.size(), ' '); };
    CHECK(tree.out.find(pad("/", dw) + " " + pad("root", 7) + " " + pad("\"root\"", mw) + " ") ==
          0);
    std::string map = f.amd.root() + "/maps/amd.home";  // as search_path found it
    CHECK(tree.out.find(pad(f.home, dw) + " " + pad("toplvl", 7) + " " + pad(map, mw) + " " +
                        f.home + "\n") != std::string::npos);
    CHECK(tree.out.find(pad(dir, dw) + " " + pad("lofs", 7) + " " + pad(src, mw) + " " + dir +
                        "\n") != std::string::npos);

    AmqRun mounts = Amq(f, {transport, "-m"});
    CHECK(mounts.status == 0);
    CHECK(mounts.out.find(pad(src, mw) + " " + pad(dir, dw) + " " + pad("lofs", 7) +
                          " 1   localhost is up \n") != std::string::npos);

    AmqRun stats = Amq(f, {transport, "-s"});
    CHECK(stats.out.rfind("requests  stale     mount     mount     unmount\n"
                          "deferred  fhandles  ok        failed    failed\n0         0         2 ",
                          0) == 0);

    AmqRun maps = Amq(f, {transport, "-i"});
    CHECK(maps.out.rfind(pad("Name", map.size() + 1) + " Wild", 0) == 0);
    CHECK(maps.out.find(pad(map, map.size() + 1) + "  type:=lofs;") != std::string::npos);
    CHECK(maps.out.find(" root ") != std::string::npos);

    AmqRun pid = Amq(f, {transport, "-p"});
    CHECK(pid.out == std::to_string(f.amd.pid()) + "\n");
    CHECK(Amq(f, {transport, "-v"}).out.rfind("amd 0.1.0: ", 0) == 0);

    AmqRun node = Amq(f, {transport, dir});
    CHECK(node.out.rfind(pad("What", dw) +
                             " Uid   Getattr Lookup RdDir   RdLnk   Statfs Mounted@\n" +
                             pad(dir, dw) + " 0     0       0      0       0       0      ",
                         0) == 0);
    AmqRun unknown = Amq(f, {transport, "/nowhere"}, true);
    CHECK(unknown.out == "amq: /nowhere not automounted\n");

    AmqRun json = Amq(f, {transport, "--json", "-m"});
    CHECK(json.out.find("\"mountpoint\": \"" + dir + "\"") != std::string::npos);
    CHECK(Amq(f, {transport, "--json"}).out.find("\"type\": \"toplvl\"") != std::string::npos);
    CHECK(Amq(f, {transport, "--json", "-s"}).out.find("\"mount_ok\": 2") != std::string::npos);
    CHECK(Amq(f, {transport, "--json", "-i"}).out.find("\"name\": \"" + map + "\"") !=
          std::string::npos);
    CHECK(Amq(f, {transport, "--json", dir}).out.find("\"directory\": \"" + dir + "\"") !=
          std::string::npos);
  }
  // Version 2: per-mount statistics; replicas and switching answer
  // PROC_UNAVAIL until failover; other versions PROG_MISMATCH.
  AmqRun ms = Amq(f, {"--mount-stats"});
  CHECK(ms.status == 0);
  CHECK(ms.out.find(f.home + "/alice") != std::string::npos);
  CHECK(ms.out.rfind("Path", 0) == 0);
  AmqRun msj = Amq(f, {"--json", "--mount-stats"});
  INFO(msj.out);
  CHECK(msj.out.find("\"requests\": 1") != std::string::npos);
  // -w: a working directory below an automount point is already its own
  // path under autofs (nothing to translate).
  CHECK(Amq(f, {"-w"}, false, f.home + "/alice").out == f.home + "/alice\n");
}

TEST_CASE("pawd and amq -w turn a link's target back into the map's name", "[root]") {
  Fixture f("link type:=link;fs:=SRC/bob\n", "autofs_use_lofs = no\n");
  std::string src = f.dir.path() + "/src";
  REQUIRE(ReadText(f.home + "/link/file") == "bob\n");
  SubprocessSpec spec;
  spec.path = PAWD_BINARY;
  spec.argv = {"pawd",      "--port", std::to_string(f.port), src + "/bob", src + "/bob/deeper",
               "/elsewhere"};
  auto r = RunSubprocess(spec);
  REQUIRE(r.ok());
  CHECK(r->output == f.home + "/link\n" + f.home + "/link/deeper\n/elsewhere\n");
  CHECK(Amq(f, {"-w"}, false, src + "/bob").out == f.home + "/link\n");
}

TEST_CASE("AMQ refuses changes to a caller that is not on loopback", "[root]") {
  // A network namespace of this test's own, where 10.77.0.1 is a local
  // address that is not loopback.
  if (::unshare(CLONE_NEWNET) != 0)
    AMD_SKIP(std::string("cannot make a network namespace: ") + std::strerror(errno));
  if (std::system("ip link set lo up && ip addr add 10.77.0.1/32 dev lo") != 0) {
    AMD_SKIP("cannot configure the test's network namespace with ip(8)");
  }
  Fixture f("", "amq_listen_address = 0.0.0.0\n");
  auto refused = Call(f.port, true, AMQPROC_UMNT, StringArg(f.home + "/alice"), "10.77.0.1");
  CHECK(refused.status().code() == std::make_error_code(std::errc::permission_denied));
  CHECK(Call(f.port, true, AMQPROC_GETPID, {}, "10.77.0.1").ok());  // queries stay open
  CHECK(IsMountPoint(f.home + "/alice"));
  CHECK(f.amd.Log().find("refused procedure 2 to 10.77.0.1:") != std::string::npos);
  // The same from loopback, as root, is done.
  CHECK(Call(f.port, true, AMQPROC_UMNT, StringArg(f.home + "/alice"), "127.0.0.1").ok());
  CHECK(WaitUntil([&] { return !IsMountPoint(f.home + "/alice"); }, std::chrono::seconds(5)));
}

TEST_CASE("amq -u, -uu, -f, -x, -l, -D and their exit status", "[root]") {
  Fixture f;
  REQUIRE(ReadText(f.home + "/bob/file") == "bob\n");
  // Not root: amd refuses, and amq says so (not "amd server down").
  AmqRun refused = AmqAsNobody(f, {"-uu", f.home + "/alice"});
  CHECK(refused.status == 1);
  CHECK(
      refused.out ==
      "amq: localhost: RPC: the server refused our credentials (auth_stat 5): Permission denied\n");
  CHECK(IsMountPoint(f.home + "/alice"));
  AmqRun uu = Amq(f, {"-uu", f.home + "/alice"}, true);
  CHECK(uu.status == 0);
  CHECK(uu.out.empty());
  CHECK_FALSE(IsMountPoint(f.home + "/alice"));
  CHECK(Amq(f, {"-uu", f.home + "/alice"}, true).out == f.home + "/alice is not mounted\n");
  CHECK(Amq(f, {"-q", "-uu", f.home + "/alice"}, true).out.empty());
  CHECK(Amq(f, {"-u", f.home + "/bob"}).status == 0);
  CHECK(WaitUntil([&] { return !IsMountPoint(f.home + "/bob"); }, std::chrono::seconds(5)));
  CHECK(Amq(f, {"-f"}).status == 0);
  CHECK(Amq(f, {"-x", "all"}).status == 0);
  AmqRun badx = Amq(f, {"-x", "bogus"}, true);
  CHECK(badx.status == 1);
  CHECK(badx.out == "amq: setting log level to \"bogus\" failed\n");
  AmqRun badl = Amq(f, {"-l", "/tmp/other.log"}, true);
  CHECK(badl.status == 1);
  CHECK(badl.out == "amq: setting logfile to \"/tmp/other.log\" failed\n");
  AmqRun debug = Amq(f, {"-D", "all"}, true);
  CHECK(debug.status == 1);
  CHECK(debug.out == "amq: daemon not compiled for debug\n");
  AmqRun usage = Amq(f, {"-u"}, true);
  CHECK(usage.status == 1);
  CHECK(usage.out.rfind("Usage: amq [-fimpqsvwHTU]", 0) == 0);
}

}  // namespace
}  // namespace amd::testing

namespace amd::testing {
namespace {

// A private rpcbind, run in this test's own network namespace and /run
// (tests/run-in-namespace.sh), stopped by its pid.
class PrivateRpcbind {
 public:
  PrivateRpcbind() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl(kRpcbind, "rpcbind", "-f", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~PrivateRpcbind() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool Ready() const {
    return pid_ > 0 && WaitUntil([] { return ::access("/run/rpcbind.sock", F_OK) == 0; },
                                 std::chrono::seconds(5));
  }
  static constexpr const char* kRpcbind = "/sbin/rpcbind";

 private:
  pid_t pid_ = -1;
};

// rpcinfo (libtirpc's client, independent of amd's code) on loopback: by
// default `rpcinfo -p`.
std::string RpcInfo(std::vector<std::string> args = {"-p", "127.0.0.1"}) {
  SubprocessSpec spec;
  spec.path = "/usr/sbin/rpcinfo";
  spec.argv = {"rpcinfo"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.capture_stderr = true;
  spec.timeout = std::chrono::seconds(10);
  auto r = RunSubprocess(spec);
  return r.ok() ? r->output : "";
}

bool Lists(const std::string& rpcinfo, int vers, const std::string& proto, uint16_t port) {
  char line[128];
  std::snprintf(line, sizeof line, "%10d%5d%6s%7u", 300019, vers, proto.c_str(), port);
  return rpcinfo.find(line) != std::string::npos;
}

TEST_CASE("amd registers AMQ with rpcbind on preferred_amq_port and amq finds it there", "[root]") {
  if (::access(PrivateRpcbind::kRpcbind, X_OK) != 0)
    AMD_SKIP("rpcbind is not installed (scripts/install-deps.sh)");
  if (::access("/run/rpcbind.sock", F_OK) == 0)
    AMD_SKIP("/run is not private to this test: an rpcbind runs");
  PrivateRpcbind rpcbind;
  REQUIRE(rpcbind.Ready());
  uint16_t port = 0;
  {
    Fixture f;
    INFO(f.amd.Log());
    port = f.port;
    std::string info = RpcInfo();
    INFO(info);
    for (int vers : {1, 2}) {
      CHECK(Lists(info, vers, "tcp", port));
      CHECK(Lists(info, vers, "udp", port));
    }
    // libtirpc's client calls NULL over both transports; an unknown version
    // learns the versions there are.
    for (const char* t : {"-t", "-u"}) {
      CAPTURE(t);
      CHECK(RpcInfo({t, "127.0.0.1", "300019", "1"}) ==
            "program 300019 version 1 ready and waiting\n");
      CHECK(RpcInfo({t, "127.0.0.1", "300019", "2"}) ==
            "program 300019 version 2 ready and waiting\n");
      CHECK(RpcInfo({t, "127.0.0.1", "300019", "3"}).find("low version = 1, high version = 2") !=
            std::string::npos);
    }
    // A client on libtirpc's clnt_create and clnt_call, as the original amq
    // is, gets every query answered over both transports.
    for (const char* proto : {"tcp", "udp"}) {
      CAPTURE(proto);
      SubprocessSpec spec;
      spec.path = TIRPC_AMQ_CLIENT;
      spec.argv = {"tirpc_amq_client", "localhost", proto, f.home + "/alice"};
      spec.timeout = std::chrono::seconds(60);
      auto r = RunSubprocess(spec);
      REQUIRE(r.ok());
      INFO(r->output);
      CHECK(r->exit_status == 0);
      CHECK(r->output.rfind("null\npid " + std::to_string(f.amd.pid()) + "\nvers amd 0.1.0", 0) ==
            0);
      CHECK(r->output.find("\nexport 1\n  0  root \"root\" ") != std::string::npos);
      std::string map = f.amd.root() + "/maps/amd.home";
      CHECK(r->output.find("\n  1 " + f.home + " toplvl " + map + " " + f.home + "\n") !=
            std::string::npos);
      CHECK(r->output.find("\nmnttree lofs\n") != std::string::npos);
      CHECK(r->output.find("\nmntfs " + f.dir.path() + "/src/alice " + f.home +
                           "/alice lofs localhost refc 1 up 1\n") != std::string::npos);
      CHECK(r->output.find("\nstats mok 1 merr 0 uerr 0\n") != std::string::npos);
      CHECK(r->output.find("\nmap " + map + " wildcard type:=lofs;") != std::string::npos);
      CHECK(r->output.find("\npawd \n") != std::string::npos);  // nothing to translate under autofs
      CHECK(r->output.find("proc ") == std::string::npos);
    }
    // amq without --port asks rpcbind, over either transport.
    for (const char* transport : {"-T", "-U"}) {
      AmqRun run = AmqCommand({transport, "-p"});
      CHECK(run.status == 0);
      CHECK(run.out == std::to_string(f.amd.pid()) + "\n");
    }
    ::unlink(rpc::AmqPortFile(300019).c_str());  // rpcbind alone must do
    AmqRun mounts = AmqCommand({"-m"});
    CHECK(mounts.out.find(f.home + "/alice") != std::string::npos);
    REQUIRE(f.amd.Stop() == 0);
    // Unregistered when it exits.
    CHECK(RpcInfo().find("300019") == std::string::npos);
  }
  AmqRun gone = AmqCommand({"-p"}, true);
  CHECK(gone.status == 1);
  CHECK(gone.out.rfind("amq: localhost: RPC: ", 0) == 0);
}

TEST_CASE("without rpcbind, amq on the same host finds amd through its port file", "[root]") {
  if (::access("/run/rpcbind.sock", F_OK) == 0)
    AMD_SKIP("/run is not private to this test: an rpcbind runs");
  std::string file = rpc::AmqPortFile(300019);
  {
    Fixture f;
    INFO(f.amd.Log());
    CHECK(ReadText(file) == "127.0.0.1 " + std::to_string(f.port) + "\n");
    for (const char* transport : {"-T", "-U"}) {
      AmqRun run = AmqCommand({transport, "-p"});
      CHECK(run.status == 0);
      CHECK(run.out == std::to_string(f.amd.pid()) + "\n");
    }
    // Another program number has no file: amq fails as the original does.
    AmqRun other = AmqCommand({"-P", "300020", "-p"}, true);
    CHECK(other.status == 1);
    CHECK(other.out == "amq: localhost: RPC: rpcbind: no answer: Connection refused\n");
    REQUIRE(f.amd.Stop() == 0);
    CHECK(::access(file.c_str(), F_OK) != 0);
  }
}

}  // namespace
}  // namespace amd::testing
