// Engine tests against FakeKernel: every step of a mount sequence fails in
// turn, and the node's state and the answer to the kernel are checked.
#include "amd/engine.h"

#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "tests/fakes/fake_kernel.h"
#include "tests/fakes/fake_world.h"
#include "tests/fakes/temp_dir.h"

namespace amd {
namespace {

using testing::FakeAutofs;
using testing::FakeAutofsState;
using testing::FakeKernel;

struct Fixture {
  explicit Fixture(const std::string& map, const std::string& global_extra = "",
                   Engine::Options opts = Default(),
                   const std::string& section = "map_name = amd.home\n") {
    dir.Write("maps/amd.home", map);
    std::string text = "[global]\nsearch_path = " + dir.path() +
                       "/maps\nauto_dir = /a\nplock = no\n" + global_extra + "\n[/home]\n" +
                       section;
    Diagnostics d;
    config = conf::BuildConfig(text, "amd.conf", {}, {}, &d);
    REQUIRE(config);
    log = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
    kernel.existing.insert("/home");
    Engine::Watcher watcher{[this](int id, int, const std::string&) { points.push_back(id); },
                            [](int) {}};
    engine = std::make_unique<Engine>(io, kernel, pool, world, testing::SkyFacts(), config, log,
                                      opts, watcher);
    REQUIRE(engine->Start().ok());
    autofs = kernel.autofs.at("/home").get();
  }
  static Engine::Options Default() {
    Engine::Options o;
    o.negative_ttl = std::chrono::milliseconds(0);
    o.long_negative_ttl = std::chrono::milliseconds(0);
    return o;
  }
  ~Fixture() {
    bool done = false;
    engine->Shutdown([&] { done = true; });
    RunUntil([&] { return done; });
    pool.Join();
  }
  template <typename Pred>
  bool RunUntil(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void Send(int point, kernel::AutofsPacketType type, const std::string& name, uint32_t token) {
    kernel::AutofsPacket p;
    p.type = type;
    p.proto_version = 5;
    p.token = token;
    p.name = name;
    engine->OnPacket(point, p);
  }
  std::string Request(const std::string& name, uint32_t token, FakeAutofsState* a = nullptr,
                      int point = 0) {
    a = a ? a : autofs;
    Send(point ? point : points.at(0), kernel::AutofsPacketType::kMissingIndirect, name, token);
    // The worker may answer before the engine has taken in the result.
    RunUntil([&] { return !a->AnswerFor(token).empty() && !engine->Busy(); });
    return a->AnswerFor(token);
  }
  std::string Expire(const std::string& name, uint32_t token) {
    Send(points.at(0), kernel::AutofsPacketType::kExpireIndirect, name, token);
    RunUntil([&] { return !autofs->AnswerFor(token).empty() && !engine->Busy(); });
    return autofs->AnswerFor(token);
  }
  size_t Count(const std::string& prefix) {
    size_t n = 0;
    for (const auto& c : kernel.calls()) n += c.rfind(prefix, 0) == 0;
    return n;
  }

  testing::TempDir dir;
  std::shared_ptr<const conf::Config> config;
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log;
  boost::asio::io_context io;
  WorkerPool pool{4, 2};
  FakeKernel kernel;
  testing::FakeWorld world;
  std::unique_ptr<Engine> engine;
  std::vector<int> points;
  FakeAutofsState* autofs = nullptr;  // owned by kernel.autofs
};

const std::string kLofs = "k type:=lofs;rfs:=/src/k;opts:=unmount\n";

TEST_CASE("engine: a lofs mount is mkdir then bind mount, answered ready", "[engine]") {
  Fixture f(kLofs);
  CHECK(f.Request("k", 1) == "ready");
  auto calls = f.kernel.calls();
  REQUIRE(calls.size() >= 2);
  CHECK(calls[calls.size() - 2] == "mkdir /home/k");
  CHECK(calls.back() == "mount /src/k /home/k  4096 ");  // MS_BIND
  CHECK(f.engine->stats().mounts_ok == 1);
}

TEST_CASE("engine: each failing step of a mount fails the request and undoes the rest",
          "[engine]") {
  for (int step = 1; step <= 2; ++step) {
    DYNAMIC_SECTION("step " << step) {
      Fixture f(kLofs);
      size_t before = f.kernel.calls().size();
      f.kernel.FailCall(step, EACCES);
      CHECK(f.Request("k", 1) == "fail 2");  // ENOENT to the process
      auto calls = f.kernel.calls();
      std::vector<std::string> made(calls.begin() + static_cast<long>(before), calls.end());
      if (step == 1) {
        CHECK(made == std::vector<std::string>{"mkdir /home/k"});
      } else {
        CHECK(made == std::vector<std::string>{"mkdir /home/k", "mount /src/k /home/k  4096 ",
                                               "rmdir /home/k"});
      }
      CHECK(f.engine->stats().mounts_failed == 1);
      // The node failed; with no negative cache the next request retries.
      CHECK(f.Request("k", 2) == "ready");
    }
  }
}

TEST_CASE("engine: an unmount asked for while the key is still mounting waits for the mount",
          "[engine]") {
  // The kernel is answered by the worker before the engine takes the
  // result in: a caller that saw the mount may ask for its unmount first.
  Fixture f(kLofs);
  f.kernel.DelayPrefix("mount /src/k", std::chrono::milliseconds(200));
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k", 1);
  std::optional<Status> result;
  f.engine->UnmountPath("/home/k", [&](Status s) { result = s; });
  CHECK_FALSE(result);
  f.RunUntil([&] { return result.has_value() && !f.engine->Busy(); });
  REQUIRE(result);
  CHECK(result->ok());
  CHECK(f.autofs->AnswerFor(1) == "ready");
  CHECK(f.Count("umount /home/k") == 1);
}

TEST_CASE("engine: a failing READY is logged and the node stays mounted", "[engine]") {
  Fixture f(kLofs);
  f.autofs->fail_ready = true;
  CHECK(f.Request("k", 1) == "ready");
  CHECK(f.log_text.str().find("autofs ready") != std::string::npos);
  size_t mounts = f.Count("mount ");
  f.autofs->fail_ready = false;
  CHECK(f.Request("k", 2) == "ready");
  CHECK(f.Count("mount ") == mounts);  // no second mount
}

TEST_CASE("engine: a failing unmount answers the expire with EBUSY and keeps the node",
          "[engine]") {
  // The engine's clock is the test's: the dismount interval passes at once.
  auto now = std::chrono::steady_clock::now();
  Engine::Options o = Fixture::Default();
  o.clock = [&now] { return now; };
  Fixture f(kLofs, "dismount_interval = 1\n", o);
  REQUIRE(f.Request("k", 1) == "ready");
  f.kernel.FailPrefix("umount", EBUSY);
  CHECK(f.Expire("k", 2) == "fail 16");
  CHECK(f.engine->stats().unmounts_failed == 1);
  size_t mounts = f.Count("mount ");
  CHECK(f.Request("k", 3) == "ready");  // still mounted: answered at once
  CHECK(f.Count("mount ") == mounts);
  CHECK(f.Expire("k", 4) == "fail 2");  // within dismount_interval: refused
  f.kernel.ClearFailures();
  now += std::chrono::milliseconds(1100);
  CHECK(f.Expire("k", 5) == "ready");
  auto calls = f.kernel.calls();
  CHECK(calls.back() == "rmdir /home/k");
  CHECK(f.Request("k", 6) == "ready");  // and mounts again
  CHECK(f.Count("mount ") == mounts + 1);
}

TEST_CASE("engine: types that never time out refuse to expire", "[engine]") {
  Fixture f("k type:=lofs;rfs:=/src/k\n");
  REQUIRE(f.Request("k", 1) == "ready");
  CHECK(f.Expire("k", 2) == "fail 2");
  CHECK(f.Count("umount") == 0);
  CHECK(f.Expire("unknown", 3) == "fail 2");
}

TEST_CASE("engine: concurrent requests for one key share one mount", "[engine]") {
  Fixture f(kLofs);
  f.kernel.DelayPrefix("mount", std::chrono::milliseconds(100));
  for (uint32_t t = 1; t <= 50; ++t) {
    f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k", t);
  }
  f.RunUntil([&] { return f.autofs->answer_count() == 50 && !f.engine->Busy(); });
  for (uint32_t t = 1; t <= 50; ++t) CHECK(f.autofs->AnswerFor(t) == "ready");
  CHECK(f.Count("mount ") == 1);
}

TEST_CASE("engine: every location is tried in order, then ENOENT", "[engine]") {
  Fixture f("k type:=lofs;rfs:=/one type:=lofs;rfs:=/two type:=lofs;rfs:=/three\n");
  f.kernel.FailPrefix("mount /one", ENOENT);
  f.kernel.FailPrefix("mount /two", ENOENT);
  f.kernel.FailPrefix("mount /three", ENOENT);
  CHECK(f.Request("k", 1) == "fail 2");
  CHECK(f.Count("mount /one") == 1);
  CHECK(f.Count("mount /two") == 1);
  CHECK(f.Count("mount /three") == 1);
  CHECK(f.Count("rmdir /home/k") == 3);
  f.kernel.ClearFailures();
  f.kernel.FailPrefix("mount /one", ENOENT);
  CHECK(f.Request("k", 2) == "ready");
  CHECK(f.Count("mount /two") == 2);
}

TEST_CASE("engine: a failure is remembered for the negative-cache time", "[engine]") {
  Engine::Options o;
  o.negative_ttl = std::chrono::seconds(5);
  o.long_negative_ttl = std::chrono::milliseconds(0);
  Fixture f(kLofs, "", o);
  f.kernel.FailPrefix("mount", EACCES);
  CHECK(f.Request("k", 1) == "fail 2");
  size_t calls = f.kernel.calls().size();
  CHECK(f.Request("k", 2) == "fail 2");
  CHECK(f.kernel.calls().size() == calls);  // answered from the negative cache
}

TEST_CASE("engine: EIO failures are remembered longer", "[engine]") {
  Engine::Options o = Fixture::Default();  // short TTL 0
  o.long_negative_ttl = std::chrono::seconds(17);
  Fixture f(kLofs, "", o);
  f.kernel.FailPrefix("mount", EIO);
  CHECK(f.Request("k", 1) == "fail 2");
  f.kernel.ClearFailures();
  size_t calls = f.kernel.calls().size();
  CHECK(f.Request("k", 2) == "fail 2");
  CHECK(f.kernel.calls().size() == calls);
}

TEST_CASE("engine: a mount that takes too long fails, and its late result is undone", "[engine]") {
  // The engine's clock and ticks are the test's: the attempt is past its
  // deadline at the first tick after it.
  auto now = std::chrono::steady_clock::now();
  Engine::Options o = Fixture::Default();
  o.clock = [&now] { return now; };
  o.own_ticks = false;
  Fixture f(kLofs, "", o);
  f.kernel.DelayPrefix("mount", std::chrono::milliseconds(400));
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k", 1);
  REQUIRE(f.RunUntil([&] { return f.Count("mkdir /home/k") == 1; }));  // the mount is under way
  f.engine->Tick(now + std::chrono::seconds(39));
  CHECK(f.autofs->AnswerFor(1).empty());  // not yet: mount_timeout is 40 s
  now += std::chrono::seconds(41);
  f.engine->Tick(now);
  CHECK(f.autofs->AnswerFor(1) == "fail 110");  // ETIMEDOUT
  // The worker unmounts, then removes the directory: wait for both.
  f.RunUntil([&] { return f.Count("umount /home/k") == 1 && f.Count("rmdir /home/k") == 1; });
  CHECK(f.Count("umount /home/k") == 1);
  CHECK(f.Count("rmdir /home/k") == 1);
}

TEST_CASE("engine: expire loops start at the tick once their interval has passed", "[engine]") {
  auto now = std::chrono::steady_clock::now();
  Engine::Options o = Fixture::Default();
  o.clock = [&now] { return now; };
  o.own_ticks = false;
  Fixture f(kLofs, "cache_duration = 8\n", o);  // a round every 2 s
  REQUIRE(f.Request("k", 1) == "ready");
  f.engine->Tick(now + std::chrono::seconds(1));
  f.RunUntil([&] { return false; }, std::chrono::milliseconds(50));
  CHECK(f.autofs->expire_calls == 0);
  f.engine->Tick(now + std::chrono::seconds(2));
  CHECK(f.RunUntil([&] { return f.autofs->expire_calls > 0; }));
}

TEST_CASE(
    "engine: lookups abandoned when their mount times out stop their map program, or never start",
    "[engine]") {
  testing::TempDir progs;
  std::string runs_file = progs.path() + "/runs";
  std::string prog = progs.Write("prog",
                                 "#!/bin/sh\n"
                                 "case \"$1\" in /defaults) exit 0;; esac\n"
                                 "echo \"$1 $$\" >> " +
                                     runs_file +
                                     "\n"
                                     "exec sleep 1000\n",
                                 0755);
  // The engine's clock and ticks are the test's: every attempt is past
  // mount_timeout at one tick, once the first programs run.
  auto now = std::chrono::steady_clock::now();
  Engine::Options o = Fixture::Default();
  o.clock = [&now] { return now; };
  o.own_ticks = false;
  auto started = std::chrono::steady_clock::now();
  {
    Fixture f("", "exec_map_timeout = 30\n", o, "map_type = exec\nmap_name = " + prog + "\n");
    // Six keys; the map's lane runs two at a time (the pool has four
    // workers: map programs get two of them).
    for (uint32_t t = 1; t <= 6; ++t)
      f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k" + std::to_string(t),
             t);
    auto lines = [&] {
      std::string error;
      std::string text = ReadWholeFile(runs_file, &error).value_or("");
      return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    };
    REQUIRE(f.RunUntil([&] { return lines() >= 2; }));
    now += std::chrono::seconds(41);
    f.engine->Tick(now);
    REQUIRE(f.RunUntil([&] {
      for (uint32_t t = 1; t <= 6; ++t) {
        if (f.autofs->AnswerFor(t).empty()) return false;
      }
      return true;
    }));
    for (uint32_t t = 1; t <= 6; ++t) CHECK(f.autofs->AnswerFor(t) == "fail 110");  // ETIMEDOUT
    // The programs that ran are killed; those still queued when their
    // attempt was abandoned never run.
    f.RunUntil([&] { return !f.engine->Busy(); }, std::chrono::seconds(3));
    auto runs = [&] {
      std::vector<pid_t> pids;
      std::string error;
      std::istringstream in(ReadWholeFile(runs_file, &error).value_or(""));
      std::string key;
      pid_t pid;
      while (in >> key >> pid) pids.push_back(pid);
      return pids;
    };
    std::vector<pid_t> pids = runs();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    f.RunUntil([&] { return false; }, std::chrono::milliseconds(100));
    CHECK(runs().size() == pids.size());  // nothing more started
    CHECK(pids.size() >= 2);
    CHECK(pids.size() < 6);
    for (pid_t p : pids) {
      CHECK(f.RunUntil([&] { return ::kill(p, 0) != 0; }, std::chrono::seconds(2)));
    }
    INFO(f.log_text.str());
    CHECK(f.log_text.str().find("the lookup was abandoned") != std::string::npos);
  }
  // Long before the programs' own 30 s timeout.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}

TEST_CASE("engine: a request given up leaves the attempt to the request still waiting for it",
          "[engine]") {
  Fixture f(kLofs);
  f.kernel.DelayPrefix("mount", std::chrono::milliseconds(300));
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k", 1);  // starts it
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "k", 2);  // waits for it
  f.engine->OnAbandoned(f.points.at(0), 2);
  REQUIRE(f.RunUntil([&] { return !f.autofs->AnswerFor(1).empty() && !f.engine->Busy(); }));
  CHECK(f.autofs->AnswerFor(1) == "ready");
  CHECK(f.autofs->AnswerFor(2) == "fail 125");  // ECANCELED: its caller is gone
  CHECK(f.Count("umount /home/k") == 0);        // the mount stays
  CHECK(f.Request("k", 3) == "ready");
}

TEST_CASE("engine: type:=auto makes a nested automount point", "[engine]") {
  Fixture f("sub type:=auto;fs:=${map};pref:=${key}/\nsub/x type:=link;fs:=/target\n");
  CHECK(f.Request("sub", 1) == "ready");
  CHECK(f.Count("mkdir /home/sub") == 1);
  CHECK(f.Count("autofs /home/sub") == 1);
  REQUIRE(f.points.size() == 2);
  FakeAutofsState* child = f.kernel.autofs.at("/home/sub").get();
  CHECK(f.Request("x", 7, child, f.points[1]) == "ready");
  CHECK(f.Count("mount /target /home/sub/x") == 1);
}

// Shuts the engine down with "k" mounted (token 1) and "slow" being
// mounted (token 2); true when `done` was called.
bool ShutdownWhileMounting(Fixture& f, Engine::OnExit on_exit) {
  REQUIRE(f.Request("k", 1) == "ready");
  f.kernel.DelayPrefix("mount /slow", std::chrono::milliseconds(300));
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "slow", 2);
  f.io.restart();
  f.io.poll();
  bool done = false;
  f.engine->Shutdown([&] { done = true; }, on_exit);
  CHECK(f.autofs->AnswerFor(2) == "fail 2");  // the waiting fail at once
  f.RunUntil([&] { return done; });
  return done;
}

TEST_CASE("engine: shutdown unmounts everything and fails the waiting", "[engine]") {
  auto f = std::make_unique<Fixture>(kLofs + "slow type:=lofs;rfs:=/slow\n");
  CHECK(ShutdownWhileMounting(*f, Engine::OnExit::kUnmount));
  CHECK(f->Count("umount /home/k 0") == 1);
  CHECK(f->autofs->unmounted());
  f->pool.Join();
}

TEST_CASE("engine: shutdown with unmount_on_exit = no leaves the mounts, catatonic", "[engine]") {
  auto f = std::make_unique<Fixture>(kLofs + "slow type:=lofs;rfs:=/slow\n");
  CHECK(ShutdownWhileMounting(*f, Engine::OnExit::kLeave));
  f->pool.Join();
  CHECK(f->Count("umount") == 0);
  CHECK_FALSE(f->autofs->unmounted());
  CHECK(f->autofs->told() == std::vector<std::string>{"catatonic"});
}

TEST_CASE("engine: utimeout= sets the key's own kernel timeout", "[engine]") {
  Fixture f("a type:=lofs;rfs:=/src/a;opts:=utimeout=7\nb type:=lofs;rfs:=/src/b;opts:=unmount\n");
  CHECK(f.Request("a", 1) == "ready");
  CHECK(f.Request("b", 2) == "ready");
  CHECK(f.autofs->told() == std::vector<std::string>{"timeout a 7"});
}

TEST_CASE("engine: requests stay recorded until answered, and a new engine serves them",
          "[engine]") {
  auto table = InflightTable::Create(16);
  Engine::Options opts = Fixture::Default();
  opts.inflight = table.get();
  kernel::AutofsPacket left;
  {
    Fixture f(kLofs + "slow type:=lofs;rfs:=/slow\n", "", opts);
    REQUIRE(f.Request("k", 1) == "ready");
    // Answered: nothing left. A request whose mount hangs stays recorded.
    f.kernel.DelayPrefix("mount /slow", std::chrono::milliseconds(500));
    f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "slow", 2);
    f.io.restart();
    f.io.poll();
    auto pending = table->TakeAll();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].first == "/home");
    left = pending[0].second;
  }
  // Another engine (as after the first was killed) gets the request.
  Fixture g(kLofs + "slow type:=lofs;rfs:=/slow\n", "", opts);
  g.engine->Replay({{"/home", left}, {"/gone", left}});
  g.RunUntil([&] { return !g.autofs->AnswerFor(2).empty() && !g.engine->Busy(); });
  CHECK(g.autofs->AnswerFor(2) == "ready");
  CHECK(g.Count("mount /slow /home/slow") == 1);
  CHECK(g.log_text.str().find(
            "/gone: a request for \"slow\" left by the previous engine has no automount point") !=
        std::string::npos);
  CHECK(table->TakeAll().empty());
}

