// What rlpd provides; see rlpd_exports.h.
#include "rlp/rlpd_exports.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "rpc/mount_protocol.h"

namespace amd::rlp {

void RlpdExports::Configure(const RlpdConfig& c, bool start_reader) {
  {
    std::lock_guard lock(mu_);
    config_ = c;
    reread_ = true;
    Rebuild();
  }
  if (start_reader && c.mount_exports && !thread_.joinable())
    thread_ = std::thread([this] { Run(); });
  wake_.notify_all();
}

std::shared_ptr<const Provided> RlpdExports::Current() {
  std::lock_guard lock(mu_);
  return provided_;
}

void RlpdExports::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RlpdExports::Rebuild() {
  auto p = std::make_shared<Provided>();
  p->volumes = config_.volumes;
  if (config_.mount_exports)
    p->volumes.insert(p->volumes.end(), exported_.begin(), exported_.end());
  p->resources = config_.resources;
  provided_ = std::move(p);
}

Status RlpdExports::Fetch() {
  std::string host;
  uint16_t port = 0;
  {
    std::lock_guard lock(mu_);
    host = config_.mount_host;
    port = config_.mount_port;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  auto list = rpc::FetchExports(a, port ? std::optional<uint16_t>(port) : std::nullopt, "",
                                std::chrono::seconds(3));
  std::lock_guard lock(mu_);
  if (!list.ok()) {
    std::string why = list.status().ToString();
    if (why != last_error_) {
      log_("the export list of " + host + " could not be read (" + why + "); answering from " +
           (exported_.empty() ? "the configuration alone" : "the last list read"));
    }
    last_error_ = why;
    return list.status();
  }
  std::vector<std::string> dirs;
  for (const auto& e : *list) dirs.push_back(e.dir);
  if (dirs != exported_ || !last_error_.empty() || !read_once_) {
    std::string names;
    for (const auto& d : dirs) names += " " + d;
    log_("exports of " + host + ":" + (names.empty() ? " (none)" : names));
  }
  read_once_ = true;
  last_error_.clear();
  exported_ = std::move(dirs);
  Rebuild();
  return Status();
}

void RlpdExports::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    reread_ = false;  // before the read: a reload during it reads again
    if (config_.mount_exports) {
      lock.unlock();
      Fetch();
      lock.lock();
    }
    wake_.wait_for(lock, config_.refresh, [&] { return stop_ || reread_; });
  }
}

const std::vector<Ipv4Interface>& RlpdNetworks::Get() {
  auto now = std::chrono::steady_clock::now();
  if (now - read_ > std::chrono::seconds(5)) {
    list_ = Ipv4Interfaces();
    read_ = now;
  }
  return list_;
}

}  // namespace amd::rlp
