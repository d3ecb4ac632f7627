// What rlpd provides (RlpdExports): the configuration's volumes and
// resources, plus the exports of the local MOUNT service, which a thread
// of its own re-reads (every `refresh`, and at once after Configure), so
// that a slow MOUNT service never delays an answer. And this host's
// networks (RlpdNetworks), re-read at most every few seconds.
//
// Threading: RlpdExports is thread-safe; Current() returns a snapshot the
// caller shares. RlpdNetworks belongs to one thread. Both log through
// `log` (a line each).
#ifndef AMD_RLP_RLPD_EXPORTS_H_
#define AMD_RLP_RLPD_EXPORTS_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/interfaces.h"
#include "base/status.h"
#include "rlp/rlp_responder.h"
#include "rlp/rlpd_config.h"

namespace amd::rlp {

class RlpdExports {
 public:
  using Log = std::function<void(const std::string& line)>;
  explicit RlpdExports(Log log) : log_(std::move(log)) {}
  ~RlpdExports() { Stop(); }

  // A new configuration; starts the reader thread when `start_reader`
  // and the configuration reads the export list.
  void Configure(const RlpdConfig& c, bool start_reader = true);
  std::shared_ptr<const Provided> Current();
  // One read of the export list, for --check.
  Status ReadOnce() { return Fetch(); }
  void Stop();

 private:
  void Rebuild();  // mu_ held
  Status Fetch();
  void Run();

  Log log_;
  std::mutex mu_;
  std::condition_variable wake_;
  RlpdConfig config_;                  // guarded by mu_
  std::vector<std::string> exported_;  // guarded by mu_
  std::string last_error_;             // guarded by mu_
  bool read_once_ = false;             // guarded by mu_
  bool stop_ = false;                  // guarded by mu_
  bool reread_ = false;                // a new configuration: read the export list now
  std::shared_ptr<const Provided> provided_ = std::make_shared<Provided>();  // guarded by mu_
  std::thread thread_;
};

class RlpdNetworks {
 public:
  const std::vector<Ipv4Interface>& Get();

 private:
  std::vector<Ipv4Interface> list_;
  std::chrono::steady_clock::time_point read_{};
};

}  // namespace amd::rlp

#endif  // AMD_RLP_RLPD_EXPORTS_H_
