// Mount option string helpers; see the header.
#include "maps/mount_options.h"

#include "base/strings.h"

namespace amd::maps {

std::string ReverseOption(std::string_view name) {
  if (name == "ro") return "rw";
  if (name == "rw") return "ro";
  if (name == "bg") return "fg";
  if (name == "fg") return "bg";
  if (name == "soft") return "hard";
  if (name == "hard") return "soft";
  if (name.substr(0, 2) == "no") return std::string(name.substr(2));
  return "no" + std::string(name);
}

static std::string_view OptionNameOf(std::string_view opt) {
  size_t eq = opt.find('=');
  return eq == std::string_view::npos ? opt : opt.substr(0, eq);
}

bool HasMountOption(std::string_view opts, std::string_view name) {
  for (std::string_view o : SplitOn(opts, ',')) {
    if (OptionNameOf(TrimSpace(o)) == name) return true;
  }
  return false;
}

std::optional<std::string> MountOptionValue(std::string_view opts, std::string_view name) {
  for (std::string_view o : SplitOn(opts, ',')) {
    o = TrimSpace(o);
    size_t eq = o.find('=');
    if (eq != std::string_view::npos && o.substr(0, eq) == name) {
      return std::string(o.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::string MergeMountOptions(std::string_view opts, std::string_view addopts) {
  std::string out;
  for (std::string_view o : SplitOn(opts, ',')) {
    if (o.empty()) continue;
    std::string_view name = OptionNameOf(o);
    if (HasMountOption(addopts, name) || HasMountOption(addopts, ReverseOption(name))) continue;
    if (!out.empty()) out += ',';
    out += o;
  }
  if (!out.empty()) out += ',';
  out += addopts;
  return out;
}

}  // namespace amd::maps
