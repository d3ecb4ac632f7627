// A replicated volume (volume:= on type:=nfs locations; amd-maps(5)):
// with datapath:=relay (the default where the kernel has FUSE), amd starts
// amd-relay, which mounts the volume through FUSE at the key's directory
// from the first replica that answers and fails over between them under
// open files; its control socket is RelaySocket(dir). The relay outlives
// amd (kill -9 included): the mount keeps working, and the next amd adopts
// it like any mount. Unmounting it (expiry, amq -u, SIGTERM) ends the
// relay. With datapath:=kernel the first replica that answers is mounted
// by the kernel's NFS client.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "amd/fs_types/types.h"
#include "amd/mount_swap.h"
#include "failover/policy_file.h"
#include "maps/mount_types.h"
#include "maps/variables.h"

namespace amd {

namespace {
// amd-relay's default policy file too (amd-failover.yaml(5)).
constexpr char kFailoverPolicyFile[] = "/etc/amd/failover.yaml";
}  // namespace

std::string RelayDirectory() {
  const char* env = std::getenv("AMD_RELAY_DIR");
  return env && *env ? env : "/run/amd/relay";
}

std::string MountPointHash(const std::string& dir) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : dir) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char name[20];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
  return name;
}

std::string RelaySocket(const std::string& dir) {
  return RelayDirectory() + "/" + MountPointHash(dir) + ".sock";
}

bool KernelHasFuse() {
  std::ifstream f("/proc/filesystems");
  std::stringstream text;
  text << f.rdbuf();
  return text.str().find("\tfuse\n") != std::string::npos && std::filesystem::exists("/dev/fuse");
}

namespace {

// amd-relay beside this amd (a build tree, or /usr/sbin).
std::string RelayBinary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto p :
         {self.parent_path() / "amd-relay", self.parent_path().parent_path() / "relay/amd-relay"}) {
      if (std::filesystem::exists(p)) return p.string();
    }
  }
  return "/usr/sbin/amd-relay";
}

}  // namespace

namespace fs_types {

using maps::Option;

Status MountReplicated(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  if (!loc.options.Has(Option::kVolume)) return MountNfs(run, node, loc);  // not replicated
  std::string_view datapath = loc.options.Value(Option::kDatapath);
  if (datapath == "kernel" || (datapath.empty() && !KernelHasFuse())) {
    Status s = MountNfs(run, node, loc);
    if (!s.ok()) return s;
    // What failing it over takes (the engine's KernelVolumes).
    auto r = std::make_shared<ReplicatedMount>();
    r->volume = std::string(loc.options.Value(Option::kVolume));
    r->policy = std::string(loc.options.Value(Option::kPolicy));
    r->options = maps::ChooseMountOptions(loc.options, "nfs", run.ctx().world).options;
    r->replicas = loc.replicas;
    for (size_t i = 0; i < loc.replicas.size(); ++i) {
      r->replica_options.push_back(
          i < loc.replica_options.size()
              ? maps::ChooseMountOptions(loc.replica_options[i], "nfs", run.ctx().world).options
              : r->options);
    }
    auto at = std::find(r->replicas.begin(), r->replicas.end(), loc.mount_info);
    if (at == r->replicas.end()) {
      at = r->replicas.insert(r->replicas.end(), loc.mount_info);
      r->replica_options.push_back(r->options);
    }
    r->current = static_cast<size_t>(at - r->replicas.begin());
    for (auto it = run.record().actions.rbegin(); it != run.record().actions.rend(); ++it) {
      // Under autofs the key's directory; in the classic front end the
      // mount at ${fs} the key's link leads to, shared by its keys.
      if (it->kind == MountAction::Kind::kMounted || it->kind == MountAction::Kind::kShared) {
        r->dir = it->path;
        break;
      }
    }
    r->nfs_vers = run.ctx().nfs_vers;
    r->nfs_proto = run.ctx().nfs_proto;
    auto policies = failover::ReadPolicyFile(kFailoverPolicyFile);
    if (policies.ok())
      r->failover_policy = policies->For(r->policy.empty() ? r->volume : r->policy);
    if (auto rev = ReadRevision(r->dir, r->failover_policy.revision_file); rev.ok())
      r->revision = *rev;
    run.record().replicated = std::move(r);
    return s;
  }
  std::string volume(loc.options.Value(Option::kVolume));
  std::string policy(loc.options.Value(Option::kPolicy));
  std::error_code ec;
  std::filesystem::create_directories(RelayDirectory(), ec);
  return run.MountThenShow(node, loc, [&](const std::string& dir) {
    std::vector<std::string> cmd = {RelayBinary(), "amd-relay",      "--volume", volume,
                                    "--control",   RelaySocket(dir), "--rlp"};
    if (!policy.empty()) cmd.insert(cmd.end(), {"--policy-volume", policy});
    cmd.push_back(dir);
    for (const auto& r :
         loc.replicas.empty() ? std::vector<std::string>{loc.mount_info} : loc.replicas)
      cmd.push_back(r);
    Status s = RunCommand(run.kernel(), cmd, run.ctx().program_timeout, "relay");
    if (s.ok()) run.record().actions.push_back({MountAction::Kind::kMounted, dir, {}, nullptr});
    return s;
  });
}

}  // namespace fs_types
}  // namespace amd
