// type:=program: amd runs the location's mount command for ${fs} and shows
// ${fs} (or the sublink) at the key; the unmount command is recorded with
// the mount, so unmounting runs it.
#include "amd/fs_types/types.h"
#include "amd/linux_mount_options.h"
#include "maps/variables.h"

namespace amd {

std::vector<std::string> ProgramUnmountCommand(const maps::LocationResult& loc) {
  using maps::Option;
  std::string unmount(loc.options.Has(Option::kUnmount) ? loc.options.Value(Option::kUnmount)
                                                        : loc.options.Value(Option::kUmount));
  if (unmount.empty())
    return {"/bin/umount", "umount", std::string(loc.options.Value(Option::kFs))};
  return SplitProgramCommand(unmount);
}

namespace fs_types {

Status MountProgram(MountRun& run, const std::string& node, const maps::LocationResult& loc) {
  using maps::Option;
  std::string fs(loc.options.Value(Option::kFs));
  std::vector<std::string> mount = SplitProgramCommand(loc.options.Value(Option::kMount));
  std::vector<std::string> unmount_command = ProgramUnmountCommand(loc);
  Status s = run.MakeDir(fs);
  if (!s.ok()) return s;
  s = RunCommand(run.kernel(), mount, run.ctx().program_timeout, "mount program");
  if (!s.ok()) return s;
  run.record().actions.push_back({MountAction::Kind::kProgram, fs, unmount_command, nullptr});
  std::string sublink(loc.options.Value(Option::kSublink));
  return run.Show(sublink.empty() ? fs : sublink, node, loc.options.Value(Option::kOpts));
}

}  // namespace fs_types
}  // namespace amd
