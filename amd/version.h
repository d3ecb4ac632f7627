// The version text of amd -v and of amq -v (AMQPROC_GETVERS): the
// version, the host's selector values, the map and mount types, and the
// local networks, as the original prints them.
//
// Threading: any thread. Ownership: the text returned is the caller's.
#ifndef AMD_AMD_VERSION_H_
#define AMD_AMD_VERSION_H_

#include <string>

#include "maps/host_facts.h"
#include "maps/world.h"

namespace amd {

std::string VersionString(const maps::HostFacts& facts, maps::World* world);

}  // namespace amd

#endif  // AMD_AMD_VERSION_H_
