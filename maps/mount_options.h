// Helpers for comma-separated mount option strings ("rw,nosuid,rsize=1024"):
// the addopts merge of the original's merge_opts() (amd/am_ops.c) and
// look-ups of single options. Pure.
//
// Any thread. Ownership: strings returned are the caller's.
#ifndef AMD_MAPS_MOUNT_OPTIONS_H_
#define AMD_MAPS_MOUNT_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>

namespace amd::maps {

// The inverse of an option name: ro<->rw, bg<->fg, soft<->hard,
// noX<->X.
std::string ReverseOption(std::string_view name);

// True when `opts` contains option `name`, alone or as name=value.
bool HasMountOption(std::string_view opts, std::string_view name);

// The value of name=value in `opts`, if present.
std::optional<std::string> MountOptionValue(std::string_view opts, std::string_view name);

// Every option of `opts` that (or whose inverse) does not appear in
// `addopts`, followed by `addopts` itself.
std::string MergeMountOptions(std::string_view opts, std::string_view addopts);

}  // namespace amd::maps

#endif  // AMD_MAPS_MOUNT_OPTIONS_H_
