// The mount types this amd mounts, one row each; see amd/fs_type.h.
#include <array>

#include "amd/fs_types/types.h"
#include "maps/variables.h"

namespace amd {

std::string NoServer(const maps::LocationResult& /*loc*/) { return std::string(); }

std::string RhostServer(const maps::LocationResult& loc) {
  return std::string(loc.options.Value(maps::Option::kRhost));
}

namespace {

using namespace fs_types;  // NOLINT: the table names every type's function

const std::array kTable = {
    FsType{"link", MountLink, NoServer},       FsType{"linkx", MountLink, NoServer},
    FsType{"lofs", MountLofs, NoServer},       FsType{"ufs", MountDevice, NoServer},
    FsType{"xfs", MountDevice, NoServer},      FsType{"ext2", MountDevice, NoServer},
    FsType{"ext3", MountDevice, NoServer},     FsType{"ext4", MountDevice, NoServer},
    FsType{"cdfs", MountDevice, NoServer},     FsType{"pcfs", MountDevice, NoServer},
    FsType{"tmpfs", MountDevice, NoServer},    FsType{"udf", MountDevice, NoServer},
    FsType{"program", MountProgram, NoServer}, FsType{"nfs", MountReplicated, RhostServer},
    FsType{"host", MountHost, RhostServer},    FsType{"auto", MountByEngine, NoServer},
    FsType{"direct", MountByEngine, NoServer}, FsType{"toplvl", MountByEngine, NoServer},
    FsType{"error", Refuse, NoServer},         FsType{"union", Refuse, NoServer},
    FsType{"nfsx", Refuse, RhostServer},       FsType{"lustre", MountDevice, RhostServer},
};

}  // namespace

const FsType* FindFsType(std::string_view name) {
  for (const FsType& t : kTable) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace amd