TEST_CASE("engine: a slow server holds at most its lane of workers", "[engine]") {
  // Four workers, two per server. Four mounts from a hanging server must
  // leave room for another server and for local mounts.
  Fixture f(
      "/defaults type:=nfs;rfs:=/x\n"
      "d1 rhost:=dead\nd2 rhost:=dead\nd3 rhost:=dead\nd4 rhost:=dead\n"
      "alive rhost:=alive\n"
      "local type:=lofs;rfs:=/src\n");
  f.world.addresses["dead"] = {0x0a000001};
  f.world.addresses["alive"] = {0x0a000002};
  f.kernel.DelayPrefix("mount dead:", std::chrono::seconds(2));
  uint32_t token = 1;
  for (const char* k : {"d1", "d2", "d3", "d4"}) {
    f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, k, token++);
  }
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "alive", 10);
  f.Send(f.points.at(0), kernel::AutofsPacketType::kMissingIndirect, "local", 11);
  f.RunUntil([&] { return !f.autofs->AnswerFor(10).empty() && !f.autofs->AnswerFor(11).empty(); });
  CHECK(f.autofs->AnswerFor(10) == "ready");
  CHECK(f.autofs->AnswerFor(11) == "ready");
  // Served before any mount from the dead server finished: not behind it.
  for (uint32_t t = 1; t <= 4; ++t) CHECK(f.autofs->AnswerFor(t).empty());
  f.RunUntil([&] { return f.autofs->answer_count() == 6 && !f.engine->Busy(); },
             std::chrono::seconds(15));
  for (uint32_t t = 1; t <= 4; ++t) CHECK(f.autofs->AnswerFor(t) == "ready");
}

