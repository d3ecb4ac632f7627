// The classic NFS front end: its life, its directories as the engine
// sees them, and its FrontEnd side; see nfs_front_end.h and nfs_server.h.
#include "amd/nfs_front_end.h"

#include <sys/mount.h>

#include "amd/mounter.h"
#include "amd/nfs_server.h"
#include "amd/run_loop.h"
#include "base/interfaces.h"
#include "kernel-shim/peer_credentials.h"
#include "maps/mount_options.h"

namespace amd {

namespace nfs3 = rpc::nfs3;

namespace {

std::set<uint32_t> LocalAddresses() {
  std::set<uint32_t> out;
  for (const auto& i : Ipv4Interfaces()) out.insert(i.address);
  return out;
}

}  // namespace

NfsFrontEnd::Impl::Impl(Settings settings, Deliver deliver, kernel::Kernel& kernel,
                        std::shared_ptr<spdlog::logger> log, Abandon abandon)
    : settings_(std::move(settings)),
      deliver_(std::move(deliver)),
      abandon_(std::move(abandon)),
      kernel_(kernel),
      log_(std::move(log)),
      work_(boost::asio::make_work_guard(io_)),
      server_(
          io_,
          [this](const rpc::Peer& p, const rpc::Call& c, rpc::RpcServer::Responder r) {
            Serve(p, c, std::move(r));
          },
          log_, Limits(settings_)),
      local_(LocalAddresses()) {}

rpc::RpcServer::Limits NfsFrontEnd::Impl::Limits(const Settings& s) {
  rpc::RpcServer::Limits l;
  l.service = "NFS";
  l.peer_uid = kernel::LocalPeerUid;  // connections are shared out by local uid
  // A TCP connection from an unprivileged port would have every call
  // refused: it is closed at once, and holds no place.
  if (!s.allow_insecure_port)
    l.refuse_at_accept = [](const rpc::Peer& p) { return p.port >= 1024; };
  l.idle = std::chrono::seconds(900);  // the kernel closes idle connections itself
  l.max_connections = 256;
  return l;
}

Status NfsFrontEnd::Impl::Listen() {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(settings_.address, ec);
  if (ec)
    return Status::Error("NFS: localhost_address " + settings_.address + " is not an address");
  listen_ = addr;
  if (settings_.adopt_tcp_fd >= 0 && settings_.adopt_udp_fd >= 0) {
    if (server_.Adopt(settings_.adopt_tcp_fd, settings_.adopt_udp_fd).ok()) return {};
    log_->warn("NFS: cannot take over the earlier engine's sockets; binding anew");
  }
  return server_.Listen(addr, settings_.port);
}

void NfsFrontEnd::Impl::Stop() {
  server_.Close();
  sweep_timer_.cancel();
  for (auto& [token, request] : pending_) {
    for (auto& p : request.waiting) Reply(p, nfs3::kNoent);
  }
  pending_.clear();
  for (auto& [token, done] : expiring_) done->set_value(false);
  expiring_.clear();
  work_.reset();
  io_.stop();
}

void NfsFrontEnd::Impl::SetMountedByUs(const std::string& path) {
  if (Dir* d = tree_.FindPath(path)) d->mounted_by_us = true;
}

bool NfsFrontEnd::Impl::MountedByUs(const std::string& path) {
  Dir* d = tree_.FindPath(path);
  return d != nullptr && d->mounted_by_us;
}

void NfsFrontEnd::Impl::SetTimeout(const std::string& path, unsigned long seconds) {
  if (Dir* d = tree_.FindPath(path)) d->timeout = seconds;
}

void NfsFrontEnd::Impl::SetKeyTimeout(const std::string& path, const std::string& name,
                                      unsigned long seconds) {
  ApplyStaged();
  if (Dir* d = tree_.FindPath(path)) {
    if (auto k = d->keys.find(name); k != d->keys.end()) k->second.timeout = seconds;
  }
}

bool NfsFrontEnd::Impl::Empty(const std::string& path) {
  ApplyStaged();
  Dir* d = tree_.FindPath(path);
  return d == nullptr || d->keys.empty();
}

void NfsFrontEnd::Impl::Stage(const std::string& path, const std::string& name,
                              const std::string& target) {
  std::lock_guard<std::mutex> lock(staged_mu_);
  staged_.emplace_back(path, name, target);
}

void NfsFrontEnd::Impl::Answer(uint32_t token, int err) {
  boost::asio::post(io_, [self = shared_from_this(), token, err] { self->OnAnswer(token, err); });
}

NfsFrontEndStats NfsFrontEnd::Impl::stats() {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void NfsFrontEnd::Impl::ApplyStaged() {
  std::vector<std::tuple<std::string, std::string, std::string>> staged;
  {
    std::lock_guard<std::mutex> lock(staged_mu_);
    if (staged_.empty()) return;
    staged.swap(staged_);
  }
  for (auto& [path, name, target] : staged) tree_.SetTarget(path, name, target);
}

void NfsFrontEnd::Impl::Count(uint64_t NfsFrontEndStats::*field) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++(stats_.*field);
}

bool NfsFrontEnd::Impl::Allowed(const rpc::Peer& peer) {
  if (!settings_.allow_insecure_port && peer.port >= 1024) return false;
  if (settings_.allow_any_interface) return true;
  if (peer.address == listen_ || peer.address.is_loopback()) return true;
  return peer.address.is_v4() && local_.count(peer.address.to_v4().to_uint()) > 0;
}

namespace {

// One directory of the front end as the engine sees an automount point.
class NfsDirectory : public kernel::AutofsEndpoint {
 public:
  NfsDirectory(std::shared_ptr<NfsFrontEnd::Impl> impl, std::string path, bool top_level)
      : impl_(std::move(impl)), path_(std::move(path)), top_level_(top_level) {}
  ~NfsDirectory() override = default;

