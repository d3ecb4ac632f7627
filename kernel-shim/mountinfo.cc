// mountinfo parsing; see mountinfo.h.
#include "kernel-shim/mountinfo.h"

#include <algorithm>

#include "base/files.h"
#include "base/strings.h"

namespace amd::kernel {
std::string UnescapeMountField(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<MountInfoEntry> ParseMountInfo(std::string_view text) {
  std::vector<MountInfoEntry> out;
  for (std::string_view line : SplitOn(text, '\n')) {
    auto f = SplitWords(line);
    // id parent major:minor root mount_point options [optional...] - fstype source super
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 10 || dash == f.end() || dash - f.begin() < 6 || f.end() - dash < 4) continue;
    MountInfoEntry e;
    auto id = ParseInteger(f[0]);
    auto parent = ParseInteger(f[1]);
    size_t colon = f[2].find(':');
    if (!id || !parent || colon == std::string_view::npos) continue;
    auto major = ParseInteger(f[2].substr(0, colon));
    auto minor = ParseInteger(f[2].substr(colon + 1));
    if (!major || !minor) continue;
    e.id = static_cast<int>(*id);
    e.parent = static_cast<int>(*parent);
    e.major = static_cast<unsigned>(*major);
    e.minor = static_cast<unsigned>(*minor);
    e.root = UnescapeMountField(f[3]);
    e.mount_point = UnescapeMountField(f[4]);
    e.options = std::string(f[5]);
    e.fstype = std::string(dash[1]);
    e.source = UnescapeMountField(dash[2]);
    e.super_options = std::string(dash[3]);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<MountInfoEntry>> ReadMountInfo() {
  std::string error;
  auto text = ReadWholeFile("/proc/self/mountinfo", &error);
  if (!text) return Status::Error(error, std::errc::io_error);
  return ParseMountInfo(*text);
}

std::vector<MountInfoEntry> MountsUnder(const std::vector<MountInfoEntry>& table,
                                        const std::string& dir) {
  std::vector<MountInfoEntry> out;
  for (const auto& e : table) {
    const std::string& p = e.mount_point;
    if (p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 &&
                     (p[dir.size()] == '/' || dir == "/"))) {
      out.push_back(e);
    }
  }
  // Deepest first; among equals, the later (upper) mount first.
  std::stable_sort(out.begin(), out.end(), [](const MountInfoEntry& a, const MountInfoEntry& b) {
    if (a.mount_point.size() != b.mount_point.size())
      return a.mount_point.size() > b.mount_point.size();
    return a.id > b.id;
  });
  return out;
}

}  // namespace amd::kernel
