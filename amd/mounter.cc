// Mounting one location; see mounter.h.
#include "amd/mounter.h"

#include <sys/mount.h>

#include <algorithm>

#include "amd/linux_mount_options.h"
#include "base/strings.h"
#include "maps/mount_options.h"
#include "maps/mount_types.h"

namespace amd {
namespace {

using maps::Option;

class Run {
 public:
  Run(const MountContext& ctx, kernel::Kernel& k) : ctx_(ctx), k_(k) {}

  // One mkdir in the common case; the parents only when they are missing,
  // each recorded so that it is removed again (when nothing else is in it).
  Status MakeDir(const std::string& path) {
    Status s = k_.MakeDir(path, 0555);
    if (s.code() == std::errc::file_exists) return {};
    if (s.code() == std::errc::no_such_file_or_directory) {
      std::vector<std::string> missing;
      for (std::string p = path; p.rfind('/') != 0 && p.rfind('/') != std::string::npos;) {
        p.resize(p.rfind('/'));
        if (k_.Exists(p)) break;
        missing.push_back(p);
      }
      for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        Status m = k_.MakeDir(*it, 0555);
        if (m.ok()) {
          record_.actions.push_back({MountAction::Kind::kMadeDir, *it, {}, nullptr});
        } else if (m.code() != std::errc::file_exists) {
          return m;
        }
      }
      s = k_.MakeDir(path, 0555);
    }
    if (s.ok()) record_.actions.push_back({MountAction::Kind::kMadeDir, path, {}, nullptr});
    return s;
  }
  Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) {
    Status s = k_.Mount(source, target, fstype, flags, data);
    if (s.ok()) record_.actions.push_back({MountAction::Kind::kMounted, target, {}, nullptr});
    return s;
  }
  // A bind mount, made read-only by a remount when opts say ro.
  Status Bind(const std::string& source, const std::string& target, std::string_view opts) {
    Status s = Mount(source, target, "", MS_BIND, "");
    if (!s.ok()) return s;
    KernelMountOptions k = SplitMountOptions(opts);
    if (k.flags & MS_RDONLY) {
      s = k_.Mount("none", target, "", MS_REMOUNT | MS_BIND | MS_RDONLY, "");
    }
    return s;
  }
  Status Symlink(const std::string& target, const std::string& link) {
    Status s = k_.Symlink(target, link);
    if (s.ok()) record_.actions.push_back({MountAction::Kind::kSymlinked, link, {}, nullptr});
    return s;
  }
  // The node shows `target`: a bind mount or a symlink (the classic front
  // end shows it itself).
  Status Show(const std::string& target, const std::string& node, std::string_view opts) {
    if (ctx_.classic) return {};
    if (!ctx_.use_lofs) return Symlink(target, node);
    Status s = MakeDir(node);
    return s.ok() ? Bind(target, node, opts) : s;
  }
  MountRecord& record() { return record_; }
  kernel::Kernel& kernel() { return k_; }
  const MountContext& ctx() const { return ctx_; }

 private:
  const MountContext& ctx_;
  kernel::Kernel& k_;
  MountRecord record_;
};

// Mounts with `mount_fn(dir)` on the node, or on ${fs} and then shows the
// sublink when there is one.
template <typename Fn>
Status MountThenShow(Run& run, const std::string& node, const maps::LocationResult& loc,
                     Fn mount_fn) {
  std::string_view sublink = loc.options.Value(Option::kSublink);
  std::string_view opts = loc.options.Value(Option::kOpts);
  if (run.ctx().classic) {
    // At ${fs}, shared with every other key mounted there.
    std::string fs(loc.options.Value(Option::kFs));
    auto mount_at_fs = [&] {
      Status s = run.MakeDir(fs);
      return s.ok() ? mount_fn(fs) : s;
    };
    if (!run.ctx().shared) return mount_at_fs();
    Status s = run.ctx().shared->Acquire(fs, loc.mount_info, [&](std::vector<MountAction>* steps) {
      Status m = mount_at_fs();
      *steps = std::move(run.record().actions);
      run.record().actions.clear();
      return m;
    });
    if (s.ok())
      run.record().actions.push_back({MountAction::Kind::kShared, fs, {}, run.ctx().shared});
    return s;
  }
  if (sublink.empty()) {
    Status s = run.MakeDir(node);
    return s.ok() ? mount_fn(node) : s;
  }
  std::string fs(loc.options.Value(Option::kFs));
  Status s = run.MakeDir(fs);
  if (s.ok()) s = mount_fn(fs);
  if (s.ok()) s = run.Show(std::string(sublink), node, opts);
  return s;
}

