// Sun (autofs) map entries converted to Amd syntax, for maps configured with
// sun_map_syntax = yes (the original's sun_entry2amd(), amd/sun_map.c).
//
//   [-options] location [location...]          one mount
//   [-options] /offset [-options] location ... multi-mount
// A location is host[,host...][(weight)]:/path, or :/device for a local
// file system. Conversions: -fstype=T gives type:=T (nfs when absent;
// hsfs -> cdfs, autofs -> auto); other options go to opts:=; several hosts
// become several locations (replicas); '&' becomes the key; $ARCH $CPU
// $HOST $OSNAME $OSREL $OSVERS $NATISA become ${arch} ${karch} ${host}
// ${os} ${osver} ${osver} ${karch}. A multi-mount becomes a type:=auto entry
// for the key, with one sub-entry "key/offset" per offset. Pure.
//
// Pure; any thread. Ownership: the converted entry is the caller's.
#ifndef AMD_MAPS_SUN_SYNTAX_H_
#define AMD_MAPS_SUN_SYNTAX_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace amd::maps {

struct SunConversion {
  std::string value;  // the Amd value for the key itself
  // For multi-mounts: ("key/offset", value) pairs.
  std::vector<std::pair<std::string, std::string>> sub_entries;
};

std::optional<SunConversion> SunToAmd(std::string_view key, std::string_view sun_value,
                                      Diagnostics* diag);

}  // namespace amd::maps

#endif  // AMD_MAPS_SUN_SYNTAX_H_
