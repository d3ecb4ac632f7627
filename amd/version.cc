// VersionString; see version.h.
#include "amd/version.h"

#include "maps/mount_types.h"
#include "maps/network_match.h"

namespace amd {
namespace {

// "Network N: wire="NAME" (netnumber=NUM)." for each local network, as
// the original's amd -v.
std::string NetworkLines(maps::World* world) {
  std::string out;
  int n = 0;
  for (const auto& net : world->Networks()) {
    out += "Network " + std::to_string(++n) + ": wire=\"" + maps::NetworkName(net) +
           "\" (netnumber=" + maps::NetworkNumberString(net.address & net.netmask) + ").\n";
  }
  return out;
}

}  // namespace

std::string VersionString(const maps::HostFacts& f, maps::World* world) {
  std::string types;
  for (const auto& t : maps::AllMountTypes())
    types += (types.empty() ? "" : ", ") + std::string(t.name);
  return "amd 0.1.0: an Amd-compatible automounter for Linux.\n"
         "cpu=" +
         f.karch + " (" + f.byte + "-endian), arch=" + f.arch + ", karch=" + f.karch + ".\n" +
         "full_os=" + f.full_os + ", os=" + f.os + ", osver=" + f.osver + ", vendor=" + f.vendor +
         ".\n" + "domain=" + f.domain + ", host=" + f.host + ", hostd=" + f.hostd + ".\n" +
         "Map support for: file, exec, passwd, union.\n"
         "AMFS: " +
         types + ", inherit.\n" + NetworkLines(world);
}

}  // namespace amd