  const std::string& path() const override { return path_; }
  kernel::AutofsKind kind() const override { return kernel::AutofsKind::kIndirect; }
  int pipe_fd() const override { return -1; }
  Status Ready(uint32_t token) const override {
    impl_->Answer(token, 0);
    return {};
  }
  Status Fail(uint32_t token, int err) const override {
    impl_->Answer(token, err == 0 ? ENOENT : err);
    return {};
  }
  void ShowTarget(const std::string& name, const std::string& target) const override {
    impl_->Stage(path_, name, target);
  }
  Status SetTimeout(unsigned long seconds) const override {
    boost::asio::post(impl_->io(),
                      [impl = impl_, p = path_, seconds] { impl->SetTimeout(p, seconds); });
    return {};
  }
  Status SetKeyTimeout(const std::string& name, unsigned long seconds) const override {
    boost::asio::post(impl_->io(), [impl = impl_, p = path_, name, seconds] {
      impl->SetKeyTimeout(p, name, seconds);
    });
    return {};
  }
  ExpireResult ExpireOne(bool immediate, Status* error) const override {
    auto started = impl_->OnThread([&] { return impl_->StartExpire(path_, immediate); });
    if (!started) return ExpireResult::kNothing;
    if (started->wait_for(std::chrono::minutes(10)) != std::future_status::ready) {
      *error = Status::FromErrno(path_ + ": expire", ETIMEDOUT);
      return ExpireResult::kError;
    }
    if (started->get()) return ExpireResult::kExpired;
    *error = Status::FromErrno(path_ + ": expire", EBUSY);
    return ExpireResult::kError;
  }
  Status Catatonic() const override { return {}; }
  Result<bool> MayUnmount() const override {
    return impl_->OnThread([&] { return impl_->Empty(path_); });
  }
  Status Unmount(bool detach) override {
    Status s;
    if (top_level_ && impl_->OnThread([&] { return impl_->MountedByUs(path_); })) {
      s = impl_->kernel().Unmount(path_, detach ? MNT_DETACH : 0);
      if (!s.ok()) return s;
    }
    impl_->OnThread([&] {
      impl_->RemoveDir(path_);
      return 0;
    });
    return s;
  }

 private:
  std::shared_ptr<NfsFrontEnd::Impl> impl_;
  std::string path_;
  bool top_level_;
};

}  // namespace

NfsFrontEnd::NfsFrontEnd(Settings settings, Deliver deliver, kernel::Kernel& kernel,
                         std::shared_ptr<spdlog::logger> log, Abandon abandon)
    : impl_(std::make_shared<Impl>(std::move(settings), std::move(deliver), kernel, std::move(log),
                                   std::move(abandon))) {}

NfsFrontEnd::~NfsFrontEnd() { Stop(); }

Status NfsFrontEnd::Start() {
  Status s = impl_->Listen();
  if (!s.ok()) return s;
  port_ = impl_->port();
  // Polls a little before sleeping, as the engine thread does: a LOOKUP
  // is usually followed by its READLINK.
  thread_ =
      std::thread([impl = impl_] { RunSpinning(impl->io(), std::chrono::microseconds(100)); });
  impl_->log().info("NFS front end: NFSv3 and MOUNTv3 on {}:{} (TCP and UDP)",
                    impl_->settings().address, port_);
  return {};
}

void NfsFrontEnd::Stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(impl_->io(), [impl = impl_] { impl->Stop(); });
  thread_.join();
}