TEST_CASE("engine: type:=host mounts every export of the server below the key, parents first",
          "[engine]") {
  Fixture f(
      "h type:=host;rhost:=srv;opts:=ro,soft,mountport=20048,proto=udp\n"
      "none type:=host;rhost:=empty\n"
      "down type:=host;rhost:=down\n");
  f.world.addresses["srv"] = {0x0a000003};
  f.world.addresses["empty"] = {0x0a000004};
  f.world.addresses["down"] = {0x0a000005};
  f.world.exports[0x0a000003] = {"/b", "/a/sub", "/a", "relative", "/a"};
  f.world.exports[0x0a000004] = {};
  f.kernel.FailPrefix("mount srv:/b ", EACCES);
  CHECK(f.Request("h", 1) == "ready");
  REQUIRE(f.world.asked_exports.size() == 1);
  CHECK(f.world.asked_exports[0] == "167772163 20048 udp");
  std::vector<std::string> mounts;
  for (const auto& c : f.kernel.calls()) {
    if (c.rfind("mount srv:", 0) == 0 || c.rfind("mkdir /home/h", 0) == 0)
      mounts.push_back(c.substr(0, c.find(" nfs")));
  }
  CHECK(mounts == std::vector<std::string>{"mkdir /home/h", "mkdir /home/h/a",
                                           "mount srv:/a /home/h/a", "mkdir /home/h/a/sub",
                                           "mount srv:/a/sub /home/h/a/sub", "mkdir /home/h/b",
                                           "mount srv:/b /home/h/b"});
  CHECK(f.log_text.str().find("/home/h: host srv: export /b not mounted") != std::string::npos);
  // Each export is an NFS mount with the location's options.
  bool found = false;
  for (const auto& c : f.kernel.calls()) {
    if (c.rfind("mount srv:/a/sub ", 0) == 0) {
      found = true;
      CHECK(c.find("proto=udp") != std::string::npos);
      CHECK(c.find("soft") != std::string::npos);
      CHECK(c.find("addr=10.0.0.3") != std::string::npos);
    }
  }
  CHECK(found);
  // The expiry undoes them in reverse: inner exports first.
  CHECK(f.Expire("h", 2) == "ready");
  std::vector<std::string> unmounts;
  for (const auto& c : f.kernel.calls()) {
    if (c.rfind("umount /home/h", 0) == 0) unmounts.push_back(c);
  }
  REQUIRE(unmounts.size() == 2);
  CHECK(unmounts[0].rfind("umount /home/h/a/sub", 0) == 0);
  CHECK(unmounts[1].rfind("umount /home/h/a ", 0) == 0);
  // A server that exports nothing, and one whose MOUNT service does not answer.
  CHECK(f.Request("none", 3) == "fail 2");
  CHECK(f.log_text.str().find("host empty exports nothing") != std::string::npos);
  CHECK(f.Request("down", 4) != "ready");
  CHECK(f.log_text.str().find("host down: MOUNT EXPORT: no answer") != std::string::npos);
}

TEST_CASE("a dropped reply answers FAIL", "[engine]") {
  auto state = std::make_shared<FakeAutofsState>();
  auto a = std::make_shared<FakeAutofs>("/x", state);
  { AutofsReply r(a, 9); }
  CHECK(state->AnswerFor(9) == "fail 2");
  AutofsReply moved(a, 10);
  AutofsReply other = std::move(moved);
  CHECK(other.Ready().ok());
  CHECK(state->AnswerFor(10) == "ready");  // once
}

}  // namespace
}  // namespace amd
