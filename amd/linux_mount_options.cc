// Amd options to mount(2) arguments; see linux_mount_options.h and the
// opts table in amd-maps(5).
#include "amd/linux_mount_options.h"

#include <sys/mount.h>

#include "base/strings.h"
#include "maps/mount_options.h"
#include "maps/network_match.h"

namespace amd {
namespace {

struct FlagOption {
  std::string_view name;
  unsigned long set;
  unsigned long clear;
};

constexpr FlagOption kFlags[] = {
    {"ro", MS_RDONLY, 0},         {"rdonly", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},         {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},       {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},         {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},       {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS}, {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},     {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0}, {"strictatime", MS_STRICTATIME, 0},
    {"dirsync", MS_DIRSYNC, 0},
};

// Options that mean something to mount(8) or amd, never to the kernel.
constexpr std::string_view kAmdOnly[] = {
    "defaults",    "auto",         "noauto",    "user",        "nouser",
    "users",       "_netdev",      "nofail",    "ping",        "retry",
    "softlookup",  "nosoftlookup", "unmount",   "umount",      "nounmount",
    "noumount",    "utimeout",     "browsable", "nobrowsable", "fullybrowsable",
    "xlatecookie", "public",       "nfsv2",     "toplvl",      "map",
    "bg",          "fg",           "ignore",
};

std::string_view NameOf(std::string_view o) {
  size_t eq = o.find('=');
  return eq == std::string_view::npos ? o : o.substr(0, eq);
}

}  // namespace

bool IsAmdOnlyOption(std::string_view name) {
  for (auto n : kAmdOnly) {
    if (n == name) return true;
  }
  return false;
}

KernelMountOptions SplitMountOptions(std::string_view opts) {
  KernelMountOptions out;
  for (std::string_view o : SplitOn(opts, ',')) {
    o = TrimSpace(o);
    if (o.empty()) continue;
    bool flag = false;
    for (const auto& f : kFlags) {
      if (f.name == o) {
        out.flags = (out.flags | f.set) & ~f.clear;
        flag = true;
        break;
      }
    }
    if (flag || IsAmdOnlyOption(NameOf(o))) continue;
    if (!out.data.empty()) out.data += ',';
    out.data += o;
  }
  return out;
}

AmdMountPolicy ReadAmdMountPolicy(std::string_view opts) {
  AmdMountPolicy p;
  for (std::string_view o : SplitOn(opts, ',')) {
    o = TrimSpace(o);
    if (o == "unmount" || o == "umount") p.unmount = true;
    if (o == "nounmount" || o == "noumount") p.nounmount = true;
    if (NameOf(o) == "utimeout" && o.size() > 9) {
      if (auto n = ParseInteger(o.substr(9)); n && *n > 0) p.utimeout = *n;
    }
  }
  return p;
}

std::optional<std::string> LinuxFsType(std::string_view t) {
  if (t == "ufs") return "ext4";
  if (t == "ext2" || t == "ext3" || t == "ext4" || t == "xfs" || t == "udf" || t == "tmpfs") {
    return std::string(t);
  }
  if (t == "cdfs") return "iso9660";
  if (t == "pcfs") return "vfat";
  if (t == "lustre") return "lustre";
  return std::nullopt;
}

std::vector<std::string> SplitProgramCommand(std::string_view command) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && command[i] == ' ') ++i;
    if (i >= command.size()) break;
    std::string word;
    while (i < command.size() && command[i] != ' ') {
      if (command[i] == '\'') {
        size_t close = command.find('\'', i + 1);
        if (close == std::string_view::npos) close = command.size() - 1;
        word += command.substr(i, close - i + 1);  // the quotes stay, as in the original
        i = close + 1;
      } else {
        word += command[i++];
      }
    }
    out.push_back(std::move(word));
  }
  return out;
}

NfsMount BuildNfsMount(std::string_view rhost, std::string_view rfs, std::string_view options,
                       uint32_t address, std::string_view nfs_vers, std::string_view nfs_proto) {
  NfsMount m;
  m.source = std::string(rhost) + ":" + std::string(rfs);
  KernelMountOptions k = SplitMountOptions(options);
  m.flags = k.flags;
  std::string vers = maps::MountOptionValue(options, "vers").value_or("3");
  std::string proto = maps::MountOptionValue(options, "proto").value_or("tcp");
  if (maps::HasMountOption(options, "nfsv2")) {
    vers = "2";
    proto = "udp";
  }
  if (!nfs_vers.empty()) vers = std::string(nfs_vers);
  if (!nfs_proto.empty()) proto = std::string(nfs_proto);
  m.fstype = vers == "4" ? "nfs4" : "nfs";
  std::string data = "vers=" + vers + ",proto=" + proto;
  for (std::string_view o : SplitOn(k.data, ',')) {
    std::string_view name = NameOf(o);
    if (o.empty() || name == "vers" || name == "proto" || name == "addr" || name == "nfsvers")
      continue;
    data += ",";
    data += o;
  }
  data += ",addr=" + maps::DottedQuad(address);
  if (vers != "4" && !maps::HasMountOption(options, "lock")) {
    // No rpc.statd here; locks stay local, as amd's own mounts always did.
    if (!maps::HasMountOption(options, "nolock")) data += ",nolock";
  }
  m.data = data;
  return m;
}

}  // namespace amd
