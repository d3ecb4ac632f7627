// The autofs front end's points; see autofs_points.h.
#include "amd/autofs_points.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include "amd/supervisor.h"

namespace amd {

const kernel::MountInfoEntry* AmdAutofsAt(const std::vector<kernel::MountInfoEntry>& table,
                                          const std::string& path) {
  const kernel::MountInfoEntry* found = nullptr;
  for (const auto& e : table) {
    if (e.mount_point == path && e.fstype == "autofs" && e.source == "amd") found = &e;
  }
  return found;
}

AutofsPoints::AutofsPoints(kernel::Kernel& kernel, pid_t pgrp,
                           std::map<std::string, int> held_pipes)
    : kernel_(kernel), pgrp_(pgrp), held_pipes_(std::move(held_pipes)) {}

AutofsPoints::~AutofsPoints() { StartDone(); }

int AutofsPoints::TakeHeldPipe(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return TakeHeld(held_pipes_, path);
}

void AutofsPoints::StartDone() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, fd] : held_pipes_) ::close(fd);
  held_pipes_.clear();
}

Result<FrontEnd::Opened> AutofsPoints::OpenPoint(const std::string& path, kernel::AutofsKind kind,
                                                 const std::vector<kernel::MountInfoEntry>& table,
                                                 ListKeys /*browsable*/) {
  Opened out;
  if (const kernel::MountInfoEntry* old = AmdAutofsAt(table, path)) {
    // An earlier amd's automount point: take it over with what is below.
    auto ep = kernel_.AdoptAutofs(path, kind, makedev(old->major, old->minor), TakeHeldPipe(path));
    if (ep.ok()) {
      out.endpoint = std::move(ep.value());
      out.adopted = old;
      return out;
    }
    out.warning = path + ": cannot re-adopt the existing autofs mount (" + ep.status().ToString() +
                  "); mounting over it";
  }
  if (!kernel_.Exists(path)) {
    Status s = kernel_.MakeDirs(path, 0755);
    if (!s.ok()) return s;
    out.created_dir = true;
  }
  auto ep = kernel_.CreateAutofs(path, kind, pgrp_, "amd");
  if (!ep.ok()) {
    if (out.created_dir) kernel_.RemoveDir(path);
    return ep.status();
  }
  out.endpoint = std::move(ep.value());
  return out;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> AutofsPoints::OpenSubMap(const std::string& path,
                                                                         ListKeys /*browsable*/) {
  if (Status s = kernel_.MakeDir(path, 0555); !s.ok()) return s;
  auto made = kernel_.CreateAutofs(path, kernel::AutofsKind::kIndirect, pgrp_, "amd");
  if (!made.ok()) kernel_.RemoveDir(path);
  return made;
}

Result<std::unique_ptr<kernel::AutofsEndpoint>> AutofsPoints::AdoptSubMap(
    const std::string& path, const kernel::MountInfoEntry& entry) {
  if (entry.fstype != "autofs" || entry.source != "amd")
    return Status::Error(path + " is not amd's autofs mount");
  return kernel_.AdoptAutofs(path, kernel::AutofsKind::kIndirect, makedev(entry.major, entry.minor),
                             TakeHeldPipe(path));
}

Status AutofsPoints::CloseSubMap(kernel::AutofsEndpoint& point) {
  std::string path = point.path();
  Status s = point.Unmount(false);
  return s.ok() ? kernel_.RemoveDir(path) : s;
}

Result<bool> AutofsPoints::Leave(kernel::AutofsEndpoint& point, bool /*top_level*/) {
  // Catatonic, the mount fails new lookups at once (ENOENT) rather than
  // raising SIGPIPE in whoever touches it first; what is mounted stays
  // reachable, and the next amd re-adopts all of it.
  if (Status s = point.Catatonic(); !s.ok()) return s;
  return true;
}

}  // namespace amd
