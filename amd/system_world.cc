// The real World and this host's facts; see system_world.h.
#include "amd/system_world.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bit>
#include <cstdlib>

#include "base/interfaces.h"
#include "rpc/mount_protocol.h"

namespace amd {

SystemWorld::SystemWorld() {
  for (const auto& i : Ipv4Interfaces()) {
    if (!i.up || i.loopback || i.netmask == 0) continue;
    maps::LocalNetwork n;
    n.address = i.address;
    n.netmask = i.netmask;
    // /etc/networks only: no DNS at start-up.
    if (struct netent* ne = ::getnetbyaddr(n.address & n.netmask, AF_INET)) n.name = ne->n_name;
    networks_.push_back(std::move(n));
  }
}

bool SystemWorld::Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool SystemWorld::InNetgroup(const std::string& group, const std::string& host) {
  return ::innetgr(group.c_str(), host.c_str(), nullptr, nullptr) == 1;
}

std::vector<std::string> SystemWorld::HostNames(const std::string& name) {
  std::vector<std::string> out;
  struct hostent he;
  struct hostent* result = nullptr;
  std::vector<char> buf(8192);
  int err = 0;
  if (::gethostbyname_r(name.c_str(), &he, buf.data(), buf.size(), &result, &err) != 0 ||
      result == nullptr) {
    return out;
  }
  if (result->h_name) out.emplace_back(result->h_name);
  for (char** a = result->h_aliases; a && *a; ++a) out.emplace_back(*a);
  return out;
}

std::vector<uint32_t> SystemWorld::HostAddresses(const std::string& name) {
  std::vector<uint32_t> out;
  struct addrinfo hints = {};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return out;
  for (auto* a = res; a != nullptr; a = a->ai_next) {
    out.push_back(ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr));
  }
  ::freeaddrinfo(res);
  return out;
}

Result<std::vector<std::string>> SystemWorld::ServerExports(uint32_t address,
                                                            std::optional<uint16_t> mountport,
                                                            std::string_view proto) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(address);
  auto list = rpc::FetchExports(a, mountport, proto, std::chrono::seconds(10));
  if (!list.ok()) return list.status();
  std::vector<std::string> dirs;
  for (auto& e : *list) dirs.push_back(std::move(e.dir));
  return dirs;
}

std::optional<std::string> SystemWorld::Getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::map<std::string, std::string> HostOptionDefaults() {
  struct utsname u;
  ::uname(&u);
  std::string machine = u.machine;
  std::string arch = machine;
  if (arch.size() == 4 && arch[0] == 'i' && arch.substr(2) == "86") arch = "i386";
  return {{"arch", arch}, {"karch", machine}, {"osver", u.release}};
}

maps::HostFacts MakeHostFacts(const conf::Config& config) {
  const conf::GlobalSettings& g = config.settings;
  maps::HostFacts f;
  f.arch = g.arch;
  f.karch = g.karch;
  f.os = g.os;
  f.osver = g.osver;
  f.full_os = g.full_os;
  f.vendor = g.vendor;
  f.byte = std::endian::native == std::endian::little ? "little" : "big";
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  std::string full = name;
  size_t dot = full.find('.');
  f.host = full.substr(0, dot);
  f.domain = g.local_domain;
  if (f.domain.empty())
    f.domain = dot == std::string::npos ? "unknown.domain" : full.substr(dot + 1);
  f.hostd = f.domain.empty() ? f.host : f.host + "." + f.domain;
  f.cluster = g.cluster.empty() ? f.domain : g.cluster;
  f.autodir = g.auto_dir;
  return f;
}

}  // namespace amd
