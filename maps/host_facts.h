// HostFacts: the values of the host selector variables (${arch}, ${host},
// ${domain}...), gathered once at start-up (amd/system_world.cc) or written
// by hand in tests. Immutable once built; shared read-only by lookups.
//
// Threading: any thread (immutable). Ownership: a value.
#ifndef AMD_MAPS_HOST_FACTS_H_
#define AMD_MAPS_HOST_FACTS_H_

#include <string>

namespace amd::maps {

struct HostFacts {
  std::string arch;     // ${arch}: build machine, i?86 folded to i386
  std::string karch;    // ${karch}: uname().machine
  std::string os;       // ${os}: "linux"
  std::string osver;    // ${osver}: uname().release
  std::string full_os;  // ${full_os}: "linux", as the original on Linux
  std::string vendor;   // ${vendor}: "pc" / "unknown"
  std::string byte;     // ${byte}: "little" / "big"
  std::string host;     // ${host}: short host name
  std::string hostd;    // ${hostd}: host.domain (host when domain is empty)
  std::string domain;   // ${domain}
  std::string cluster;  // ${cluster}: defaults to ${domain}
  std::string autodir;  // ${autodir}: default /a
};

}  // namespace amd::maps

#endif  // AMD_MAPS_HOST_FACTS_H_
