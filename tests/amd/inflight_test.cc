// InflightTable: requests recorded until answered, in memory that a
// forked process shares.
#include "amd/inflight.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace amd {
namespace {

kernel::AutofsPacket Packet(const std::string& name, uint32_t token) {
  kernel::AutofsPacket p;
  p.type = kernel::AutofsPacketType::kMissingIndirect;
  p.token = token;
  p.name = name;
  p.dev = 42;
  p.ino = 1ull << 40;
  p.uid = 1000;
  p.pid = 77;
  return p;
}

TEST_CASE("inflight: unanswered requests come back whole, answered ones do not", "[inflight]") {
  auto t = InflightTable::Create(8);
  REQUIRE(t);
  auto* a = t->Record("/home", Packet("alice", 1));
  auto* b = t->Record("/home/sub", Packet("bob", 2));
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  a->store(0);  // answered
  auto left = t->TakeAll();
  REQUIRE(left.size() == 1);
  CHECK(left[0].first == "/home/sub");
  CHECK(left[0].second.name == "bob");
  CHECK(left[0].second.token == 2);
  CHECK(left[0].second.dev == 42);
  CHECK(left[0].second.ino == 1ull << 40);
  CHECK(left[0].second.uid == 1000);
  CHECK(left[0].second.pid == 77);
  CHECK(left[0].second.type == kernel::AutofsPacketType::kMissingIndirect);
  CHECK(t->TakeAll().empty());  // taken
}

TEST_CASE("inflight: a full table or an overlong path records nothing", "[inflight]") {
  auto t = InflightTable::Create(2);
  REQUIRE(t);
  CHECK(t->Record("/a", Packet("x", 1)) != nullptr);
  CHECK(t->Record("/a", Packet("y", 2)) != nullptr);
  CHECK(t->Record("/a", Packet("z", 3)) == nullptr);
  CHECK(t->Record(std::string(2000, 'p'), Packet("x", 4)) == nullptr);
  CHECK(t->TakeAll().size() == 2);
}

TEST_CASE("inflight: a forked process sees what its parent recorded", "[inflight]") {
  auto t = InflightTable::Create(4);
  REQUIRE(t);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    t->Record("/home", Packet("from-child", 9));
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  auto left = t->TakeAll();
  REQUIRE(left.size() == 1);
  CHECK(left[0].second.name == "from-child");
}

}  // namespace
}  // namespace amd
