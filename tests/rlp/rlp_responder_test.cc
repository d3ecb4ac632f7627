// rlpd's logic (rlp::Responder, rlp::Provided) and its configuration
// file: what it answers, to whom, how often, and the errors a bad
// /etc/rlpd.yaml gets.
#include <catch2/catch.hpp>

#include "rlp/rlp_responder.h"
#include "rlp/rlpd_config.h"

namespace amd::rlp {
namespace {

using namespace std::chrono_literals;
using Clock = Responder::Clock;

Resource Vol(const std::string& p, uint8_t proto = kProtocolUdp) { return *NfsVolume(p, proto); }

std::vector<uint8_t> Request(Type type, std::vector<Resource> rs, bool local = false,
                             uint16_t id = 42) {
  Message m;
  m.type = type;
  m.local_only = local;
  m.id = id;
  m.resources = std::move(rs);
  return *Encode(m);
}

Message Answer(const Responder::Decision& d) {
  REQUIRE(d.outcome == Responder::Outcome::kAnswer);
  auto m = Decode(d.reply);
  REQUIRE(m.ok());
  return *m;
}

Provided Exports() {
  Provided p;
  p.volumes = {"/export/vol", "/export/data/"};
  p.resources = {*PortResource(kProtocolTcp, 22)};
  return p;
}

constexpr uint32_t kPeer = 0x0a4d0001;

TEST_CASE(
    "rlp responder: I-Provide lists what is provided, in the order asked, with the request's ID",
    "[unit][rlp]") {
  Responder r({});
  auto now = Clock::now();
  auto d = r.Handle(Request(Type::kWhoProvides,
                            {Vol("/export/none"), Vol("/export/data"),
                             Vol("/export/vol/", kProtocolTcp), *PortResource(kProtocolTcp, 22)},
                            true, 0xbeef),
                    kPeer, true, Exports(), now);
  Message m = Answer(d);
  CHECK(m.type == Type::kIProvide);
  CHECK_FALSE(m.local_only);
  CHECK(m.id == 0xbeef);
  CHECK(m.resources == std::vector<Resource>{Vol("/export/data"), Vol("/export/vol/", kProtocolTcp),
                                             *PortResource(kProtocolTcp, 22)});
  REQUIRE(d.request.has_value());
  CHECK(Describe(*d.request).starts_with("Who-Provides? id 48879 L:"));
  // The NFS service itself (port 2049, no path) is provided when any volume is.
  CHECK(Answer(r.Handle(Request(Type::kDoYouProvide, {*PortResource(kProtocolUdp, 2049)}), kPeer,
                        true, Exports(), now))
            .resources.size() == 1);
  CHECK(Answer(r.Handle(Request(Type::kDoYouProvide, {*PortResource(kProtocolUdp, 2049)}), kPeer,
                        true, Provided{}, now))
            .resources.empty());
  CHECK(r.stats().answered == 3);
}

TEST_CASE(
    "rlp responder: silent on broadcasts for nothing provided, always answers directed requests",
    "[unit][rlp]") {
  Responder r({});
  auto now = Clock::now();
  for (Type t : {Type::kWhoProvides, Type::kWhoAnywhereProvides}) {
    auto d = r.Handle(Request(t, {Vol("/export/none")}), kPeer, true, Exports(), now);
    CHECK(d.outcome == Responder::Outcome::kSilent);
    CHECK(d.reply.empty());
  }
  for (Type t : {Type::kDoYouProvide, Type::kDoesAnyoneProvide}) {
    Message m = Answer(r.Handle(Request(t, {Vol("/export/none")}), kPeer, true, Exports(), now));
    CHECK(m.type == Type::kIProvide);
    CHECK(m.resources.empty());
  }
  CHECK(r.stats().silent == 2);
  CHECK(r.stats().answered == 2);
}

TEST_CASE("rlp responder: L requests from another network get no answer", "[unit][rlp]") {
  Responder r({});
  auto now = Clock::now();
  CHECK(r.Handle(Request(Type::kWhoProvides, {Vol("/export/vol")}, true), kPeer, false, Exports(),
                 now)
            .outcome == Responder::Outcome::kNotLocal);
  CHECK(r.Handle(Request(Type::kDoYouProvide, {Vol("/export/vol")}, true), kPeer, false, Exports(),
                 now)
            .outcome == Responder::Outcome::kNotLocal);
  CHECK(r.Handle(Request(Type::kWhoProvides, {Vol("/export/vol")}, false), kPeer, false, Exports(),
                 now)
            .outcome == Responder::Outcome::kAnswer);
  CHECK(r.stats().not_local == 2);
}

TEST_CASE("rlp responder: replies and malformed datagrams are dropped and counted", "[unit][rlp]") {
  Responder r({});
  auto now = Clock::now();
  auto d = r.Handle(std::vector<uint8_t>{0, 0, 0}, kPeer, true, Exports(), now);
  CHECK(d.outcome == Responder::Outcome::kMalformed);
  CHECK(d.why == "RLP: 3 octets, shorter than the 4-octet header");
  CHECK(r.Handle(std::vector<uint8_t>{0, 0x80, 0, 1, 17, 9, 8}, kPeer, true, Exports(), now)
            .outcome == Responder::Outcome::kMalformed);
  CHECK(r.Handle(Request(Type::kIProvide, {Vol("/export/vol")}), kPeer, true, Exports(), now)
            .outcome == Responder::Outcome::kNotRequest);
  CHECK(r.stats().received == 3);
  CHECK(r.stats().malformed == 2);
  CHECK(r.stats().not_request == 1);
  CHECK(
      r.StatsLine() ==
      "received 3, answered 0, silent 0, not local 0, rate-limited 0, malformed 2, not requests 1");
}

TEST_CASE("rlp responder: token buckets limit the answers to each source address", "[unit][rlp]") {
  Responder::Limits limits;
  limits.rate = 80;  // reserves: 10/s, bursts of 5
  limits.burst = 40;
  limits.max_sources = 4;
  Responder r(limits);
  auto t0 = Clock::now();
  auto ask = [&](uint32_t from, uint16_t port, Clock::time_point at) {
    return r
        .Handle(Request(Type::kDoYouProvide, {Vol("/export/vol")}), from, true, Exports(), at, port)
        .outcome;
  };
  int answered = 0;
  for (int i = 0; i < 200; ++i) answered += ask(kPeer, 1000, t0) == Responder::Outcome::kAnswer;
  CHECK(answered == 40 + 5);  // the burst, then the port's reserve
  CHECK(ask(kPeer + 1, 1000, t0) ==
        Responder::Outcome::kAnswer);  // another source has its own bucket
  CHECK(ask(kPeer, 1000, t0 + 10ms) == Responder::Outcome::kRateLimited);
  CHECK(ask(kPeer, 1000, t0 + 100ms) ==
        Responder::Outcome::kAnswer);  // 80/s: the next after 12.5 ms
  answered = 0;
  for (int i = 0; i < 200; ++i)
    answered += ask(kPeer, 1000, t0 + 10s) == Responder::Outcome::kAnswer;
  CHECK(answered == 40 + 5);  // refilled to the burst and the reserve, no more
  // However many ports ask, an address gets at most 1.5 times the rate:
  // new ports take the reserves over, tokens and all.
  answered = 0;
  for (uint16_t port = 2000; port < 2400; ++port) {
    answered += ask(kPeer + 2, port, t0 + std::chrono::microseconds(port - 2000)) ==
                Responder::Outcome::kAnswer;
  }
  CHECK(answered == 40 + 4 * 5);
  answered = 0;
  for (int ms = 10; ms <= 10000; ms += 10) {
    for (uint16_t port = 3000; port < 3100; ++port) {
      answered +=
          ask(kPeer + 2, port, t0 + std::chrono::milliseconds(ms)) == Responder::Outcome::kAnswer;
    }
  }
  CHECK(answered >= 1190);
  CHECK(answered <= 1200);  // 120/s for 10 s
  // More sources than tracked: the idlest are forgotten, nobody is refused for it.
  for (uint32_t s = 100; s < 120; ++s) CHECK(ask(s, 1000, t0 + 11s) == Responder::Outcome::kAnswer);
  // No limit at all.
  limits.rate = 0;
  r.set_limits(limits);
  answered = 0;
  for (int i = 0; i < 1000; ++i)
    answered += ask(kPeer, 1000, t0 + 12s) == Responder::Outcome::kAnswer;
  CHECK(answered == 1000);
}

TEST_CASE(
    "rlp responder: a flood forging a client's address from one port leaves the client answered",
    "[unit][rlp]") {
  Responder r(Responder::Limits{});
  auto t0 = Clock::now();
  auto ask = [&](uint16_t port, Clock::time_point at) {
    return r
        .Handle(Request(Type::kDoYouProvide, {Vol("/export/vol")}), kPeer, true, Exports(), at,
                port)
        .outcome;
  };
  // 1,000 forged datagrams a second from port 4444 for 10 s; the client
  // asks four times a second, each time from a new port (as rlpq does).
  int client = 0, forged = 0;
  for (int ms = 0; ms < 10000; ++ms) {
    forged += ask(4444, t0 + std::chrono::milliseconds(ms)) == Responder::Outcome::kAnswer;
    if (ms % 250 == 125) {
      client += ask(static_cast<uint16_t>(40000 + ms / 250), t0 + std::chrono::milliseconds(ms)) ==
                Responder::Outcome::kAnswer;
    }
  }
  CHECK(client == 40);
  CHECK(forged < 100 + 12 + 10 * (50 + 7));
}

TEST_CASE("rlpd config: every setting, and the defaults", "[unit][rlp]") {
  auto c = ParseRlpdConfig(
      "# rlpd\n"
      "volumes:\n"
      "  - /export/vol\n"
      "  - /export/other\n"
      "mount_exports: no\n"
      "mount_host: 10.0.0.1\n"
      "mount_port: 20048\n"
      "refresh: 5\n"
      "resources: [tcp/22, udp/53/zone]\n"
      "listen: 10.0.0.2\n"
      "port: 3939\n"
      "rate_limit: 0\n"
      "burst: 7\n",
      "rlpd.yaml");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->volumes == std::vector<std::string>{"/export/vol", "/export/other"});
  CHECK_FALSE(c->mount_exports);
  CHECK(c->mount_host == "10.0.0.1");
  CHECK(c->mount_port == 20048);
  CHECK(c->refresh == std::chrono::seconds(5));
  CHECK(c->resources == std::vector<Resource>{*PortResource(kProtocolTcp, 22),
                                              *PortResource(kProtocolUdp, 53, "zone")});
  CHECK(c->listen == "10.0.0.2");
  CHECK(c->port == 3939);
  CHECK(c->limits.rate == 0);
  CHECK(c->limits.burst == 7);
  CHECK(c->warnings.empty());

