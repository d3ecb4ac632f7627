// The name a lookup starts from (what the kernel asked for under an
// automount point), before it becomes a map key: the original's
// valid_key() check and expand_selectors() of the name (amd/autil.c,
// amd/amfs_generic.c amfs_lookup_node). Pure.
//
// Any thread. Ownership: strings returned are the caller's.
#ifndef AMD_MAPS_KEY_NAME_H_
#define AMD_MAPS_KEY_NAME_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/diagnostic.h"
#include "maps/host_facts.h"
#include "maps/world.h"

namespace amd::maps {

// The characters a requested name may not contain: " ' ! ; @ space tab
// newline. Returns the problem, or nullopt when the name is acceptable.
std::optional<std::string> CheckKeyName(std::string_view name);

// Expands selector variables in a requested name (so a lookup of
// "${arch}.bin" becomes "x86_64.bin"); ${key}, ${map} and ${path} are
// empty here, as in the original.
std::string ExpandRequestedName(std::string_view name, const HostFacts& facts, World* world,
                                bool normalize_slashes, Diagnostics* diag);

}  // namespace amd::maps

#endif  // AMD_MAPS_KEY_NAME_H_