NfsFrontEndStats NfsFrontEnd::stats() const { return impl_->stats(); }

std::pair<int, int> NfsFrontEnd::sockets() { return impl_->sockets(); }

std::string NfsFrontEnd::MountData() const {
  const Settings& s = impl_->settings();
  std::string p = std::to_string(port_);
  std::string data = "vers=3,proto=tcp,port=" + p + ",mountport=" + p +
                     ",mountproto=tcp,mountvers=3,addr=" + s.address + ",mountaddr=" + s.address +
                     ",nolock";
  data += s.attr_cache > 0 ? ",actimeo=" + std::to_string(s.attr_cache) : ",noac";
  if (!s.timeo.empty()) data += ",timeo=" + s.timeo;
  if (!s.retrans.empty()) data += ",retrans=" + s.retrans;
  return data;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::CreateDirectory(
    const std::string& path, bool top_level, ListKeys browsable) {
  impl_->OnThread([&] {
    impl_->AddDir(path, top_level, std::move(browsable));
    return 0;
  });
  auto undo = [&] {
    impl_->OnThread([&] {
      impl_->RemoveDir(path);
      return 0;
    });
  };
  if (top_level && impl_->settings().mount_self) {
    kernel::Kernel& k = impl_->kernel();
    auto table = k.MountTable();
    bool there = false;
    if (table.ok()) {
      auto earlier = EarlierNfsPort(*table, path);
      there = earlier && *earlier == port_;
    }
    if (there) {
      impl_->log().info("{}: taking over amd's NFS mount left by an earlier amd (port {})", path,
                        port_);
    } else {
      Status s = k.MakeDirs(path, 0755);
      if (s.ok()) s = k.Mount("amd:" + path, path, "nfs", MS_NODEV | MS_NOSUID, MountData());
      if (!s.ok()) {
        undo();
        if (s.code() == std::errc::no_such_device) {
          std::string hint = s.hint() + ", or serve this map with mount_type = autofs";
          return std::move(s).WithHint(std::move(hint));
        }
        return s;
      }
    }
    impl_->OnThread([&] {
      impl_->SetMountedByUs(path);
      return 0;
    });
  }
  return std::unique_ptr<kernel::AutofsEndpoint>(
      std::make_unique<NfsDirectory>(impl_, path, top_level));
}

Result<FrontEnd::Opened> NfsFrontEnd::OpenPoint(
    const std::string& path, kernel::AutofsKind /*kind*/,
    const std::vector<kernel::MountInfoEntry>& /*table*/, ListKeys browsable) {
  auto ep = CreateDirectory(path, true, std::move(browsable));
  if (!ep.ok()) return ep.status();
  Opened out;
  out.endpoint = std::move(ep.value());
  return out;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::OpenSubMap(const std::string& path,
                                                                        ListKeys browsable) {
  return CreateDirectory(path, false, std::move(browsable));
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> NfsFrontEnd::AdoptSubMap(
    const std::string& path, const kernel::MountInfoEntry& /*entry*/) {
  return Status::Error(path + ": the NFS front end adopts no sub-map points",
                       std::errc::not_supported);
}

Status NfsFrontEnd::CloseSubMap(kernel::AutofsEndpoint& point) { return point.Unmount(false); }

Result<bool> NfsFrontEnd::Leave(kernel::AutofsEndpoint& point, bool top_level) {
  if (top_level && !point.Unmount(false).ok()) point.Unmount(true);
  return false;
}

void NfsFrontEnd::FindShared(const std::vector<kernel::MountInfoEntry>& table,
                             const std::string& autodir, SharedMounts& shared) {
  for (const auto& e : kernel::MountsUnder(table, autodir)) {
    if (e.mount_point == autodir) continue;
    bool nfs = e.fstype == "nfs" || e.fstype == "nfs4";
    shared.Found(e.mount_point, nfs ? e.source : "");
  }
}

std::optional<uint16_t> EarlierNfsPort(const std::vector<kernel::MountInfoEntry>& table,
                                       const std::string& path) {
  std::optional<uint16_t> port;
  for (const auto& e : table) {
    if (e.mount_point != path || (e.fstype != "nfs" && e.fstype != "nfs3") ||
        e.source != "amd:" + path)
      continue;
    auto v = maps::MountOptionValue(e.super_options, "port");
    int n = v ? std::atoi(v->c_str()) : 0;
    if (n > 0 && n < 65536) port = static_cast<uint16_t>(n);
  }
  return port;
}

}  // namespace amd
