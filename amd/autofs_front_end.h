// AutofsFrontEnd: reads the packet pipe of every automount point with Asio
// on the engine thread and hands each decoded packet to a callback. A bad
// packet is logged (with the mount point) and dropped; reading goes on.
// Engine thread only.
//
// Owns a duplicate of each pipe it watches (closed at Unwatch).
#ifndef AMD_AMD_AUTOFS_FRONT_END_H_
#define AMD_AMD_AUTOFS_FRONT_END_H_

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>

#include "kernel-shim/autofs_packet.h"

namespace spdlog {
class logger;
}

namespace amd {

class AutofsFrontEnd {
 public:
  using Handler = std::function<void(int id, const kernel::AutofsPacket&)>;
  // `closed` is called when a watched pipe reaches end of file: the kernel
  // let go of it (the mount turned catatonic: another daemon took it over,
  // or it was unmounted behind amd's back).
  AutofsFrontEnd(boost::asio::io_context& io, Handler handler, std::shared_ptr<spdlog::logger> log,
                 std::function<void(int id)> closed = nullptr);
  ~AutofsFrontEnd();

  // Starts reading `pipe_fd` (a duplicate is taken; the caller keeps its own).
  void Watch(int id, int pipe_fd);
  void Unwatch(int id);
  uint64_t bad_packets() const { return bad_packets_; }

 private:
  struct Reader {
    explicit Reader(boost::asio::io_context& io) : pipe(io) {}
    boost::asio::posix::stream_descriptor pipe;
    std::array<uint8_t, kernel::kAutofsPacketSize> buffer{};
  };
  void Read(int id, std::shared_ptr<Reader> reader);

  boost::asio::io_context& io_;
  Handler handler_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(int id)> closed_;
  std::map<int, std::shared_ptr<Reader>> readers_;
  uint64_t bad_packets_ = 0;
};

}  // namespace amd

#endif  // AMD_AMD_AUTOFS_FRONT_END_H_
