// Autofs packet reading; see autofs_front_end.h. Each read of the pipe
// returns one packet, so a read of any other size is a bad packet.
#include "amd/autofs_front_end.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/error.hpp>

namespace amd {

AutofsFrontEnd::AutofsFrontEnd(boost::asio::io_context& io, Handler handler,
                               std::shared_ptr<spdlog::logger> log,
                               std::function<void(int id)> closed)
    : io_(io), handler_(std::move(handler)), log_(std::move(log)), closed_(std::move(closed)) {}

AutofsFrontEnd::~AutofsFrontEnd() {
  for (auto& [id, r] : readers_) {
    boost::system::error_code ec;
    r->pipe.close(ec);
  }
}

void AutofsFrontEnd::Watch(int id, int pipe_fd) {
  if (pipe_fd < 0) return;  // packets for this point arrive some other way
  auto r = std::make_shared<Reader>(io_);
  int fd = ::dup(pipe_fd);
  if (fd < 0) {
    log_->error("autofs point {}: dup of its pipe failed", id);
    return;
  }
  r->pipe.assign(fd);
  readers_[id] = r;
  Read(id, r);
}

void AutofsFrontEnd::Unwatch(int id) {
  auto it = readers_.find(id);
  if (it == readers_.end()) return;
  boost::system::error_code ec;
  it->second->pipe.cancel(ec);
  it->second->pipe.close(ec);
  readers_.erase(it);
}

void AutofsFrontEnd::Read(int id, std::shared_ptr<Reader> r) {
  r->pipe.async_read_some(
      boost::asio::buffer(r->buffer), [this, id, r](const boost::system::error_code& ec, size_t n) {
        if (ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          if (ec != boost::asio::error::eof) {
            log_->error("autofs point {}: {}", id, ec.message());
          } else if (closed_ && readers_.count(id) && readers_[id] == r) {
            closed_(id);
          }
          return;
        }
        auto packet = kernel::DecodeAutofsPacket(std::span<const uint8_t>(r->buffer.data(), n));
        if (packet.ok()) {
          handler_(id, *packet);
        } else {
          ++bad_packets_;
          log_->error("autofs point {}: dropped a bad packet: {}", id, packet.status().ToString());
        }
        if (readers_.count(id) && readers_[id] == r) Read(id, r);
      });
}

}  // namespace amd
