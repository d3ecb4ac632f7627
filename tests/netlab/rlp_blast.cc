// rlp_blast: a load and garbage generator for rlpd, for the network lab.
//
//   rlp_blast --to ADDR [--port P] [--rate QPS] [--seconds S] [--garbage K] RESOURCE
//   rlp_blast --to ADDR [--port P] --sequential N RESOURCE
//
// Sends Do-You-Provide? for RESOURCE to ADDR at QPS for S seconds, each
// with a Message-ID of its own, and after each one K malformed datagrams
// (random octets, truncated messages, unknown types, reserved flag bits,
// lengths past the end). Counts the I-Provide replies that match a query
// sent, and prints "sent N garbage G answered A" at the end (after half
// a second for late replies).
//
// With --sequential N it sends N queries one after the other, each once
// its answer is in (or after 200 ms), and prints "rtt median M p99 P max X
// (us) answered A of N".
//
// With --forge ADDR:PORT the queries go out through a raw socket with
// ADDR:PORT written as their source (a spoofed flood: the answers go to
// ADDR, so "answered" counts nothing). Needs CAP_NET_RAW.
//
//   rlp_blast --echo PORT
//
// is the floor to compare rlpd's round trip with: a UDP server that sends
// every datagram straight back, doing nothing else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rlp/rlp_message.h"

