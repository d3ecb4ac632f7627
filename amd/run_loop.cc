// The engine's event loop; see run_loop.h.
#include "amd/run_loop.h"

namespace amd {

void RunSpinning(boost::asio::io_context& io, std::chrono::microseconds spin) {
  using Clock = std::chrono::steady_clock;
  while (io.run_one() > 0) {
    // Handlers ran: watch for follow-ups a while before sleeping again.
    auto until = Clock::now() + spin;
    while (!io.stopped()) {
      if (io.poll() > 0) {
        until = Clock::now() + spin;
      } else if (Clock::now() >= until) {
        break;
      } else {
        SpinPause();
      }
    }
  }
}

}  // namespace amd
