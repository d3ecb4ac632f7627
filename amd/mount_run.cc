// The steps of one mount attempt; see mount_run.h.
#include "amd/mount_run.h"

#include <sys/mount.h>

#include "amd/linux_mount_options.h"
#include "maps/variables.h"

namespace amd {

using maps::Option;

Status MountRun::MakeDir(const std::string& path) {
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

Status MountRun::Mount(const std::string& source, const std::string& target,
                       const std::string& fstype, unsigned long flags, const std::string& data) {
  Status s = k_.Mount(source, target, fstype, flags, data);
  if (s.ok()) record_.actions.push_back({MountAction::Kind::kMounted, target, {}, nullptr});
  return s;
}

Status MountRun::Bind(const std::string& source, const std::string& target, std::string_view opts) {
  Status s = Mount(source, target, "", MS_BIND, "");
  if (!s.ok()) return s;
  KernelMountOptions k = SplitMountOptions(opts);
  if (k.flags & MS_RDONLY) {
    s = k_.Mount("none", target, "", MS_REMOUNT | MS_BIND | MS_RDONLY, "");
  }
  return s;
}

Status MountRun::Symlink(const std::string& target, const std::string& link) {
  Status s = k_.Symlink(target, link);
  if (s.ok()) record_.actions.push_back({MountAction::Kind::kSymlinked, link, {}, nullptr});
  return s;
}

Status MountRun::Show(const std::string& target, const std::string& node, std::string_view opts) {
  if (ctx_.link_into_autodir) return {};
  if (!ctx_.use_lofs) return Symlink(target, node);
  Status s = MakeDir(node);
  return s.ok() ? Bind(target, node, opts) : s;
}

Status MountRun::MountThenShow(const std::string& node, const maps::LocationResult& loc,
                               const std::function<Status(const std::string& dir)>& mount_fn) {
  std::string_view sublink = loc.options.Value(Option::kSublink);
  std::string_view opts = loc.options.Value(Option::kOpts);
  if (ctx_.link_into_autodir) {
    std::string fs(loc.options.Value(Option::kFs));
    auto mount_at_fs = [&] {
      Status s = MakeDir(fs);
      return s.ok() ? mount_fn(fs) : s;
    };
    if (!ctx_.shared) return mount_at_fs();
    Status s = ctx_.shared->Acquire(fs, loc.mount_info, [&](std::vector<MountAction>* steps) {
      Status m = mount_at_fs();
      *steps = std::move(record_.actions);
      record_.actions.clear();
      return m;
    });
    if (s.ok()) record_.actions.push_back({MountAction::Kind::kShared, fs, {}, ctx_.shared});
    return s;
  }
  if (sublink.empty()) {
    Status s = MakeDir(node);
    return s.ok() ? mount_fn(node) : s;
  }
  std::string fs(loc.options.Value(Option::kFs));
  Status s = MakeDir(fs);
  if (s.ok()) s = mount_fn(fs);
  if (s.ok()) s = Show(std::string(sublink), node, opts);
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

}  // namespace amd
