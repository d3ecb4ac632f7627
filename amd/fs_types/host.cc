// type:=host: every export of rhost, each mounted at its own path below
// the key.
#include <algorithm>

#include "amd/fs_types/nfs_server.h"
#include "amd/fs_types/types.h"
#include "base/strings.h"
#include "maps/mount_options.h"

namespace amd::fs_types {

using maps::Option;

// type:=host: every export of rhost, each at its own path below the node
// (parents before the exports inside them). An export that cannot be
// mounted is skipped with a warning; the mount fails only when none could.
Status MountHost(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  auto srv = ResolveServer(run, loc, "host");
  if (!srv.ok()) return srv.status();
  const std::string& rhost = srv->rhost;
  std::optional<uint16_t> mountport;
  if (auto p = maps::MountOptionValue(srv->options, "mountport")) {
    auto n = ParseInteger(*p);
    if (!n || *n <= 0 || *n > 65535)
      return Status::Error("host: mountport=" + *p + " is not a port number");
    mountport = static_cast<uint16_t>(*n);
  }
  std::string proto = run.ctx().nfs_proto.empty()
                          ? maps::MountOptionValue(srv->options, "proto").value_or("")
                          : run.ctx().nfs_proto;
  auto exports = run.ctx().world->ServerExports(srv->address, mountport, proto);
  if (!exports.ok())
    return Status(exports.status().code(), "host " + rhost + ": " + exports.status().context());
  std::vector<std::string> dirs;
  for (const auto& d : *exports) {
    if (!d.empty() && d[0] == '/' && d.find("/../") == std::string::npos && !d.ends_with("/.."))
      dirs.push_back(d);
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  if (dirs.empty())
    return Status::Error("host " + rhost + " exports nothing",
                         std::errc::no_such_file_or_directory);
  return run.MountThenShow(node, loc, [&](const std::string& dir) {
    Status last;
    int mounted = 0;
    for (const auto& d : dirs) {
      std::string at = d == "/" ? dir : dir + d;
      NfsMount nfs = BuildNfsMount(rhost, d, srv->options, srv->address, run.ctx().nfs_vers,
                                   run.ctx().nfs_proto);
      Status s = at == dir ? Status() : run.MakeDir(at);
      if (s.ok()) s = MountNfsAt(run, nfs, at);
      if (s.ok()) {
        ++mounted;
      } else {
        last = s;
        run.record().warnings.push_back("host " + rhost + ": export " + d +
                                        " not mounted: " + s.ToString());
      }
    }
    if (mounted == 0)
      return Status(last.code(), "host " + rhost + ": no export could be mounted (" +
                                     std::to_string(dirs.size()) +
                                     " tried; last: " + last.ToString() + ")");
    return Status();
  });
}

}  // namespace amd::fs_types