using namespace amd::rlp;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string to, name, forge;
  int port = kPort, garbage = 0, sequential = 0;
  double rate = 100, seconds = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--to" && v)
      to = argv[++i];
    else if (a == "--port" && v)
      port = std::atoi(argv[++i]);
    else if (a == "--rate" && v)
      rate = std::atof(argv[++i]);
    else if (a == "--seconds" && v)
      seconds = std::atof(argv[++i]);
    else if (a == "--garbage" && v)
      garbage = std::atoi(argv[++i]);
    else if (a == "--sequential" && v)
      sequential = std::atoi(argv[++i]);
    else if (a == "--forge" && v)
      forge = argv[++i];
    else
      name = a;
  }
  if (argc == 3 && std::string(argv[1]) == "--echo") {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in me{};
    me.sin_family = AF_INET;
    me.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0) return 1;
    static uint8_t in[kMaxDatagram];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd, in, sizeof in, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n >= 0)
        ::sendto(fd, in, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  auto resource = ParseResource(name);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  if (!resource.ok() || rate <= 0 || ::inet_pton(AF_INET, to.c_str(), &dst.sin_addr) != 1) {
    std::fprintf(stderr,
                 "usage: rlp_blast --to ADDR [--port P] [--rate QPS] [--seconds S] [--garbage K] "
                 "RESOURCE\n");
    return 2;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int buf = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  std::mt19937 random(12345);
  std::vector<bool> outstanding(65536, false);
  long sent = 0, junk = 0, answered = 0;
  // A forged source: IPv4 and UDP headers of our own on a raw socket.
  int raw = -1;
  in_addr forged_addr{};
  uint16_t forged_port = 0;
  if (!forge.empty()) {
    size_t colon = forge.find(':');
    if (colon == std::string::npos ||
        ::inet_pton(AF_INET, forge.substr(0, colon).c_str(), &forged_addr) != 1) {
      std::fprintf(stderr, "rlp_blast: --forge wants ADDR:PORT\n");
      return 2;
    }
    forged_port = static_cast<uint16_t>(std::atoi(forge.c_str() + colon + 1));
    raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);  // IP_HDRINCL implied
    if (raw < 0) {
      std::perror("rlp_blast: raw socket");
      return 1;
    }
  }
  auto send = [&](const std::vector<uint8_t>& d) {
    if (raw < 0) {
      ::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
      return;
    }
    std::vector<uint8_t> packet(28 + d.size());
    uint16_t total = static_cast<uint16_t>(packet.size()),
             udp_len = static_cast<uint16_t>(8 + d.size());
    packet[0] = 0x45;  // IPv4, 20-octet header
    packet[2] = static_cast<uint8_t>(total >> 8), packet[3] = static_cast<uint8_t>(total);
    packet[8] = 64;           // TTL
    packet[9] = IPPROTO_UDP;  // the checksum and ID the kernel fills in
    std::memcpy(&packet[12], &forged_addr, 4);
    std::memcpy(&packet[16], &dst.sin_addr, 4);
    packet[20] = static_cast<uint8_t>(forged_port >> 8),
    packet[21] = static_cast<uint8_t>(forged_port);
    std::memcpy(&packet[22], &dst.sin_port, 2);
    packet[24] = static_cast<uint8_t>(udp_len >> 8), packet[25] = static_cast<uint8_t>(udp_len);
    // UDP checksum 0: none (allowed over IPv4).
    std::memcpy(&packet[28], d.data(), d.size());
    ::sendto(raw, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  };
  auto drain = [&] {
    uint8_t in[kMaxDatagram];
    for (;;) {
      ssize_t n = ::recv(fd, in, sizeof in, 0);
      if (n < 0) return;
      auto m = Decode(std::span<const uint8_t>(in, static_cast<size_t>(n)));
      if (m.ok() && m->type == Type::kIProvide && outstanding[m->id]) {
        outstanding[m->id] = false;
        ++answered;
      }
    }
  };
  Message q;
  q.type = Type::kDoYouProvide;
  q.resources = {*resource};
  if (sequential > 0) {
    ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    std::vector<double> rtts;
    for (int i = 0; i < sequential; ++i) {
      q.id = static_cast<uint16_t>(i);
      auto bytes = *Encode(q);
      auto sent_at = Clock::now();
      ::send(fd, bytes.data(), bytes.size(), 0);
      auto until = sent_at + std::chrono::milliseconds(200);
      bool done = false;
      while (!done && Clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 200);
        uint8_t in[kMaxDatagram];
        ssize_t n = ::recv(fd, in, sizeof in, 0);
        if (n > 0) {
          auto m = Decode(std::span<const uint8_t>(in, static_cast<size_t>(n)));
          done = m.ok() && m->id == q.id;
        }
      }
      if (done)
        rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent_at).count());
    }
    std::sort(rtts.begin(), rtts.end());
    auto at = [&](double f) {
      return rtts.empty() ? 0.0 : rtts[std::min(rtts.size() - 1, size_t(f * rtts.size()))];
    };
    std::printf("rtt median %.1f p99 %.1f max %.1f (us) answered %zu of %d\n", at(0.5), at(0.99),
                rtts.empty() ? 0.0 : rtts.back(), rtts.size(), sequential);
    return 0;
  }
  auto start = Clock::now();
  long total = static_cast<long>(rate * seconds);
  for (long i = 0; i < total; ++i) {
    auto due = start +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate));
    while (Clock::now() < due) {
      pollfd p{fd, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
      ::poll(&p, 1, static_cast<int>(std::max<long>(left, 0)));
      drain();
    }
    q.id = static_cast<uint16_t>(i);
    outstanding[q.id] = true;
    send(*Encode(q));
    ++sent;
    for (int k = 0; k < garbage; ++k, ++junk) {
      auto good = *Encode(q);
      std::vector<uint8_t> bad;
      switch ((i * garbage + k) % 5) {
        case 0:  // random octets, 0-40 of them
          bad.resize(random() % 41);
          for (auto& b : bad) b = static_cast<uint8_t>(random());
          if (bad.size() >= 2) bad[0] = static_cast<uint8_t>(6 + random() % 250), bad[1] = 0;
          break;
        case 1:  // truncated inside the identifier
          bad.assign(good.begin(),
                     good.begin() + static_cast<long>(std::max<size_t>(5, good.size() / 2)));
          break;
        case 2:  // an unknown type
          bad = good;
          bad[0] = 9;
          break;
        case 3:  // reserved flag bits
          bad = good;
          bad[1] = 0x41;
          break;
        case 4:  // an identifier length past the end
          bad = good;
          bad[5] = 255;
          break;
      }
      send(bad);
    }
  }
  auto until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 50);
    drain();
  }
  std::printf("sent %ld garbage %ld answered %ld\n", sent, junk, answered);
  return 0;
}
