// RpcServer on loopback: calls over TCP and UDP with the caller's uid
// found, and bad peers (garbage, oversized records, silent connections)
// dropped while others are served.
#include "rpc/rpc_server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "kernel-shim/peer_credentials.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_client.h"
#include "tests/rpc/hex.h"

namespace amd::rpc {
namespace {

using testing::Hex;

// A server whose procedure 1 answers with the caller's uid (or -1) as
// an XDR int, on its own io thread.
struct Fixture {
  explicit Fixture(RpcServer::Limits limits = RpcServer::Limits()) {
    limits.peer_uid = kernel::LocalPeerUid;
    auto log =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<RpcServer>(
        io,
        [](const Peer& peer, const Call& call, RpcServer::Responder respond) {
          if (call.header.proc != 1)
            return respond(AcceptedReply(call.header.xid, AcceptStat::kProcUnavail));
          uint32_t uid = peer.uid ? *peer.uid : 0xffffffffu;
          std::vector<uint8_t> r = {uint8_t(uid >> 24), uint8_t(uid >> 16), uint8_t(uid >> 8),
                                    uint8_t(uid)};
          respond(AcceptedReply(call.header.xid, AcceptStat::kSuccess, r));
        },
        log, limits);
    REQUIRE(server->Listen(boost::asio::ip::make_address("127.0.0.1"), 0).ok());
    thread = std::thread([this] { io.run(); });
  }
  ~Fixture() {
    boost::asio::post(io, [this] { server->Close(); });
    io.stop();
    thread.join();
  }
  int Connect(int type) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  boost::asio::io_context io;
  std::unique_ptr<RpcServer> server;
  std::thread thread;
};

void SendAll(int fd, const std::vector<uint8_t>& b) {
  REQUIRE(::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == ssize_t(b.size()));
}

// One reply record from a TCP stream; empty when the server closed it.
std::vector<uint8_t> ReadRecord(int fd) {
  RecordAssembler a(1 << 20);
  uint8_t buf[4096];
  while (true) {
    if (auto r = a.Next()) return *r;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    a.Feed(std::span<const uint8_t>(buf, size_t(n)));
  }
}

uint32_t UidResult(const std::vector<uint8_t>& msg) {
  auto r = ParseReply(msg);
  REQUIRE(r.ok());
  REQUIRE(r->results.size() == 4);
  return (uint32_t(r->results[0]) << 24) | (uint32_t(r->results[1]) << 16) |
         (uint32_t(r->results[2]) << 8) | r->results[3];
}

// Calls procedure 1 over a connected UDP socket; the uid it answers.
uint32_t UdpUid(int udp, uint32_t xid) {
  SendAll(udp, CallMessage(xid, 300019, 1, 1, {}));
  uint8_t buf[1024];
  ssize_t n = ::recv(udp, buf, sizeof buf, 0);
  REQUIRE(n > 0);
  return UidResult(std::vector<uint8_t>(buf, buf + n));
}

TEST_CASE("rpc server: TCP and UDP calls, with the local caller's uid", "[rpc]") {
  Fixture f;
  int tcp = f.Connect(SOCK_STREAM);
  SendAll(tcp, FrameRecord(CallMessage(7, 300019, 1, 1, {})));
  CHECK(UidResult(ReadRecord(tcp)) == ::getuid());
  // Two calls in one write, the second split across fragments.
  auto two = FrameRecord(CallMessage(8, 300019, 1, 1, {}));
  auto second = CallMessage(9, 300019, 1, 3, {});
  std::vector<uint8_t> frag1(second.begin(), second.begin() + 10),
      frag2(second.begin() + 10, second.end());
  auto f1 = FrameRecord(frag1);
  f1[0] &= 0x7f;  // not the last fragment
  auto f2 = FrameRecord(frag2);
  two.insert(two.end(), f1.begin(), f1.end());
  two.insert(two.end(), f2.begin(), f2.end());
  SendAll(tcp, two);
  CHECK(UidResult(ReadRecord(tcp)) == ::getuid());
  CHECK(ParseReply(ReadRecord(tcp)).status().ToString().find("procedure unavailable") == 0);
  ::close(tcp);

  int udp = f.Connect(SOCK_DGRAM);
  CHECK(UdpUid(udp, 10) == ::getuid());
  ::close(udp);
}

TEST_CASE("rpc server: garbage is dropped and counted, the connection keeps serving", "[rpc]") {
  Fixture f;
  int tcp = f.Connect(SOCK_STREAM);
  SendAll(tcp, FrameRecord(Hex("01020304 05")));  // not even a header
  SendAll(tcp, FrameRecord(
                   Hex("0000000b 00000000 00000003 000493f3 00000001 00000001")));  // RPC version 3
  auto mismatch = ReadRecord(tcp);
  CHECK(ParseReply(mismatch).status().ToString().find("RPC versions 2 to 2") != std::string::npos);
  SendAll(tcp, FrameRecord(CallMessage(12, 300019, 1, 1, {})));
  CHECK(UidResult(ReadRecord(tcp)) == ::getuid());
  ::close(tcp);
  int udp = f.Connect(SOCK_DGRAM);
  SendAll(udp, Hex("ffff"));
  CHECK(UdpUid(udp, 13) == ::getuid());
  ::close(udp);
  CHECK(f.server->garbage() >= 3);
}

TEST_CASE("rpc server: an oversized record or a silent client loses only its connection", "[rpc]") {
  RpcServer::Limits limits;
  limits.max_record = 1024;
  limits.idle = std::chrono::seconds(1);
  Fixture f(limits);
  int big = f.Connect(SOCK_STREAM);
  SendAll(big, Hex("80100000"));   // a 1 MiB record announced
  CHECK(ReadRecord(big).empty());  // closed
  ::close(big);
  int silent = f.Connect(SOCK_STREAM);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(ReadRecord(silent).empty());  // closed after the idle limit
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  ::close(silent);
  int good = f.Connect(SOCK_STREAM);
  SendAll(good, FrameRecord(CallMessage(14, 300019, 1, 1, {})));
  CHECK(UidResult(ReadRecord(good)) == ::getuid());
  ::close(good);
}

TEST_CASE("rpc server: a byte now and then does not keep a connection past the idle limit",
          "[rpc]") {
  RpcServer::Limits limits;
  limits.idle = std::chrono::seconds(1);
  Fixture f(limits);
  int slow = f.Connect(SOCK_STREAM);
  // A record header of 1 KiB announced, then one byte every 200 ms: no
  // record is ever whole.
  SendAll(slow, Hex("80000400"));
  auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(6)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    uint8_t b = 0;
    closed = ::send(slow, &b, 1, MSG_NOSIGNAL) != 1;
    pollfd p{slow, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) == 1) closed = true;  // EOF or reset from the server
  }
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  ::close(slow);
}

TEST_CASE("rpc client: a server that cuts its TCP connections off is called over UDP", "[rpc]") {
  RpcServer::Limits limits;
  limits.max_connections = 0;  // every connection closed at accept, as at the limit
  limits.root_reserve = 0;
  Fixture f(limits);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Client::Options o;
  o.port = f.server->port();
  auto r = Client(a, 300019, o).Call(1, {}, std::chrono::seconds(5), 1);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 4);
  CHECK((*r)[3] == uint8_t(::getuid()));
  // TCP alone: the reset is the error.
  o.udp = false;
  CHECK_FALSE(Client(a, 300019, o).Call(1, {}, std::chrono::seconds(5), 1).ok());
}

}  // namespace
}  // namespace amd::rpc
