// The relay's link to a replica; see replica_link.h.
#include "relay/replica_link.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>

#include "rpc/rpc_client.h"

namespace amd::relay {
namespace {

constexpr size_t kMaxRecord = (4u << 20) + 4096;

}  // namespace

const rpc::AuthSys& RelayCred() {
  static const rpc::AuthSys cred = [] {
    rpc::AuthSys a;
    char host[256] = "amd-relay";
    ::gethostname(host, sizeof host - 1);
    a.machine = host;
    return a;
  }();
  return cred;
}

Result<std::unique_ptr<ReplicaLink>> ReplicaLink::Parse(const std::string& name) {
  std::unique_ptr<ReplicaLink> l(new ReplicaLink());
  l->name_ = name;
  auto colon = name.find(":/");
  if (colon == std::string::npos || colon == 0) {
    return Status::Error("replica \"" + name + "\": expected host:/path");
  }
  l->host_ = name.substr(0, colon);
  l->path_ = name.substr(colon + 1);
  if (auto c = l->host_.rfind(':'); c != std::string::npos) {
    int port = std::atoi(l->host_.c_str() + c + 1);
    if (port <= 0 || port > 65535) return Status::Error("replica \"" + name + "\": bad port");
    l->nfs_port_ = l->mount_port_ = static_cast<uint16_t>(port);
    l->host_.resize(c);
  }
  return l;
}

void ReplicaLink::SetPorts(uint16_t nfs, uint16_t mount) {
  if (nfs) nfs_port_ = nfs;
  if (mount) mount_port_ = mount;
}

Status ReplicaLink::Resolve() {
  if (addr_.sin_family == AF_INET) return {};
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    return Status::Error("replica " + name_ + ": " + ::gai_strerror(rc),
                         std::errc::host_unreachable);
  }
  addr_ = *reinterpret_cast<sockaddr_in*>(res->ai_addr);
  ::freeaddrinfo(res);
  return {};
}

Result<std::shared_ptr<rpc::Channel>> ReplicaLink::Connect(std::chrono::milliseconds timeout) {
  std::optional<size_t> extra;  // the slot to fill, when the first connection is up
  {
    std::lock_guard lock(mu_);
    if (channel_ && !channel_->broken()) {
      size_t i = next_++ % (kExtraChannels + 1);
      if (i == 0) return channel_;
      auto& c = extra_[i - 1];
      if (c && !c->broken()) return c;
      extra = i - 1;
    }
  }
  if (extra) {
    // Calls spread over several connections, each read by a thread of
    // its own: one connection's receiving thread bounds throughput.
    auto ch = rpc::Channel::Connect(nfs_addr_, timeout, ::geteuid() == 0, kMaxRecord);
    std::lock_guard lock(mu_);
    if (!ch.ok()) return channel_;
    extra_[*extra] = *ch;
    return *ch;
  }
  std::lock_guard connecting(connect_mu_);
  {
    std::lock_guard lock(mu_);
    if (channel_ && !channel_->broken()) return channel_;
  }
  if (Status s = Resolve(); !s.ok()) return s;
  bool root = ::geteuid() == 0;
  auto port = [&](uint32_t prog, uint16_t fallback) -> Result<uint16_t> {
    const auto& given = prog == nfs3::kProgram ? nfs_port_ : mount_port_;
    if (given) return *given;
    auto p = rpc::GetPort(addr_, prog, 3, true, timeout);
    if (!p.ok()) return p.status();
    return *p ? *p : fallback;
  };
  auto mnt_port = port(nfs3::mount::kProgram, 0);
  if (!mnt_port.ok())
    return Status(mnt_port.status().code(), name_ + ": rpcbind: " + mnt_port.status().context());
  if (*mnt_port == 0) {
    return Status::Error(name_ + ": no MOUNT service registered", std::errc::connection_refused);
  }
  sockaddr_in a = addr_;
  a.sin_port = htons(*mnt_port);
  auto mc = rpc::Channel::Connect(a, timeout, root, kMaxRecord);
  if (!mc.ok()) return Status(mc.status().code(), name_ + ": MOUNT: " + mc.status().context());
  auto mnt = (*mc)->Call(nfs3::mount::kProgram, 3, nfs3::mount::kMnt, nfs3::DirpathArg(path_),
                         &RelayCred(), timeout);
  (*mc)->Close();
  if (!mnt.ok()) return Status(mnt.status().code(), name_ + ": MNT: " + mnt.status().context());
  auto fh = nfs3::DecodeMnt(mnt->results);
  if (!fh.ok()) return Status(fh.status().code(), name_ + ": " + fh.status().context());
  auto nfs_port = port(nfs3::kProgram, 2049);
  if (!nfs_port.ok()) return nfs_port.status();
  a.sin_port = htons(*nfs_port);
  auto ch = rpc::Channel::Connect(a, timeout, root, kMaxRecord);
  if (!ch.ok()) return Status(ch.status().code(), name_ + ": NFS: " + ch.status().context());
  auto info =
      (*ch)->Call(nfs3::kProgram, 3, nfs3::kFsinfo, nfs3::FhArg(*fh), &RelayCred(), timeout);
  uint32_t rtmax = 1 << 20;
  if (info.ok()) {
    auto fi = nfs3::DecodeFsinfo(info->results);
    if (fi.ok() && fi->stat == nfs3::kOk && fi->rtmax >= 4096) rtmax = std::min(fi->rtmax, rtmax);
  }
  std::lock_guard lock(mu_);
  channel_ = *ch;
  nfs_addr_ = a;
  root_ = std::move(*fh);
  rtmax_ = rtmax;
  return channel_;
}

void ReplicaLink::Drop() {
  std::vector<std::shared_ptr<rpc::Channel>> all;
  {
    std::lock_guard lock(mu_);
    all.push_back(std::move(channel_));
    for (auto& c : extra_) all.push_back(std::move(c));
    channel_.reset();
    for (auto& c : extra_) c.reset();
  }
  for (auto& c : all) {
    if (c) c->Close();
  }
}

nfs3::Fh ReplicaLink::root() const {
  std::lock_guard lock(mu_);
  return root_;
}

uint32_t ReplicaLink::rtmax() const {
  std::lock_guard lock(mu_);
  return rtmax_;
}

}  // namespace amd::relay
