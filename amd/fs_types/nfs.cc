// type:=nfs: a kernel NFS mount of rhost:rfs (nfs_vers, nfs_proto, and
// opts or remopts). Also what host.cc shares with it (nfs_server.h).
#include "amd/fs_types/nfs_server.h"
#include "amd/fs_types/types.h"
#include "maps/mount_types.h"

namespace amd::fs_types {

using maps::Option;

Result<NfsServer> ResolveServer(const MountRun& run, const maps::LocationResult& loc,
                                const char* type) {
  NfsServer srv;
  srv.rhost = loc.options.Value(Option::kRhost);
  srv.options = maps::ChooseMountOptions(loc.options, "nfs", run.ctx().world).options;
  std::vector<uint32_t> addrs;
  if (run.ctx().world != nullptr) addrs = run.ctx().world->HostAddresses(srv.rhost);
  if (addrs.empty()) {
    return Status::Error(std::string(type) + ": host " + srv.rhost + " does not resolve",
                         std::errc::host_unreachable);
  }
  srv.address = addrs.front();
  return srv;
}

Status MountNfsAt(MountRun& run, const NfsMount& nfs, const std::string& dir) {
  Status s = run.Mount(nfs.source, dir, nfs.fstype, nfs.flags, nfs.data);
  if (s.code() == std::errc::invalid_argument && nfs.data.find("proto=udp") != std::string::npos) {
    return Status(s.code(), s.context() + " (proto=udp: this kernel may have no NFS over UDP)");
  }
  return s;
}

Status MountNfs(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  auto srv = ResolveServer(run, loc, "nfs");
  if (!srv.ok()) return srv.status();
  NfsMount nfs = BuildNfsMount(srv->rhost, loc.options.Value(Option::kRfs), srv->options,
                               srv->address, run.ctx().nfs_vers, run.ctx().nfs_proto);
  return run.MountThenShow(node, loc,
                           [&](const std::string& dir) { return MountNfsAt(run, nfs, dir); });
}

}  // namespace amd::fs_types
