// Password-file map source; see passwd_map_source.h.
#include "maps/passwd_map_source.h"

#include <pwd.h>

#include "base/strings.h"

namespace amd::maps {

namespace {
constexpr std::string_view kPasswd = "/etc/passwd";
constexpr std::string_view kDefaultTemplate =
    "type:=nfs;rfs:=/${var0}/${var1};rhost:=${var1};sublink:=${var2};fs:=${autodir}${var3}";
}  // namespace

std::optional<std::string> SystemHomeDirectory(const std::string& user) {
  struct passwd pw;
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  return std::string(pw.pw_dir ? pw.pw_dir : "");
}

bool PasswdMapSource::IsPasswdMapName(std::string_view name) {
  return name == kPasswd || (name.substr(0, kPasswd.size()) == kPasswd &&
                             name.size() > kPasswd.size() && name[kPasswd.size()] == ':');
}

PasswdMapSource::PasswdMapSource(std::string name, PasswdLookup lookup)
    : name_(std::move(name)), lookup_(std::move(lookup)) {
  template_ = name_.size() > kPasswd.size() ? name_.substr(kPasswd.size() + 1)
                                            : std::string(kDefaultTemplate);
}

SearchResult PasswdMapSource::Search(const std::string& key, Diagnostics* diag) {
  if (key == "/defaults") return SearchResult::Found("type:=nfs");
  if (key.empty() || key.find('/') != std::string::npos) return SearchResult::NotFound();
  auto home = lookup_(key);
  if (!home) return SearchResult::NotFound();
  std::vector<std::string_view> parts;
  for (std::string_view p : SplitOn(*home, '/')) {
    if (!p.empty()) parts.push_back(p);
  }
  if (home->empty() || (*home)[0] != '/' || parts.size() < 3) {
    if (diag) {
      diag->Warning("passwd map: home directory \"" + *home + "\" of " + key +
                    " has fewer than three components");
    }
    return SearchResult::NotFound();
  }
  std::string value = "var0:=" + std::string(parts.front()) +
                      ";var1:=" + std::string(parts[parts.size() - 2]) +
                      ";var2:=" + std::string(parts.back()) + ";var3:=" + *home + ";" + template_;
  return SearchResult::Found(std::move(value));
}

}  // namespace amd::maps
