// The RLP responder's logic, sans I/O: what rlpd answers to a datagram.
//
//   - Who-Provides? / Who-Anywhere-Provides? (broadcasts): an I-Provide
//     listing the requested resources this host provides, in the order
//     asked; nothing at all when it provides none of them.
//   - Do-You-Provide? / Does-Anyone-Provide? (directed): always an
//     I-Provide, empty when it provides none.
//   - L (Local-Only): a reply may only name addresses on the requester's
//     network, and the only address an I-Provide names is the sender's;
//     so a request with L from a host on none of this host's networks
//     gets no answer.
//   - This host knows only of itself, so it never sends They-Provide.
//   - Replies (I-Provide, They-Provide) are not answered; malformed
//     datagrams are dropped. Both are counted.
//   - A token bucket per source address limits the answers to it
//     (`rate` a second, bursts of `burst`); datagrams over the limit are
//     dropped and counted. Once it is empty, kReserves reserve buckets of
//     the address (each rate/8 a second, bursts of burst/8) serve its
//     source ports: a port keeps the reserve it took while it asks, and a
//     new port takes over the reserve used least recently, tokens and
//     all. A flood that forges a client's address from one port so spends
//     the address's bucket and one reserve, and the client's own queries
//     from its ports are still answered; and rlpd never sends one address
//     more than 1.5 times `rate` a second, however many ports it is asked
//     from.
//
// Threading: a Responder belongs to one thread (rlpd's loop). Ownership:
// decisions are the caller's.
#ifndef AMD_RLP_RLP_RESPONDER_H_
#define AMD_RLP_RLP_RESPONDER_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rlp/rlp_message.h"

namespace amd::rlp {

// What this host provides.
struct Provided {
  std::vector<std::string> volumes;  // NFS export paths (UDP and TCP 2049)
  std::vector<Resource> resources;   // anything else, matched exactly

  // Whether this host provides `r`. An NFS volume matches its export path
  // with any trailing '/' ignored; UDP or TCP 2049 with nothing after the
  // port (the NFS service itself) matches when any volume is provided.
  bool Provides(const Resource& r) const;
};

class Responder {
 public:
  struct Limits {
    double rate = 50;            // answers per second to one source; 0: no limit
    double burst = 100;          // bucket size
    size_t max_sources = 65536;  // sources tracked at once; the idlest go first
  };
  struct Stats {
    uint64_t received = 0;      // datagrams in
    uint64_t answered = 0;      // replies out
    uint64_t silent = 0;        // broadcasts for nothing we provide
    uint64_t not_local = 0;     // L requests from another network
    uint64_t rate_limited = 0;  // dropped over a source's limit
    uint64_t malformed = 0;     // dropped: not RLP
    uint64_t not_request = 0;   // dropped: a reply, not a request
  };
  enum class Outcome { kAnswer, kSilent, kNotLocal, kRateLimited, kMalformed, kNotRequest };
  struct Decision {
    Outcome outcome = Outcome::kSilent;
    std::vector<uint8_t> reply;      // kAnswer: the datagram to send back
    std::string why;                 // kMalformed: the decoder's reason
    std::optional<Message> request;  // what was decoded (for logs: Describe)
  };

  using Clock = std::chrono::steady_clock;

  static constexpr size_t kReserves = 4;

  explicit Responder(Limits limits) : limits_(limits) {}

  // `from` is the requester's address (host order) and `from_port` its
  // port; `from_local` whether it is on one of this host's networks.
  Decision Handle(std::span<const uint8_t> datagram, uint32_t from, bool from_local,
                  const Provided& provided, Clock::time_point now, uint16_t from_port = 0);

  const Stats& stats() const { return stats_; }
  std::string StatsLine() const;  // "received 10, answered 8, ..."
  void set_limits(Limits limits) { limits_ = limits; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
    // Refills at `rate` up to `burst`, then takes a token if there is one.
    bool Take(double rate, double burst, Clock::time_point now);
  };
  struct Source {
    Bucket bucket;
    struct Reserve {
      uint16_t port = 0;  // the port it serves now
      Clock::time_point used;
      Bucket bucket;
    };
    std::array<Reserve, kReserves> reserves;
    Clock::time_point last;
  };
  bool Admit(uint32_t from, uint16_t port, Clock::time_point now);

  Limits limits_;
  Stats stats_;
  std::unordered_map<uint32_t, Source> sources_;
};

}  // namespace amd::rlp

#endif  // AMD_RLP_RLP_RESPONDER_H_
