// nfs_iostat OLD NEW MOUNTPOINT: amd's figures (kernel-shim/mountstats.h)
// for MOUNTPOINT between two saved copies of /proc/self/mountstats, as
// JSON, for tests/kernel-lab/nfsiostat-check.sh to hold against what
// nfs-utils' own tool prints for the same two files. Exits 1 when either
// file has no readable record of MOUNTPOINT, or the counters went back.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kernel-shim/mountstats.h"

namespace {

std::optional<amd::kernel::NfsMountStats> Find(const std::string& path, const std::string& mp) {
  auto text = amd::kernel::ReadMountStats(path);
  if (!text.ok()) {
    std::cerr << "nfs_iostat: " << text.status().ToString() << "\n";
    return std::nullopt;
  }
  auto table = amd::kernel::ParseMountStats(*text);
  for (const auto& e : table.errors) std::cerr << "nfs_iostat: " << path << ": " << e << "\n";
  for (auto& m : table.mounts) {
    if (m.mount_point == mp) return m;
  }
  std::cerr << "nfs_iostat: " << path << ": no NFS record of " << mp << "\n";
  return std::nullopt;
}

nlohmann::json Json(const amd::kernel::OpFigures& f) {
  return {{"ops", f.ops},
          {"ops_per_s", f.ops_per_s},
          {"kib_per_s", f.kib_per_s},
          {"kib_per_op", f.kib_per_op},
          {"retrans", f.retrans},
          {"rtt_ms", f.rtt_ms},
          {"execute_ms", f.execute_ms},
          {"queue_ms", f.queue_ms},
          {"errors", f.errors},
          {"timeouts", f.timeouts}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: nfs_iostat OLD NEW MOUNTPOINT\n";
    return 2;
  }
  auto before = Find(argv[1], argv[3]);
  auto after = Find(argv[2], argv[3]);
  if (!before || !after) return 1;
  auto f = amd::kernel::IoStat(*before, *after);
  if (!f) {
    std::cerr << "nfs_iostat: the counters went back\n";
    return 1;
  }
  nlohmann::json out = {{"seconds", f->seconds}, {"sends_per_s", f->sends_per_s},
                        {"backlog", f->backlog}, {"metadata", Json(f->metadata)},
                        {"read", Json(f->read)}, {"other", Json(f->other)}};
  for (const auto& [name, op] : f->ops) out["ops"][name] = Json(op);
  std::cout << out.dump(2) << "\n";
  return 0;
}
