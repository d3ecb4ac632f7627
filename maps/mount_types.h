// The Amd file system types a location can name (type:=...), each with the
// original's "match" check: which options it needs, and the mount info
// string (the original's fs_mtab: "host:/path", a map name, a device) that
// amq shows. The table is what `amd -v` lists as AMFS types. Mounting
// itself is the daemon's business; this is the map language's view.
//
// Threading: any thread (the table is immutable). Ownership: table entries are
// static; matches returned are the caller's.
#ifndef AMD_MAPS_MOUNT_TYPES_H_
#define AMD_MAPS_MOUNT_TYPES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maps/host_facts.h"
#include "maps/variables.h"
#include "maps/world.h"

namespace amd::maps {

enum MountTypeFlags : unsigned {
  kTypeNoTimeout = 1u << 0,  // never expires unless unmount/utimeout given
  kTypeNetwork = 1u << 1,    // talks to a file server (rhost)
  kTypeAutomount = 1u << 2,  // auto, toplvl, direct: a map, not a mount
  kTypeLinkLike = 1u << 3,   // link, linkx: nothing is mounted
  kTypeDevice = 1u << 4,     // needs dev:=
};

struct MountTypeInfo {
  std::string_view name;
  unsigned flags;
};

// Known types in the original's lookup order; nullptr when unknown.
const MountTypeInfo* FindMountType(std::string_view name);
const std::vector<MountTypeInfo>& AllMountTypes();

struct TypeMatch {
  bool ok = false;
  std::string reason;          // why it failed, when !ok
  std::string mount_info;      // the fs_mtab string, when ok
  std::string effective_type;  // nfsl resolves to "link" or "nfs"
};

// Which option string a selected location mounts with: remopts when its
// type talks to a file server and rhost has no address on a locally
// attached network (the original's islocalnet() test), else opts.
struct MountOptionsChoice {
  std::string options;
  std::string from;    // "opts" or "remopts"
  std::string reason;  // why
};
MountOptionsChoice ChooseMountOptions(const OptionTable& opts, std::string_view effective_type,
                                      World* world);

// Checks an evaluated location for its type's requirements. `world` is
// consulted by linkx and nfsl (lstat of the target).
TypeMatch MatchMountType(const OptionTable& opts, const HostFacts& facts, World* world);

}  // namespace amd::maps

#endif  // AMD_MAPS_MOUNT_TYPES_H_
