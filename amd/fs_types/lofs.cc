// type:=lofs: a bind mount of rfs (read-only when opts say ro).
#include "amd/fs_types/types.h"
#include "maps/variables.h"

namespace amd::fs_types {

Status MountLofs(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  std::string rfs(loc.options.Value(maps::Option::kRfs));
  std::string_view opts = loc.options.Value(maps::Option::kOpts);
  return run.MountThenShow(node, loc,
                           [&](const std::string& dir) { return run.Bind(rfs, dir, opts); });
}

}  // namespace amd::fs_types
