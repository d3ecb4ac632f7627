// RpcServer; see rpc_server.h.
#include "rpc/rpc_server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <variant>

#include "rpc/record_marking.h"

namespace amd::rpc {
namespace {

sockaddr_in ToSockaddr(const boost::asio::ip::address& a, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  if (a.is_v4()) s.sin_addr.s_addr = htonl(a.to_v4().to_uint());
  return s;
}

std::optional<uid_t> UidOf(const RpcServer::Limits& limits, bool tcp,
                           const boost::asio::ip::address& local, uint16_t local_port,
                           const boost::asio::ip::address& peer, uint16_t peer_port) {
  if (!limits.peer_uid || !peer.is_v4() || !peer.is_loopback()) return std::nullopt;
  return limits.peer_uid(tcp, ToSockaddr(local, local_port), ToSockaddr(peer, peer_port));
}

// Whom a connection counts against: a local process's uid, or a remote
// address.
std::string PeerKey(const Peer& p) {
  return p.uid ? "uid " + std::to_string(*p.uid) : p.address.to_string();
}

}  // namespace

std::string Peer::ToString() const {
  std::string s = address.to_string() + ":" + std::to_string(port) + (tcp ? "/tcp" : "/udp");
  if (uid) s += " (uid " + std::to_string(*uid) + ")";
  return s;
}

class RpcServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr size_t kMaxQueued = 64;  // replies waiting for a slow reader
  Connection(RpcServer* server, boost::asio::ip::tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        records_(server->limits_.max_record) {
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    auto local = socket_.local_endpoint(ec);
    peer_.address = remote.address();
    peer_.port = remote.port();
    peer_.tcp = true;
    peer_.uid = UidOf(server_->limits_, true, local.address(), local.port(), remote.address(),
                      remote.port());
  }
  void Start() {
    peer_.connected = [weak = weak_from_this()] {
      auto self = weak.lock();
      return self != nullptr && self->socket_.is_open();
    };
    ArmTimer();
    Read();
  }
  const Peer& peer() const { return peer_; }
  // Queues a reply (now, or later from an asynchronous handler).
  void Send(std::vector<uint8_t> reply) {
    if (!socket_.is_open()) return;
    out_.push_back(FrameRecord(reply));
    Write();
  }
  void Stop() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }

 private:
  void ArmTimer() {
    timer_.expires_after(server_->limits_.idle);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto n = self->server_->idle_log_.Count()) {
        self->server_->log_->info("{}: {} idle for {} s; closing (idle connection #{})",
                                  self->server_->limits_.service, self->peer_.ToString(),
                                  self->server_->limits_.idle.count(), *n);
      }
      self->Finish();
    });
  }
  void Read() {
    if (reading_ || !socket_.is_open()) return;
    reading_ = true;
    socket_.async_read_some(
        boost::asio::buffer(buffer_),
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          self->reading_ = false;
          self->OnRead(ec, n);
        });
  }
  void OnRead(const boost::system::error_code& ec, size_t n) {
    if (ec) {
      Finish();
      return;
    }
    if (!records_.Feed(std::span<const uint8_t>(buffer_.data(), n))) {
      ++server_->garbage_;
      if (auto count = server_->bad_record_log_.Count()) {
        server_->log_->warn("{}: {}: {}; closing (bad record #{})", server_->limits_.service,
                            peer_.ToString(), records_.error(), *count);
      }
      Finish();
      return;
    }
    while (auto record = records_.Next()) {
      ArmTimer();  // idle is counted in whole records, not bytes
      std::weak_ptr<Connection> weak = shared_from_this();
      server_->Answer(peer_, *record, [weak](std::vector<uint8_t> reply) {
        if (auto self = weak.lock()) self->Send(std::move(reply));
      });
    }
    if (out_.size() < kMaxQueued) Read();  // else a client that does not read waits
  }
  void Write() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    auto data = std::make_shared<std::vector<uint8_t>>(std::move(out_.front()));
    out_.erase(out_.begin());
    boost::asio::async_write(
        socket_, boost::asio::buffer(*data),
        [self = shared_from_this(), data](const boost::system::error_code& ec, size_t) {
          self->writing_ = false;
          if (ec) {
            self->Finish();
            return;
          }
          self->Write();
          if (self->out_.size() < kMaxQueued) self->Read();
        });
  }
  void Finish() {
    Stop();
    if (server_->connections_.erase(shared_from_this()) > 0) {
      auto it = server_->per_peer_.find(PeerKey(peer_));
      if (it != server_->per_peer_.end() && --it->second == 0) server_->per_peer_.erase(it);
    }
  }

  RpcServer* server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  RecordAssembler records_;
  std::array<uint8_t, 8192> buffer_{};
  std::vector<std::vector<uint8_t>> out_;
  bool writing_ = false;
  bool reading_ = false;
  Peer peer_;
};

