// The RLP requester's protocol logic (rlp::Query), on a made-up clock:
// what it sends and when, how replies are matched and merged, and when it
// stops.
#include <catch2/catch.hpp>

#include "rlp/rlp_query.h"

namespace amd::rlp {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kBcast = 0x0a4d00ff;  // 10.77.0.255
constexpr uint32_t kA = 0x0a4d0002, kB = 0x0a4d0003, kC = 0x0a4d0004, kFar = 0x0a4d0101;

Resource Vol(const std::string& p) { return *NfsVolume(p); }

QueryOptions Options() {
  QueryOptions o;
  o.resources = {Vol("/export/vol"), Vol("/export/other")};
  return o;
}

Message Sent(const Query::Datagram& d) {
  auto m = Decode(d.bytes);
  REQUIRE(m.ok());
  return *m;
}

std::vector<uint8_t> Reply(const Message& request, std::vector<Resource> resources,
                           Type type = Type::kIProvide) {
  Message r;
  r.type = type;
  r.id = request.id;
  r.resources = std::move(resources);
  return *Encode(r);
}

TEST_CASE("rlp query: broadcasts Who-Provides? with L and asks named hosts Do-You-Provide? without",
          "[unit][rlp]") {
  auto o = Options();
  o.hosts = {kFar};
  auto t0 = Clock::now();
  Query q(o, {kBcast}, t0, 100);
  REQUIRE(q.status().ok());
  auto first = q.Due(t0);
  REQUIRE(first.size() == 2);
  CHECK(first[0].to == kBcast);
  Message b = Sent(first[0]);
  CHECK(b.type == Type::kWhoProvides);
  CHECK(b.local_only);
  CHECK(b.id == 100);
  CHECK(b.resources == o.resources);
  CHECK(first[1].to == kFar);
  Message u = Sent(first[1]);
  CHECK(u.type == Type::kDoYouProvide);
  CHECK_FALSE(u.local_only);
  CHECK(u.id == 101);
  CHECK(q.Due(t0 + 1ms).empty());

  o.anywhere = true;
  o.local_only = false;
  Query any(o, {kBcast}, t0, 7);
  auto sent = any.Due(t0);
  CHECK(Sent(sent[0]).type == Type::kWhoAnywhereProvides);
  CHECK_FALSE(Sent(sent[0]).local_only);
  CHECK(Sent(sent[1]).type == Type::kDoesAnyoneProvide);
}

TEST_CASE(
    "rlp query: retransmits with doubling intervals, each with an ID of its own, until answered",
    "[unit][rlp]") {
  auto o = Options();
  o.hosts = {kFar};
  o.broadcast = false;
  o.first_retry = 100ms;
  o.retries = 3;
  o.max_wait = 2000ms;
  auto t0 = Clock::now();
  Query q(o, {}, t0, 0xfffe);
  std::vector<uint16_t> ids;
  std::vector<long> at;
  for (int ms = 0; ms <= 1000; ms += 10) {
    for (auto& d : q.Due(t0 + std::chrono::milliseconds(ms))) {
      ids.push_back(Sent(d).id);
      at.push_back(ms);
    }
  }
  CHECK(at == std::vector<long>{0, 100, 300, 700});
  CHECK(ids == std::vector<uint16_t>{0xfffe, 0xffff, 0, 1});  // the ID wraps
  CHECK_FALSE(q.Done(t0 + 1000ms));
  CHECK(q.Done(t0 + 2000ms));
  auto r = q.Result(t0 + 2000ms);
  CHECK(r.sent == 4);
  CHECK(r.no_answer == std::vector<uint32_t>{kFar});
  CHECK(r.providers.empty());

  // A reply to the second transmission: its round trip counts from that one.
  Query q2(o, {}, t0, 10);
  Message first = Sent(q2.Due(t0)[0]);
  Message second = Sent(q2.Due(t0 + 100ms)[0]);
  q2.OnDatagram(kFar, Reply(second, {Vol("/export/vol")}), t0 + 105ms);
  CHECK(q2.Done(t0 + 105ms));  // every named host answered, no broadcast
  CHECK(q2.Due(t0 + 300ms).empty());
  auto r2 = q2.Result(t0 + 105ms);
  REQUIRE(r2.providers.size() == 1);
  CHECK(r2.providers[0].rtt_ms == Approx(5.0));
  CHECK(r2.providers[0].asked_directly);
  CHECK(r2.no_answer.empty());
  (void)first;
}

TEST_CASE("rlp query: merges replies per host, keeps only resources asked, ignores strangers",
          "[unit][rlp]") {
  auto o = Options();
  auto t0 = Clock::now();
  Query q(o, {kBcast}, t0, 500);
  Message b = Sent(q.Due(t0)[0]);
  q.OnDatagram(kB, Reply(b, {Vol("/export/other")}), t0 + 3ms);
  q.OnDatagram(kA, Reply(b, {Vol("/export/vol"), Vol("/export/unasked")}), t0 + 1ms);
  q.OnDatagram(kA, Reply(b, {Vol("/export/vol")}), t0 + 4ms);  // a duplicate
  Message wrong = b;
  wrong.id = 9;
  q.OnDatagram(kC, Reply(wrong, {Vol("/export/vol")}), t0 + 2ms);  // an ID never sent
  q.OnDatagram(kC, *Encode(b), t0 + 2ms);                          // a request, not a reply
  q.OnDatagram(kC, std::vector<uint8_t>{1, 2, 3}, t0 + 2ms);       // malformed
  auto r = q.Result(t0 + 10ms);
  CHECK(r.replies == 3);
  CHECK(r.ignored == 3);
  REQUIRE(r.providers.size() == 2);
  CHECK(r.providers[0].address == kA);  // the quicker first
  CHECK(r.providers[0].rtt_ms == Approx(1.0));
  CHECK(r.providers[0].resources == std::vector<Resource>{Vol("/export/vol")});
  CHECK_FALSE(r.providers[0].asked_directly);
  CHECK(r.providers[1].address == kB);
  CHECK(r.providers[1].resources == std::vector<Resource>{Vol("/export/other")});
}

TEST_CASE("rlp query: They-Provide names other hosts, credited to the host that named them",
          "[unit][rlp]") {
  auto o = Options();
  o.anywhere = true;
  auto t0 = Clock::now();
  Query q(o, {kBcast}, t0, 1);
  Message b = Sent(q.Due(t0)[0]);
  Resource named = Vol("/export/vol");
  named.hosts = {kFar, kC};
  q.OnDatagram(kA, Reply(b, {named}, Type::kTheyProvide), t0 + 2ms);
  auto r = q.Result(t0 + 2ms);
  REQUIRE(r.providers.size() == 3);
  CHECK(r.providers[0].address == kA);  // answered, provides nothing itself
  CHECK(r.providers[0].resources.empty());
  CHECK(r.providers[1].address == kFar);
  CHECK_FALSE(r.providers[1].rtt_ms.has_value());
  CHECK(r.providers[1].named_by == std::vector<uint32_t>{kA});
  CHECK(r.providers[1].resources == std::vector<Resource>{Vol("/export/vol")});
  CHECK(r.providers[2].address == kC);
}

TEST_CASE(
    "rlp query: a broadcast stops after its first reply and a quiet gap, or at the maximum wait",
    "[unit][rlp]") {
  auto o = Options();
  o.quiet = 200ms;
  o.first_retry = 100ms;
  o.max_wait = 1000ms;
  auto t0 = Clock::now();
  Query q(o, {kBcast}, t0, 1);
  Message b = Sent(q.Due(t0)[0]);
  CHECK_FALSE(q.Done(t0 + 50ms));
  q.OnDatagram(kA, Reply(b, {Vol("/export/vol")}), t0 + 50ms);
  CHECK(q.Due(t0 + 100ms).empty());  // answered: no retransmission
  q.OnDatagram(kB, Reply(b, {Vol("/export/vol")}), t0 + 150ms);
  CHECK_FALSE(q.Done(t0 + 300ms));
  CHECK(q.NextWake() == t0 + 350ms);
  CHECK(q.Done(t0 + 350ms));
  CHECK(q.Result(t0 + 350ms).providers.size() == 2);

  // Nobody answers: retransmitted, then over at max_wait.
  Query silent(o, {kBcast}, t0, 1);
  int sends = 0;
  for (int ms = 0; ms < 1000; ms += 10)
    sends += static_cast<int>(silent.Due(t0 + std::chrono::milliseconds(ms)).size());
  CHECK(sends == 3);
  CHECK_FALSE(silent.Done(t0 + 999ms));
  CHECK(silent.Done(t0 + 1000ms));
  CHECK(silent.Due(t0 + 1000ms).empty());

  // A named host still to answer keeps the query open after the quiet gap.
  o.hosts = {kFar};
  Query mixed(o, {kBcast}, t0, 1);
  auto first = mixed.Due(t0);
  mixed.OnDatagram(kA, Reply(Sent(first[0]), {Vol("/export/vol")}), t0 + 10ms);
  CHECK_FALSE(mixed.Done(t0 + 500ms));
  mixed.OnDatagram(kFar, Reply(Sent(first[1]), {}), t0 + 510ms);
  CHECK(mixed.Done(t0 + 510ms));
}

TEST_CASE("rlp query: a request that does not fit is refused up front", "[unit][rlp]") {
  QueryOptions o;
  CHECK_FALSE(Query(o, {kBcast}, Clock::now(), 1).status().ok());  // no resource
  for (int i = 0; i < 300; ++i) o.resources.push_back(Vol("/" + std::string(250, 'x')));
  Query q(o, {kBcast}, Clock::now(), 1);
  CHECK_FALSE(q.status().ok());
  CHECK(q.Due(Clock::now()).empty());
  CHECK(q.Done(Clock::now()));
}

TEST_CASE(
    "rlp query: broadcast addresses come from the interfaces named, and nowhere to ask is an error",
    "[unit][rlp]") {
  QueryOptions o = Options();
  o.interfaces = {"nosuch0"};
  auto bad = BroadcastAddresses(o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().context() == "RLP: no IPv4 broadcast address on interface nosuch0");
  o.interfaces = {"lo"};  // loopback has no broadcast address
  CHECK_FALSE(BroadcastAddresses(o).ok());
  o.interfaces.clear();
  o.broadcasts = {kBcast, kBcast};
  auto explicit_only = BroadcastAddresses(o);
  REQUIRE(explicit_only.ok());
  CHECK(*explicit_only == std::vector<uint32_t>{kBcast});  // given addresses only, once each
  o.broadcast = false;
  CHECK(BroadcastAddresses(o)->empty());
  auto nowhere = Ask(o);  // no broadcast, no host
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.status().context() ==
        "RLP: nowhere to ask: no broadcast interface and no host named");
}