  auto d = ParseRlpdConfig("", "empty.yaml");
  REQUIRE(d.ok());
  CHECK(d->mount_exports);
  CHECK(d->port == 39);
  CHECK(d->listen == "0.0.0.0");
  CHECK(d->limits.rate == 50);
  CHECK(d->limits.burst == 100);

  auto none = ParseRlpdConfig("mount_exports: false\n", "none.yaml");
  REQUIRE(none.ok());
  REQUIRE(none->warnings.size() == 1);
  CHECK(none->warnings[0].starts_with("none.yaml: provides nothing"));
}

TEST_CASE("rlpd config: errors name the file, line and column", "[unit][rlp]") {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"volumes: [/a]\nvolumse: [/b]\n", "f.yaml:2:1: unknown setting \"volumse\""},
      {"volumes: /a\n", "f.yaml:1:10: volumes: expected a list"},
      {"volumes:\n  - export/a\n",
       "f.yaml:2:3: volumes: \"export/a\" is not an absolute export path"},
      {"port: 70000\n", "f.yaml:1:7: port: 70000 is out of range (1 to 65535)"},
      {"port: abc\n", "f.yaml:1:7: port: \"abc\" is not a number"},
      {"port: 39.5\n", "f.yaml:1:7: port: 39.5 is not a whole number"},
      {"refresh: 0.5\n", "f.yaml:1:10: refresh: 0.5 is out of range (1 to 86400)"},
      {"refresh: 2.5\n", "f.yaml:1:10: refresh: 2.5 is not a whole number"},
      {"mount_exports: maybe\n",
       "f.yaml:1:16: mount_exports: expected true or false, not \"maybe\""},
      {"listen: 10.0.0\n", "f.yaml:1:9: listen: \"10.0.0\" is not an IPv4 address"},
      {"resources: [sctp/1]\n", "f.yaml:1:12: resources: RLP: \"sctp/1\" is not"},
      {"port: 1\nport: 2\n", "f.yaml:2:1: port: given twice"},
      {"- a\n- b\n", "f.yaml:1:1: expected a mapping"},
      {"volumes: [/a\n", "f.yaml:2:1: "},
      {"refresh: [1]\n", "f.yaml:1:10: refresh: expected a single value"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = ParseRlpdConfig(c.text, "f.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().context().starts_with(c.error));
  }
}

}  // namespace
}  // namespace amd::rlp