RpcServer::RpcServer(boost::asio::io_context& io, Handler handler,
                     std::shared_ptr<spdlog::logger> log, Limits limits)
    : handler_(std::move(handler)),
      log_(std::move(log)),
      limits_(limits),
      acceptor_(io),
      udp_(io),
      udp_buffer_(limits.max_record) {}

RpcServer::~RpcServer() { Close(); }

Status RpcServer::Listen(const boost::asio::ip::address& address, uint16_t port) {
  boost::system::error_code ec;
  boost::asio::ip::tcp::endpoint tep(address, port);
  acceptor_.open(tep.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(tep, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Error(limits_.service + " TCP " + address.to_string() + ":" +
                             std::to_string(port) + ": " + ec.message(),
                         std::errc::address_in_use);
  port_ = acceptor_.local_endpoint().port();
  boost::asio::ip::udp::endpoint uep(address, port_);
  udp_.open(uep.protocol(), ec);
  if (!ec) udp_.bind(uep, ec);
  if (ec) {
    acceptor_.close();
    return Status::Error(limits_.service + " UDP " + address.to_string() + ":" +
                             std::to_string(port_) + ": " + ec.message(),
                         std::errc::address_in_use);
  }
  Accept();
  ReceiveUdp();
  return {};
}

Status RpcServer::Adopt(int tcp_fd, int udp_fd) {
  boost::system::error_code ec;
  acceptor_.assign(boost::asio::ip::tcp::v4(), tcp_fd, ec);
  if (!ec) udp_.assign(boost::asio::ip::udp::v4(), udp_fd, ec);
  if (ec) {
    acceptor_.close();
    return Status::Error(
        limits_.service + ": cannot take over the earlier sockets: " + ec.message(),
        std::errc::bad_file_descriptor);
  }
  port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  ReceiveUdp();
  return {};
}

void RpcServer::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  udp_.close(ec);
  for (const auto& c : connections_) c->Stop();
  connections_.clear();
}

void RpcServer::Accept() {
  acceptor_.async_accept(
      [this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted || closed_) return;
        if (!ec) Admit(std::make_shared<Connection>(this, std::move(socket)));
        Accept();
      });
}

void RpcServer::Admit(std::shared_ptr<Connection> c) {
  const Peer& peer = c->peer();
  const char* why = nullptr;
  bool root = peer.uid && *peer.uid == 0;
  std::string key = PeerKey(peer);
  auto it = per_peer_.find(key);
  size_t mine = it == per_peer_.end() ? 0 : it->second;
  if (limits_.refuse_at_accept && limits_.refuse_at_accept(peer)) {
    why = "every call from it would be refused";
  } else if (!root && mine >= limits_.max_per_peer) {
    why = "it holds as many connections as one peer may";
  } else if (connections_.size() >= limits_.max_connections + (root ? limits_.root_reserve : 0)) {
    why = "as many connections as the server takes are open";
  }
  if (why != nullptr) {
    if (auto n = refused_log_.Count()) {
      log_->warn("{}: closed a connection from {} at once: {} ({} open; refusal #{})",
                 limits_.service, peer.ToString(), why, connections_.size(), *n);
    }
    c->Stop();
    return;
  }
  ++per_peer_[key];
  connections_.insert(c);
  c->Start();
}

void RpcServer::ReceiveUdp() {
  udp_.async_receive_from(boost::asio::buffer(udp_buffer_), udp_from_,
                          [this](const boost::system::error_code& ec, size_t n) {
                            if (ec == boost::asio::error::operation_aborted || closed_) return;
                            if (!ec) {
                              Peer peer;
                              peer.address = udp_from_.address();
                              peer.port = udp_from_.port();
                              boost::system::error_code e2;
                              auto local = udp_.local_endpoint(e2);
                              peer.uid = UidOf(limits_, false, local.address(), local.port(),
                                               peer.address, peer.port);
                              auto to = udp_from_;
                              Answer(peer, std::span<const uint8_t>(udp_buffer_.data(), n),
                                     [this, to](std::vector<uint8_t> reply) {
                                       if (closed_) return;
                                       boost::system::error_code e3;
                                       udp_.send_to(boost::asio::buffer(reply), to, 0, e3);
                                     });
                            }
                            ReceiveUdp();
                          });
}

void RpcServer::Answer(const Peer& peer, std::span<const uint8_t> record, Responder respond) {
  auto parsed = ParseCall(record);
  if (auto* err = std::get_if<CallParseError>(&parsed)) {
    ++garbage_;
    if (auto n = bad_message_log_.Count()) {
      log_->warn("{}: {}: dropped bad message #{}: {}", limits_.service, peer.ToString(), *n,
                 err->reason);
    }
    if (err->kind == CallError::kBadRpcVersion) respond(RpcMismatchReply(err->xid));
    if (err->kind == CallError::kBadAuth) respond(AuthErrorReply(err->xid, AuthStat::kBadCred));
    return;
  }
  handler_(peer, std::get<Call>(parsed), std::move(respond));
}

}  // namespace amd::rpc
