// The type table and the per-type match checks of the original's
// amd/amfs_*.c and amd/ops_*.c fs_match functions.
#include "maps/mount_types.h"

#include "base/strings.h"

namespace amd::maps {
namespace {

const std::vector<MountTypeInfo> kTypes = {
    {"nfs", kTypeNetwork},
    {"link", kTypeLinkLike},
    {"nfsx", kTypeNetwork},
    {"nfsl", kTypeNetwork},
    {"host", kTypeNetwork},
    {"linkx", kTypeLinkLike},
    {"program", 0},
    {"union", kTypeNoTimeout},
    {"ufs", kTypeNoTimeout | kTypeDevice},
    {"xfs", kTypeNoTimeout | kTypeDevice},
    {"ext2", kTypeNoTimeout | kTypeDevice},
    {"ext3", kTypeNoTimeout | kTypeDevice},
    {"ext4", kTypeNoTimeout | kTypeDevice},
    {"lofs", kTypeNoTimeout},
    {"cdfs", kTypeDevice},
    {"pcfs", kTypeDevice},
    {"tmpfs", kTypeNoTimeout | kTypeDevice},
    {"udf", kTypeDevice},
    {"lustre", kTypeNetwork},
    {"auto", kTypeAutomount},
    {"direct", kTypeAutomount | kTypeNoTimeout},
    {"toplvl", kTypeAutomount | kTypeNoTimeout},
    {"error", 0},
};

TypeMatch Fail(std::string reason) {
  TypeMatch m;
  m.reason = std::move(reason);
  return m;
}

TypeMatch Ok(std::string info, std::string_view type) {
  TypeMatch m;
  m.ok = true;
  m.mount_info = std::move(info);
  m.effective_type = std::string(type);
  return m;
}

// The path a link-like location points at: sublink if set, else fs.
std::string LinkTarget(const OptionTable& o) {
  if (!o.Value(Option::kSublink).empty()) return std::string(o.Value(Option::kSublink));
  return std::string(o.Value(Option::kFs));
}

TypeMatch MatchNfs(const OptionTable& o, std::string_view type) {
  if (o.Value(Option::kRhost).empty())
    return Fail(std::string(type) + ": no remote host specified (rhost:=)");
  if (o.Value(Option::kRfs).empty())
    return Fail(std::string(type) + ": no remote path specified (rfs:=)");
  return Ok(std::string(o.Value(Option::kRhost)) + ":" + std::string(o.Value(Option::kRfs)), type);
}

}  // namespace

const std::vector<MountTypeInfo>& AllMountTypes() { return kTypes; }

MountOptionsChoice ChooseMountOptions(const OptionTable& o, std::string_view effective_type,
                                      World* world) {
  MountOptionsChoice c{std::string(o.Value(Option::kOpts)), "opts", ""};
  const MountTypeInfo* info = FindMountType(effective_type);
  if (info == nullptr || (info->flags & kTypeNetwork) == 0) {
    c.reason = "not a network file system";
    return c;
  }
  std::string rhost(o.Value(Option::kRhost));
  std::vector<uint32_t> addrs =
      world != nullptr ? world->HostAddresses(rhost) : std::vector<uint32_t>{};
  if (addrs.empty()) {
    c.reason = "rhost " + rhost + " does not resolve";
    return c;
  }
  for (uint32_t a : addrs) {
    for (const auto& n : world->Networks()) {
      if ((a & n.netmask) == (n.address & n.netmask)) {
        c.reason = "rhost " + rhost + " is on a local network";
        return c;
      }
    }
  }
  c.options = std::string(o.Value(Option::kRemopts));
  c.from = "remopts";
  c.reason = "rhost " + rhost + " is not on a local network";
  return c;
}

const MountTypeInfo* FindMountType(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TypeMatch MatchMountType(const OptionTable& o, const HostFacts& facts, World* world) {
  std::string_view type = o.Value(Option::kType);
  const MountTypeInfo* info = FindMountType(type);
  if (info == nullptr) {
    if (type == "efs" || type == "cachefs") {
      return Fail("fs type \"" + std::string(type) + "\" is not available on Linux");
    }
    return Fail("fs type \"" + Printable(type) + "\" not recognized");
  }
  if (type == "nfs" || type == "nfsx" || type == "lustre") return MatchNfs(o, type);
  if (type == "nfsl") {
    std::string_view rhost = o.Value(Option::kRhost);
    bool local = EqualsIgnoreCase(rhost, facts.host) || EqualsIgnoreCase(rhost, facts.hostd);
    if (local && world != nullptr) {
      std::string target = LinkTarget(o);
      if (!target.empty() && world->Exists(target)) return Ok(target, "link");
    }
    return MatchNfs(o, "nfs");
  }
  if (type == "host") {
    if (o.Value(Option::kRhost).empty()) return Fail("host: no remote host specified (rhost:=)");
    return Ok(std::string(o.Value(Option::kRhost)) + ":" + std::string(o.Value(Option::kRfs)),
              type);
  }
  if (type == "link" || type == "linkx") {
    if (o.Value(Option::kFs).empty()) return Fail(std::string(type) + ": no fs specified (fs:=)");
    std::string target = LinkTarget(o);
    if (type == "linkx" && (world == nullptr || !world->Exists(target))) {
      return Fail("linkx: target \"" + target + "\" does not exist");
    }
    return Ok(target, type);
  }
  if (type == "lofs") {
    if (o.Value(Option::kRfs).empty()) return Fail("lofs: no source specified (rfs:=)");
    return Ok(std::string(o.Value(Option::kRfs)), type);
  }
  if (info->flags & kTypeDevice) {
    if (o.Value(Option::kDev).empty())
      return Fail(std::string(type) + ": no device specified (dev:=)");
    return Ok(std::string(o.Value(Option::kDev)), type);
  }
  if (type == "program") {
    if (o.Value(Option::kMount).empty())
      return Fail("program: no mount command specified (mount:=)");
    if (o.Has(Option::kUnmount) && o.Has(Option::kUmount)) {
      return Fail("program: cannot give both unmount:= and umount:=");
    }
    return Ok(std::string(o.Value(Option::kMount)), type);
  }
  if (info->flags & kTypeAutomount) {
    if (o.Value(Option::kRfs).empty())
      return Fail(std::string(type) + ": no mount point named (rfs:=)");
    if (o.Value(Option::kFs).empty()) return Fail(std::string(type) + ": no map named (fs:=)");
    return Ok(std::string(o.Value(Option::kFs)), type);
  }
  if (type == "union") {
    if (o.Value(Option::kFs).empty()) return Fail("union: no map named (fs:=)");
    return Ok(std::string(o.Value(Option::kFs)), type);
  }
  // type:=error: a location that exists only to fail.
  return Fail("type:=error location");
}

}  // namespace amd::maps
