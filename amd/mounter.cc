// Mounting one location; see mounter.h.
#include "amd/mounter.h"

#include <sys/mount.h>

#include <algorithm>

#include "amd/fs_type.h"
#include "amd/linux_mount_options.h"
#include "amd/mount_run.h"
#include "base/strings.h"
#include "maps/mount_options.h"
#include "maps/mount_types.h"

namespace amd {

using maps::Option;

bool LocationExpires(const maps::LocationResult& loc) {
  AmdMountPolicy p = ReadAmdMountPolicy(loc.options.Value(Option::kOpts));
  if (p.nounmount) return false;
  const maps::MountTypeInfo* t = maps::FindMountType(loc.effective_type);
  bool no_timeout = t != nullptr && (t->flags & maps::kTypeNoTimeout);
  return !no_timeout || p.unmount || p.utimeout.has_value();
}

Result<MountRecord> MountLocation(const std::string& node, const maps::LocationResult& loc,
                                  const MountContext& ctx, kernel::Kernel& kernel) {
  MountRun run(ctx, kernel);
  const std::string& type = loc.effective_type;
  const FsType* fs_type = FindFsType(type);
  Status s = fs_type != nullptr ? fs_type->mount(run, node, loc)
                                : Status::Error("type:=" + type + " is not supported by this amd",
                                                std::errc::not_supported);
  if (!s.ok()) {
    MountRecord partial = std::move(run.record());
    UnmountRecord(&partial, kernel, true);
    return s;
  }
  MountRecord rec = std::move(run.record());
  rec.type = type;
  rec.mount_info = loc.mount_info;
  std::string sublink(loc.options.Value(Option::kSublink));
  if (!sublink.empty()) {
    rec.target = sublink;
  } else if (const maps::MountTypeInfo* info = maps::FindMountType(type);
             ctx.link_into_autodir && (info == nullptr || !(info->flags & maps::kTypeLinkLike))) {
    rec.target = loc.options.Value(Option::kFs);  // the key is a link to where it is mounted
  } else {
    rec.target = loc.mount_info;
  }
  rec.expires = LocationExpires(loc);
  rec.utimeout = ReadAmdMountPolicy(loc.options.Value(Option::kOpts)).utimeout;
  return rec;
}

Status SharedMounts::Acquire(const std::string& target, const std::string& source,
                             const std::function<Status(std::vector<MountAction>* steps)>& mount) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return entries_.count(target) == 0 || !entries_[target].busy; });
  auto it = entries_.find(target);
  if (it != entries_.end()) {
    Entry& e = it->second;
    if (e.source == source || (e.found && e.source.empty())) {
      e.source = source;
      ++e.refs;
      return {};
    }
    if (e.refs > 0) {
      return Status::Error(target + " is in use for " + e.source + ", not " + source,
                           std::errc::device_or_resource_busy);
    }
    // Found there at start-up, but from something else: mounted over.
    entries_.erase(it);
  }
  Entry& e = entries_[target];
  e.source = source;
  e.busy = true;
  lock.unlock();
  std::vector<MountAction> steps;
  Status s = mount(&steps);
  lock.lock();
  Entry& done = entries_[target];
  done.busy = false;
  if (s.ok()) {
    done.refs = 1;
    done.steps = std::move(steps);
  } else {
    entries_.erase(target);
  }
  cv_.notify_all();
  return s;
}

Status SharedMounts::Release(const std::string& target,
                             const std::function<Status(std::vector<MountAction>* steps)>& undo) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return entries_.count(target) == 0 || !entries_[target].busy; });
  auto it = entries_.find(target);
  if (it == entries_.end() || it->second.refs == 0) return {};
  if (--it->second.refs > 0) return {};
  it->second.busy = true;
  std::vector<MountAction> steps = std::move(it->second.steps);
  lock.unlock();
  Status s = undo(&steps);
  lock.lock();
  Entry& e = entries_[target];
  e.busy = false;
  if (s.ok()) {
    entries_.erase(target);
  } else {
    e.refs = 1;
    e.steps = std::move(steps);
  }
  cv_.notify_all();
  return s;
}

void SharedMounts::Found(const std::string& target, const std::string& source) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[target];
  if (e.refs > 0 || e.busy) return;
  e.source = source;
  e.found = true;
  e.steps = {{MountAction::Kind::kMounted, target, {}, nullptr}};
}

size_t SharedMounts::users(const std::string& target) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(target);
  return it == entries_.end() ? 0 : static_cast<size_t>(it->second.refs);
}

Status UnmountRecord(MountRecord* record, kernel::Kernel& kernel, bool detach) {
  auto& actions = record->actions;
  while (!actions.empty()) {
    const MountAction& a = actions.back();
    Status s;
    switch (a.kind) {
      case MountAction::Kind::kMounted:
        s = kernel.Unmount(a.path, detach ? MNT_DETACH : 0);
        break;
      case MountAction::Kind::kMadeDir:
        // A directory something else uses now (another key's below it) stays.
        s = kernel.RemoveDir(a.path);
        if (s.code() == std::errc::no_such_file_or_directory ||
            s.code() == std::errc::directory_not_empty)
          s = {};
        break;
      case MountAction::Kind::kSymlinked:
        s = kernel.Unlink(a.path);
        if (s.code() == std::errc::no_such_file_or_directory) s = {};
        break;
      case MountAction::Kind::kProgram:
        s = RunCommand(kernel, a.unmount_command, std::chrono::seconds(40), "unmount program");
        break;
      case MountAction::Kind::kShared:
        s = a.shared->Release(a.path, [&](std::vector<MountAction>* steps) {
          MountRecord r;
          r.actions = std::move(*steps);
          Status u = UnmountRecord(&r, kernel, detach);
          *steps = std::move(r.actions);
          return u;
        });
        break;
    }
    if (!s.ok()) return s;
    actions.pop_back();
  }
  return {};
}

}  // namespace amd
