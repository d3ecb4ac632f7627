// type:=auto (and the automount point types direct, toplvl): a map, not a
// mount. The engine makes the key's own automount point through the
// point's front end (FrontEnd::OpenSubMap) and never asks for a mount.
#include "amd/fs_types/types.h"

namespace amd::fs_types {

Status MountByEngine(MountRun& /*run*/, const std::string& node, const maps::LocationResult& loc) {
  return Status::Error(
      node + ": type:=" + loc.effective_type + " is an automount point, not a mount",
      std::errc::invalid_argument);
}

}  // namespace amd::fs_types
