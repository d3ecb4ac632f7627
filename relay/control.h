// The relay's control socket: a Unix stream socket on which amd (and the
// tests) ask one question a connection, one line each:
//   status            the relay's state as one line of JSON
//   switch [REPLICA]  switch to REPLICA (name or host), or to the best one:
//                     "ok <what was done>" or "error <why>"
//   reload            read the policy file again (what SIGHUP does): "ok
//                     ..." or "error <file:line:column: why>", the old
//                     policy kept
// Only root may ask for a switch or a reload (the peer's credentials); the
// socket itself is made 0600.
//
// Threading: a thread of its own accepts and answers. Ownership: owns the
// socket and removes its file on destruction.
#ifndef AMD_RELAY_CONTROL_H_
#define AMD_RELAY_CONTROL_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "relay/relay.h"

namespace amd::relay {

class ControlServer {
 public:
  // `reload` reads the policy again and gives it to the relay: what was
  // done, or why not.
  static Result<std::unique_ptr<ControlServer>> Start(const std::string& path, Relay* relay,
                                                      std::function<Result<std::string>()> reload);
  ~ControlServer();

 private:
  ControlServer() = default;
  void Serve();
  void Answer(int fd);

  std::string path_;
  int fd_ = -1;
  Relay* relay_ = nullptr;
  std::function<Result<std::string>()> reload_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Asks the relay at `path` one question (a client: amd, tests): its
// answer, or why there is none.
Result<std::string> AskRelay(const std::string& path, const std::string& question,
                             std::chrono::milliseconds timeout);

}  // namespace amd::relay

#endif  // AMD_RELAY_CONTROL_H_
