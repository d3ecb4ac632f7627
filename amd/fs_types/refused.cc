// type:=error, and the types the map language knows that this amd does not
// mount (union, nfsx): the location fails and the next is tried.
#include "amd/fs_types/types.h"

namespace amd::fs_types {

Status Refuse(MountRun& /*run*/, const std::string& /*node*/, const maps::LocationResult& loc) {
  return Status::Error("type:=" + loc.effective_type + " is not supported by this amd",
                       std::errc::not_supported);
}

}  // namespace amd::fs_types
