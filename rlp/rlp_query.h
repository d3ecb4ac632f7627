// The RLP requester: asks who provides some resources, by broadcast on
// the local networks and by unicast to named hosts, and collects the
// answers.
//
// Query is the protocol, sans I/O, driven by the caller's clock: Due()
// gives the datagrams to send now, OnDatagram() takes what came back,
// Done() says when to stop. Ask() runs one Query on a UDP socket.
//
// What it does:
//   - Broadcasts Who-Provides? (or Who-Anywhere-Provides?) to each
//     broadcast address, with L (Local-Only) set unless told otherwise;
//     sends Do-You-Provide? (or Does-Anyone-Provide?) to each named host,
//     without L: those hosts are the ones beyond the broadcast domain.
//   - Every datagram sent, retransmissions included, carries a Message-ID
//     of its own, so each reply is matched to the very datagram it
//     answers and the round-trip time is exact (no retransmission
//     ambiguity). Replies with an ID it did not send, of a request type,
//     or malformed are ignored and counted.
//   - Retransmits with doubling intervals: a broadcast until its first
//     reply, a named host until it answers, at most `retries` times.
//   - Stops at `max_wait`, or once every named host has answered and the
//     broadcasts have had a first reply followed by a `quiet` gap.
//   - Merges the answers per host: the resources each provides, the
//     round-trip time of its first answer, and the hosts that other
//     hosts named in They-Provide replies.
//
// Threading: a Query belongs to one thread; Ask blocks on its socket.
// Ownership: answers are the caller's.
#ifndef AMD_RLP_RLP_QUERY_H_
#define AMD_RLP_RLP_QUERY_H_

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "rlp/rlp_message.h"

namespace amd::rlp {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct QueryOptions {
  std::vector<Resource> resources;
  bool anywhere = false;   // Who-Anywhere-Provides? / Does-Anyone-Provide?
  bool local_only = true;  // L on the broadcasts
  bool broadcast = true;   // broadcast at all
  // Broadcast on these interfaces (empty: every IPv4 interface that is up,
  // not loopback and has a broadcast address).
  std::vector<std::string> interfaces;
  std::vector<uint32_t> broadcasts;  // more broadcast addresses (host order)
  std::vector<uint32_t> hosts;       // ask these directly (host order)
  uint16_t port = kPort;
  milliseconds max_wait{1000};
  milliseconds quiet{250};
  milliseconds first_retry{200};
  int retries = 2;
};

struct Provider {
  uint32_t address = 0;             // host order
  std::vector<Resource> resources;  // what it provides, of those asked
  std::optional<double> rtt_ms;     // its first answer's round trip (absent: only named by others)
  bool asked_directly = false;      // one of QueryOptions::hosts
  std::vector<uint32_t> named_by;   // hosts whose They-Provide named it
};

struct QueryResult {
  std::vector<Provider> providers;  // every host that answered or was named, by first-answer time
  std::vector<uint32_t> no_answer;  // named hosts that never answered
  int sent = 0;                     // datagrams sent
  int replies = 0;                  // replies matched
  int ignored = 0;                  // datagrams ignored (unknown ID, not a reply, malformed)
  double elapsed_ms = 0;
};

class Query {
 public:
  struct Datagram {
    uint32_t to = 0;  // host order
    std::vector<uint8_t> bytes;
  };

  // `broadcasts` are the addresses to broadcast to (resolved by the
  // caller); `first_id` the first Message-ID to use.
  Query(QueryOptions options, std::vector<uint32_t> broadcasts, Clock::time_point start,
        uint16_t first_id);

  // Whether the request can be encoded at all (too many resources for one
  // datagram, say).
  const Status& status() const { return status_; }

  std::vector<Datagram> Due(Clock::time_point now);
  void OnDatagram(uint32_t from, std::span<const uint8_t> bytes, Clock::time_point now);
  bool Done(Clock::time_point now) const;
  // When to call Due() or Done() again at the latest.
  Clock::time_point NextWake() const;
  QueryResult Result(Clock::time_point now) const;

 private:
  struct Target {
    uint32_t address = 0;
    bool broadcast = false;
    int sends = 0;
    Clock::time_point next_send;
    bool answered = false;
  };
  struct Sent {
    size_t target = 0;
    Clock::time_point at;
  };

  Provider& ProviderFor(uint32_t address);

  QueryOptions options_;
  Clock::time_point start_;
  uint16_t next_id_;
  Status status_;
  std::vector<Target> targets_;
  std::map<uint16_t, Sent> sent_;
  std::vector<Provider> providers_;
  bool broadcast_answered_ = false;
  Clock::time_point last_broadcast_reply_{};
  Clock::time_point last_broadcast_send_{};
  int sent_count_ = 0;
  int replies_ = 0;
  int ignored_ = 0;
};

// The broadcast addresses for `options` (its interfaces, or every
// suitable one, plus its explicit broadcasts); an error names an
// interface that has no IPv4 broadcast address.
Result<std::vector<uint32_t>> BroadcastAddresses(const QueryOptions& options);

// Runs a query on a UDP socket of its own.
Result<QueryResult> Ask(const QueryOptions& options);

}  // namespace amd::rlp

#endif  // AMD_RLP_RLP_QUERY_H_
