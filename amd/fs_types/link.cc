// type:=link and type:=linkx: nothing is mounted; the key shows the
// location's target (a bind mount of it, or a symlink when
// autofs_use_lofs = no).
#include "amd/fs_types/types.h"
#include "maps/variables.h"

namespace amd::fs_types {

Status MountLink(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  return run.Show(loc.mount_info, node, loc.options.Value(maps::Option::kOpts));
}

}  // namespace amd::fs_types
