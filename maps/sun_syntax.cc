// Sun map syntax conversion; see sun_syntax.h.
#include "maps/sun_syntax.h"

#include "base/strings.h"

namespace amd::maps {
namespace {

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t b = i;
    bool quoted = false;
    while (i < s.size() && (quoted || !IsSpace(s[i]))) {
      if (s[i] == '"') quoted = !quoted;
      ++i;
    }
    if (i > b) out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

std::string Substitute(std::string_view s, std::string_view key) {
  static const std::pair<std::string_view, std::string_view> kVars[] = {
      {"ARCH", "${arch}"},   {"CPU", "${karch}"},    {"HOST", "${host}"},    {"OSNAME", "${os}"},
      {"OSREL", "${osver}"}, {"OSVERS", "${osver}"}, {"NATISA", "${karch}"},
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      out += key;
      continue;
    }
    if (s[i] == '$') {
      bool braced = i + 1 < s.size() && s[i + 1] == '{';
      size_t start = i + (braced ? 2 : 1);
      bool done = false;
      for (const auto& [name, amd] : kVars) {
        if (s.substr(start, name.size()) == name &&
            (!braced || s.substr(start + name.size(), 1) == "}")) {
          out += amd;
          i = start + name.size() + (braced ? 1 : 0) - 1;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out += s[i];
  }
  return out;
}

// One mount: options (without '-') and its locations.
std::optional<std::string> ConvertMount(std::string_view options,
                                        const std::vector<std::string>& locations,
                                        Diagnostics* diag) {
  std::string type = "nfs";
  std::string opts;
  for (std::string_view o : SplitOn(options, ',')) {
    if (o.empty()) continue;
    if (o.substr(0, 7) == "fstype=") {
      type = std::string(o.substr(7));
      if (type == "hsfs") type = "cdfs";
      if (type == "autofs") type = "auto";
      continue;
    }
    if (!opts.empty()) opts += ',';
    opts += o;
  }
  std::string out;
  for (const std::string& loc : locations) {
    size_t colon = loc.find(':');
    if (colon == std::string::npos) {
      if (diag) diag->Warning("sun map location \"" + loc + "\" has no ':'");
      return std::nullopt;
    }
    std::string_view hosts = std::string_view(loc).substr(0, colon);
    std::string path = loc.substr(colon + 1);
    auto emit = [&](std::string_view body) {
      if (!out.empty()) out += ' ';
      out += body;
    };
    std::string common = "type:=" + type;
    if (!opts.empty()) common += ";opts:=" + opts;
    if (hosts.empty()) {
      if (type == "nfs") {
        emit("type:=link;fs:=" + path);
      } else if (type == "auto") {
        emit(common + ";fs:=" + path);
      } else {
        emit(common + ";dev:=" + path);
      }
      continue;
    }
    for (std::string_view h : SplitOn(hosts, ',')) {
      size_t paren = h.find('(');
      if (paren != std::string_view::npos) h = h.substr(0, paren);
      if (h.empty()) continue;
      emit(common + ";rhost:=" + std::string(h) + ";rfs:=" + path);
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<SunConversion> SunToAmd(std::string_view key, std::string_view sun_value,
                                      Diagnostics* diag) {
  std::vector<std::string> words = Words(Substitute(sun_value, key));
  SunConversion out;
  std::string options;
  size_t i = 0;
  if (i < words.size() && words[i].size() > 1 && words[i][0] == '-') {
    options = words[i++].substr(1);
  }
  if (i < words.size() && words[i][0] == '/') {  // multi-mount
    out.value = "type:=auto;fs:=${map};pref:=${key}/";
    while (i < words.size()) {
      std::string offset = words[i++];
      if (offset.empty() || offset[0] != '/') {
        if (diag) diag->Warning("sun multi-mount: expected an offset, got \"" + offset + "\"");
        return std::nullopt;
      }
      std::string sub_options = options;
      if (i < words.size() && words[i].size() > 1 && words[i][0] == '-') {
        sub_options += (sub_options.empty() ? "" : ",") + words[i++].substr(1);
      }
      std::vector<std::string> locations;
      while (i < words.size() && words[i][0] != '/') locations.push_back(words[i++]);
      auto v = ConvertMount(sub_options, locations, diag);
      if (!v) return std::nullopt;
      std::string sub_key = std::string(key) + (offset == "/" ? std::string("/") : offset);
      while (sub_key.size() > 1 && sub_key.back() == '/') sub_key.pop_back();
      out.sub_entries.emplace_back(sub_key, *v);
    }
    return out;
  }
  std::vector<std::string> locations(words.begin() + static_cast<long>(i), words.end());
  auto v = ConvertMount(options, locations, diag);
  if (!v) return std::nullopt;
  out.value = *v;
  return out;
}

}  // namespace amd::maps