// Runs a program command: the first word is the program's path, the rest
// its argument vector, argv[0] included (the original's rule).
Status RunCommand(kernel::Kernel& k, const std::vector<std::string>& command,
                  std::chrono::milliseconds timeout, const char* what) {
  if (command.size() < 2) return Status::Error(std::string(what) + ": needs a path and argv[0]");
  std::vector<std::string> argv(command.begin() + 1, command.end());
  auto result = k.Run(command[0], argv, timeout);
  if (!result.ok()) return result.status();
  if (result->exit_status != 0) {
    std::string out = result->output.substr(0, 200);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return Status::Error(std::string(what) + " " + command[0] + " exited with " +
                             std::to_string(result->exit_status) + (out.empty() ? "" : ": " + out),
                         std::errc::io_error);
  }
  return {};
}

Status MountProgram(Run& run, const std::string& node, const maps::LocationResult& loc) {
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

// The file server of an NFS location: its name, address and the options
// chosen for it (opts or remopts).
struct NfsServer {
  std::string rhost;
  uint32_t address = 0;
  std::string options;
};
Result<NfsServer> ResolveServer(const Run& run, const maps::LocationResult& loc, const char* type) {
  NfsServer srv;
  srv.rhost = loc.options.Value(Option::kRhost);
  srv.options = maps::ChooseMountOptions(loc.options, "nfs", run.ctx().world).options;
  std::vector<uint32_t> addrs;
  if (run.ctx().world != nullptr) addrs = run.ctx().world->HostAddresses(srv.rhost);
  if (addrs.empty()) {
    return Status::Error(std::string(type) + ": host " + srv.rhost + " does not resolve",
                         std::errc::host_unreachable);
  }
  srv.address = addrs.front();
  return srv;
}

// One kernel NFS mount at `dir`, with what its usual failures mean (a
// kernel without an NFS client is said by the kernel shim).
Status MountNfsAt(Run& run, const NfsMount& nfs, const std::string& dir) {
  Status s = run.Mount(nfs.source, dir, nfs.fstype, nfs.flags, nfs.data);
  if (s.code() == std::errc::invalid_argument && nfs.data.find("proto=udp") != std::string::npos) {
    return Status(s.code(), s.context() + " (proto=udp: this kernel may have no NFS over UDP)");
  }
  return s;
}

Status MountNfs(Run& run, const std::string& node, const maps::LocationResult& loc) {
  auto srv = ResolveServer(run, loc, "nfs");
  if (!srv.ok()) return srv.status();
  NfsMount nfs = BuildNfsMount(srv->rhost, loc.options.Value(Option::kRfs), srv->options,
                               srv->address, run.ctx().nfs_vers, run.ctx().nfs_proto);
  return MountThenShow(run, node, loc,
                       [&](const std::string& dir) { return MountNfsAt(run, nfs, dir); });
}

// type:=host: every export of rhost, each at its own path below the node
// (parents before the exports inside them). An export that cannot be
// mounted is skipped with a warning; the mount fails only when none could.
Status MountHost(Run& run, const std::string& node, const maps::LocationResult& loc) {
  auto srv = ResolveServer(run, loc, "host");
  if (!srv.ok()) return srv.status();
  const std::string& rhost = srv->rhost;
  std::optional<uint16_t> mountport;
  if (auto p = maps::MountOptionValue(srv->options, "mountport")) {
    auto n = ParseInteger(*p);
    if (!n || *n <= 0 || *n > 65535)
      return Status::Error("host: mountport=" + *p + " is not a port number");
    mountport = static_cast<uint16_t>(*n);
  }
  std::string proto = run.ctx().nfs_proto.empty()
                          ? maps::MountOptionValue(srv->options, "proto").value_or("")
                          : run.ctx().nfs_proto;
  auto exports = run.ctx().world->ServerExports(srv->address, mountport, proto);
  if (!exports.ok())
    return Status(exports.status().code(), "host " + rhost + ": " + exports.status().context());
  std::vector<std::string> dirs;
  for (const auto& d : *exports) {
    if (!d.empty() && d[0] == '/' && d.find("/../") == std::string::npos && !d.ends_with("/.."))
      dirs.push_back(d);
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  if (dirs.empty())
    return Status::Error("host " + rhost + " exports nothing",
                         std::errc::no_such_file_or_directory);
  return MountThenShow(run, node, loc, [&](const std::string& dir) {
    Status last;
    int mounted = 0;
    for (const auto& d : dirs) {
      std::string at = d == "/" ? dir : dir + d;
      NfsMount nfs = BuildNfsMount(rhost, d, srv->options, srv->address, run.ctx().nfs_vers,
                                   run.ctx().nfs_proto);
      Status s = at == dir ? Status() : run.MakeDir(at);
      if (s.ok()) s = MountNfsAt(run, nfs, at);
      if (s.ok()) {
        ++mounted;
      } else {
        last = s;
        run.record().warnings.push_back("host " + rhost + ": export " + d +
                                        " not mounted: " + s.ToString());
      }
    }
    if (mounted == 0)
      return Status(last.code(), "host " + rhost + ": no export could be mounted (" +
                                     std::to_string(dirs.size()) +
                                     " tried; last: " + last.ToString() + ")");
    return Status();
  });
}

}  // namespace

std::vector<std::string> ProgramUnmountCommand(const maps::LocationResult& loc) {
  std::string unmount(loc.options.Has(Option::kUnmount) ? loc.options.Value(Option::kUnmount)
                                                        : loc.options.Value(Option::kUmount));
  if (unmount.empty())
    return {"/bin/umount", "umount", std::string(loc.options.Value(Option::kFs))};
  return SplitProgramCommand(unmount);
}

bool LocationExpires(const maps::LocationResult& loc) {
  AmdMountPolicy p = ReadAmdMountPolicy(loc.options.Value(Option::kOpts));
  if (p.nounmount) return false;
  const maps::MountTypeInfo* t = maps::FindMountType(loc.effective_type);
  bool no_timeout = t != nullptr && (t->flags & maps::kTypeNoTimeout);
  return !no_timeout || p.unmount || p.utimeout.has_value();
}

Result<MountRecord> MountLocation(const std::string& node, const maps::LocationResult& loc,
                                  const MountContext& ctx, kernel::Kernel& kernel) {
  Run run(ctx, kernel);
  const std::string& type = loc.effective_type;
  std::string_view opts = loc.options.Value(Option::kOpts);
  Status s;
  if (type == "link" || type == "linkx") {
    s = run.Show(loc.mount_info, node, opts);
  } else if (type == "lofs") {
    std::string rfs(loc.options.Value(Option::kRfs));
    s = MountThenShow(run, node, loc,
                      [&](const std::string& dir) { return run.Bind(rfs, dir, opts); });
  } else if (auto fstype = LinuxFsType(type)) {
    std::string dev(loc.options.Value(Option::kDev));
    KernelMountOptions k = SplitMountOptions(opts);
    s = MountThenShow(run, node, loc, [&](const std::string& dir) {
      return run.Mount(dev, dir, *fstype, k.flags, k.data);
    });
  } else if (type == "program") {
    s = MountProgram(run, node, loc);
  } else if (type == "nfs") {
    s = MountNfs(run, node, loc);
  } else if (type == "host") {
    s = MountHost(run, node, loc);
  } else {
    s = Status::Error("type:=" + type + " is not supported by this amd", std::errc::not_supported);
  }
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
  } else if (ctx.classic && type != "link" && type != "linkx") {
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