TEST_CASE("rlp query: parses and names resources as an admin writes them", "[unit][rlp]") {
  CHECK(*ParseResource("/export/vol") == Vol("/export/vol"));
  CHECK(*ParseResource("/export/vol", kProtocolTcp) == *NfsVolume("/export/vol", kProtocolTcp));
  CHECK(*ParseResource("tcp/22") == *PortResource(kProtocolTcp, 22));
  CHECK(*ParseResource("udp/53/zone/x") == *PortResource(kProtocolUdp, 53, "zone/x"));
  for (const char* bad : {"", "vol", "udp/", "udp/x", "udp/65536", "sctp/1", "tcp/123456"}) {
    INFO(bad);
    CHECK_FALSE(ParseResource(bad).ok());
  }
  CHECK(ResourceName(Vol("/export/vol")) == "/export/vol");
  CHECK(ResourceName(*PortResource(kProtocolTcp, 2049)) == "tcp/2049");
  CHECK(ResourceName(*PortResource(kProtocolUdp, 53, "x")) == "udp/53/x");
  Resource icmp;
  icmp.protocol = 1;
  icmp.id = {1, 2, 3};
  CHECK(ResourceName(icmp) == "proto 1 (3 octets)");
}

}  // namespace
}  // namespace amd::rlp
