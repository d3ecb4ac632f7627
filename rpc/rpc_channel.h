// Channel: one TCP connection to an ONC RPC server with many calls in
// flight at once (the FUSE relay's connection to a replica). Calls are
// sent as whole records under a lock; a reader thread of the channel's
// own takes each reply off the socket and hands it to the call with its
// xid. A call the caller gave up on (Forget) is dropped when its reply
// comes. When the connection breaks, every call in flight is told so at
// once, and the channel stays broken: the owner makes a new one.
//
// Threading: Send, Forget and Close from any thread; the `done` callbacks
// run on the reader thread (or on the thread that found the channel
// broken) and must not block. Ownership: held by shared_ptr; the
// destructor closes the connection, and the reader thread, which holds
// the socket, then ends on its own.
#ifndef AMD_RPC_RPC_CHANNEL_H_
#define AMD_RPC_RPC_CHANNEL_H_

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "rpc/rpc_message.h"

namespace amd::rpc {

// Bytes a reply is read into: not zeroed first (a 1 MiB READ reply is
// written over at once).
template <typename T>
struct NoInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <typename U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}  // NOLINT
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};
using RecordBytes = std::vector<uint8_t, NoInitAllocator<uint8_t>>;

// A reply's results: a view into the record it came in.
struct ChannelReply {
  RecordBytes record;
  std::span<const uint8_t> results;
};

class Channel {
 public:
  using Done = std::function<void(Result<ChannelReply>)>;

  // A connection to `addr`, made within `timeout`; from a reserved port
  // when `reserved_port` (root). Replies over `max_record` bytes break it.
  static Result<std::shared_ptr<Channel>> Connect(sockaddr_in addr,
                                                  std::chrono::milliseconds timeout,
                                                  bool reserved_port, size_t max_record);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends a call; `done` is told its results or why there are none. The
  // xid, for Forget.
  uint32_t Send(uint32_t prog, uint32_t vers, uint32_t proc, std::span<const uint8_t> args,
                const AuthSys* cred, Done done);
  // Sends a call and waits for it at most `timeout`: the results, or
  // ETIMEDOUT (the call is then forgotten), or why the channel broke.
  Result<ChannelReply> Call(uint32_t prog, uint32_t vers, uint32_t proc,
                            std::span<const uint8_t> args, const AuthSys* cred,
                            std::chrono::microseconds timeout);
  // Whether `xid` is still waiting for its reply.
  bool Pending(uint32_t xid) const;
  // The caller no longer waits for `xid`: its `done` will not run.
  void Forget(uint32_t xid);
  // Breaks the connection: calls in flight are told so.
  void Close();
  bool broken() const;
  size_t in_flight() const;

 private:
  struct State;  // shared with the reader thread, which outlives nothing
  explicit Channel(std::shared_ptr<State> state) : s_(std::move(state)) {}
  static void ReadLoop(std::shared_ptr<State> s);
  static void Break(State& s, const Status& why);

  std::shared_ptr<State> s_;
};

}  // namespace amd::rpc

#endif  // AMD_RPC_RPC_CHANNEL_H_
