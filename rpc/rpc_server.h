// RpcServer: ONC RPC over TCP (record marking) and UDP with Boost.Asio,
// on one io_context thread; calls go to a handler that answers with the
// whole reply message (rpc_message.h) through a Responder, now or later,
// or never to stay silent. Garbage is
// dropped and counted, with a log line naming the peer; a TCP record over
// the limit, or a connection idle past the limit, closes that connection
// and nothing else. No libtirpc svc_run.
//
// Ownership: the server owns its sockets (Adopt takes them over); a Responder
// may be kept and called later on the server's thread.
#ifndef AMD_RPC_RPC_SERVER_H_
#define AMD_RPC_RPC_SERVER_H_

#include <netinet/in.h>
#include <spdlog/logger.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/log_limiter.h"
#include "base/status.h"
#include "rpc/rpc_message.h"

namespace amd::rpc {

struct Peer {
  boost::asio::ip::address address;
  uint16_t port = 0;
  bool tcp = false;
  // The uid owning the peer's socket, when it is a process on this host.
  std::optional<uid_t> uid;
  // TCP: whether the connection is still open (a caller that gave up and
  // closed it waits for nothing). Empty for UDP, where nobody can tell.
  // Server thread only.
  std::function<bool()> connected;
  std::string ToString() const;  // "127.0.0.1:612/tcp (uid 0)"
};

class RpcServer {
 public:
  // Sends a reply to the caller (on the io_context's thread); harmless
  // once the caller is gone.
  using Responder = std::function<void(std::vector<uint8_t> reply)>;
  using Handler = std::function<void(const Peer&, const Call&, Responder)>;
  struct Limits {
    size_t max_record = 64 * 1024;
    // A connection that completes no record for this long is closed: a
    // byte now and then does not keep it open.
    std::chrono::seconds idle{30};
    size_t max_connections = 64;
    // Connections one peer may hold: one local uid, or one remote address.
    size_t max_per_peer = 16;
    // Connections beyond max_connections kept for root's processes, so an
    // unprivileged user holding the rest cannot lock root out.
    size_t root_reserve = 16;
    // Peers refused at accept (closed at once), when set: those whose
    // every call would be refused anyway.
    std::function<bool(const Peer&)> refuse_at_accept;
    std::string service = "RPC";  // what its log lines begin with ("AMQ")
    // The uid owning a loopback peer's socket (kernel::LocalPeerUid):
    // whether the caller is root, and whose share of connections it
    // takes. Unset: no peer's uid is known.
    std::function<std::optional<uid_t>(bool tcp, const sockaddr_in& local, const sockaddr_in& peer)>
        peer_uid;
  };

  RpcServer(boost::asio::io_context& io, Handler handler, std::shared_ptr<spdlog::logger> log,
            Limits limits);
  RpcServer(boost::asio::io_context& io, Handler handler, std::shared_ptr<spdlog::logger> log)
      : RpcServer(io, std::move(handler), std::move(log), Limits()) {}
  ~RpcServer();

  // Binds TCP and UDP to `address`:`port` (0: any free port, the same for
  // both) and starts serving.
  Status Listen(const boost::asio::ip::address& address, uint16_t port);
  // Serves on sockets an earlier server listened on (a TCP listener and a
  // bound UDP socket, IPv4), which it then owns: a restarted daemon keeps
  // its port, and connections made meanwhile wait in the backlog.
  Status Adopt(int tcp_fd, int udp_fd);
  // The listening sockets, for handing to a successor (still owned here).
  int tcp_fd() { return acceptor_.native_handle(); }
  int udp_fd() { return udp_.native_handle(); }
  uint16_t port() const { return port_; }
  void Close();
  uint64_t garbage() const { return garbage_; }

 private:
  class Connection;
  void Accept();
  // Takes a new connection on, or closes it at once (Limits).
  void Admit(std::shared_ptr<Connection> c);
  void ReceiveUdp();
  // Parses one record and hands it to the handler (or answers a broken
  // call itself).
  void Answer(const Peer& peer, std::span<const uint8_t> record, Responder respond);

  Handler handler_;
  std::shared_ptr<spdlog::logger> log_;
  Limits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::udp::socket udp_;
  boost::asio::ip::udp::endpoint udp_from_;
  std::vector<uint8_t> udp_buffer_;
  std::set<std::shared_ptr<Connection>> connections_;
  std::map<std::string, size_t> per_peer_;  // open connections by PeerKey
  uint16_t port_ = 0;
  uint64_t garbage_ = 0;
  bool closed_ = false;
  // Lines peers can cause, each kind limited (base/log_limiter.h).
  LogLimiter bad_message_log_, bad_record_log_, idle_log_, refused_log_;
};

}  // namespace amd::rpc

#endif  // AMD_RPC_RPC_SERVER_H_
