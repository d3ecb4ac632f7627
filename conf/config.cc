// The amd.conf option table and validation; see config.h and amd.conf(5).
// Differences from the original, chosen for admins: numbers must be whole
// numbers (the original's atoi took "10s" as 10), and command-line flags
// override amd.conf (the original read -F's file last, so it won).
#include "conf/config.h"

#include <algorithm>

#include "base/strings.h"

namespace amd::conf {
namespace {

using S = OptionScope;
using T = OptionType;

constexpr std::string_view kLogOptions =
    "fatal error user warn warning info map stats debug all defaults";
constexpr std::string_view kDebugOptions =
    "all defaults test amq daemon fork full hrtime info mem mtab readdir str trace xdrtrace";
constexpr std::string_view kMapTypes = "file exec passwd union nis nisplus ldap hesiod ndbm";

const std::vector<OptionSpec>& Table() {
  static const std::vector<OptionSpec> t = {
      {"amq_listen_address", S::kGlobal, T::kString, "127.0.0.1", "", 0, 0, ""},  // ours
      {"arch", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"auto_attrcache", S::kGlobal, T::kInt, "0", "", 0, 1LL << 31, ""},
      {"auto_dir", S::kGlobal, T::kString, "/n", "", 0, 0, ""},
      {"autofs_use_lofs", S::kGlobal, T::kBool, "yes", "", 0, 0, ""},
      {"browsable_dirs", S::kCommon, T::kEnum, "no", "yes no full", 0, 0, ""},
      {"cache_duration", S::kGlobal, T::kInt, "300", "", 0, 0, ""},
      {"cluster", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"debug_mtab_file", S::kGlobal, T::kString, "/tmp/mtab", "", 0, 0, ""},
      {"debug_options", S::kGlobal, T::kList, "", kDebugOptions, 0, 0, ""},
      {"dismount_interval", S::kGlobal, T::kInt, "120", "", 0, 0, ""},
      {"domain_strip", S::kGlobal, T::kBool, "yes", "", 0, 0, ""},
      {"exec_map_timeout", S::kGlobal, T::kInt, "10", "", 0, 0, ""},
      {"forced_unmounts", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"full_os", S::kGlobal, T::kString, "linux", "", 0, 0, ""},
      {"fully_qualified_hosts", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"hesiod_base", S::kGlobal, T::kString, "automount", "", 0, 0, ""},
      {"karch", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"ldap_base", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"ldap_cache_maxmem", S::kGlobal, T::kInt, "131072", "", 0, 1LL << 40, ""},
      {"ldap_cache_seconds", S::kGlobal, T::kInt, "0", "", 0, 1LL << 31, ""},
      {"ldap_hostports", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"ldap_proto_version", S::kGlobal, T::kEnum, "2", "2 3", 0, 0, ""},
      {"local_domain", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"localhost_address", S::kGlobal, T::kString, "127.0.0.1", "", 0, 0, ""},
      {"log_file", S::kGlobal, T::kString, "/dev/stderr", "", 0, 0, ""},
      {"log_options", S::kGlobal, T::kList, "defaults", kLogOptions, 0, 0, ""},
      {"map_defaults", S::kCommon, T::kString, "", "", 0, 0, ""},
      {"map_options", S::kCommon, T::kString, "", "", 0, 0, ""},
      {"map_reload_interval", S::kGlobal, T::kInt, "3600", "", 1, 1LL << 31, ""},
      {"map_type", S::kCommon, T::kEnum, "", kMapTypes, 0, 0, ""},
      {"mount_type", S::kCommon, T::kEnum, "autofs", "nfs autofs", 0, 0, ""},
      {"nfs_allow_any_interface", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"nfs_allow_insecure_port", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"nfs_proto", S::kGlobal, T::kEnum, "", "udp tcp", 0, 0, ""},
      {"nfs_retransmit_counter", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retransmit_counter_udp", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retransmit_counter_tcp", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retransmit_counter_toplvl", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retry_interval", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retry_interval_udp", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retry_interval_tcp", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_retry_interval_toplvl", S::kGlobal, T::kInt, "", "", 0, 1LL << 31, ""},
      {"nfs_vers", S::kGlobal, T::kEnum, "", "2 3 4", 0, 0, ""},
      {"nfs_stats_interval", S::kGlobal, T::kInt, "5", "", 0, 3600, ""},  // ours
      {"nfs_vers_ping", S::kGlobal, T::kEnum, "", "2 3 4", 0, 0, ""},
      {"nis_domain", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"normalize_hostnames", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"normalize_slashes", S::kGlobal, T::kBool, "yes", "", 0, 0, ""},
      {"os", S::kGlobal, T::kString, "linux", "", 0, 0, ""},
      {"osver", S::kGlobal, T::kString, "", "", 0, 0, ""},
      {"pid_file", S::kGlobal, T::kString, "/dev/stdout", "", 0, 0, ""},
      {"plock", S::kGlobal, T::kBool, "yes", "", 0, 0, ""},
      {"portmap_program", S::kGlobal, T::kInt, "300019", "", 300019, 300029, ""},
      {"preferred_amq_port", S::kGlobal, T::kInt, "0", "", 0, 65535, ""},
      {"print_pid", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"print_version", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"restart_mounts", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"search_path", S::kCommon, T::kString, "/etc/amd", "", 0, 0, ""},
      {"selectors_in_defaults", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"selectors_on_default", S::kGlobal, T::kBool, "", "", 0, 0, "selectors_in_defaults"},
      {"show_statfs_entries", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"sun_map_syntax", S::kCommon, T::kBool, "no", "", 0, 0, ""},
      {"truncate_log", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"unmount_on_exit", S::kGlobal, T::kBool, "no", "", 0, 0, ""},
      {"use_tcpwrappers", S::kGlobal, T::kBool, "yes", "", 0, 0, ""},
      {"vendor", S::kGlobal, T::kString, "pc", "", 0, 0, ""},
      {"map_name", S::kMap, T::kString, "", "", 0, 0, ""},
      {"tag", S::kMap, T::kString, "", "", 0, 0, ""},
  };
  return t;
}

bool InChoices(std::string_view choices, std::string_view v) {
  for (std::string_view c : SplitOn(choices, ' ')) {
    if (c == v) return true;
  }
  return false;
}

// The number at the start of `v`, as strtol() reads it (optional blanks
// and sign, then digits up to the first other character); nullopt when
// there are no digits.
std::optional<long long> LeadingNumber(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  bool negative = i < v.size() && v[i] == '-';
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  long long n = 0;
  size_t digits = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9' && n < (1LL << 40); ++i, ++digits)
    n = n * 10 + (v[i] - '0');
  if (digits == 0) return std::nullopt;
  return negative ? -n : n;
}

// Keys whose value the original reads with atoi() (amd/conf.c): text that
// is no number is 0. The others it reads with strtol() and refuses when
// there is no number at all.
bool ReadWithAtoi(std::string_view name) {
  return name != "ldap_cache_seconds" && name != "ldap_cache_maxmem" &&
         name != "ldap_proto_version";
}

// Checks a value; returns the value to store (normalised) or an error.
// `warning` says what was taken leniently, as the original takes it.
std::optional<std::string> Validate(const OptionSpec& spec, const std::string& value,
                                    std::string* error, std::string* warning) {
  if (value.empty() && spec.type == T::kString && spec.name != "auto_dir") return value;
  if (value.empty() && spec.type != T::kInt) {
    *error = "empty value";
    return std::nullopt;
  }
  switch (spec.type) {
    case T::kString:
      if (spec.name == "auto_dir" && value[0] != '/') {
        *error = "must be an absolute path";
        return std::nullopt;
      }
      return value;
    case T::kBool:
      if (value == "yes" || value == "no") return value;
      *error = "must be yes or no";
      return std::nullopt;
    case T::kEnum:
      if (InChoices(spec.choices, value)) return value;
      *error = "must be one of: " + std::string(spec.choices);
      return std::nullopt;
    case T::kList:
      for (std::string_view w : SplitOn(value, ',')) {
        std::string_view base = w.substr(0, 2) == "no" ? w.substr(2) : w;
        if (!InChoices(spec.choices, w) && !InChoices(spec.choices, base)) {
          *error =
              "unknown item \"" + std::string(w) + "\" (known: " + std::string(spec.choices) + ")";
          return std::nullopt;
        }
      }
      return value;
    case T::kInt: {
      auto n = ParseInteger(value);
      if (!n) {
        n = LeadingNumber(value);
        if (!n && ReadWithAtoi(spec.name)) n = 0;
        if (n) {
          *warning = "\"" + value + "\" is not a whole number; read as " + std::to_string(*n) +
                     ", as the original reads it";
        }
      }
      if (!n) {
        *error = "must be a whole number";
        return std::nullopt;
      }
      if (spec.max > spec.min && (*n < spec.min || *n > spec.max)) {
        *error = "must be between " + std::to_string(spec.min) + " and " + std::to_string(spec.max);
        return std::nullopt;
      }
      // The original's fall-backs for non-positive intervals.
      if (*n <= 0 && spec.name == "cache_duration") return std::string("300");
      if (*n <= 0 && spec.name == "dismount_interval") return std::string("120");
      if (*n <= 0 && spec.name == "exec_map_timeout") return std::string("10");
      return std::to_string(*n);
    }
  }
  return value;
}

}  // namespace

const std::vector<OptionSpec>& AllOptions() { return Table(); }

const OptionSpec* FindOption(std::string_view name) {
  for (const auto& o : Table()) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::string Section::Get(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it != values_.end()) return it->second;
  const OptionSpec* spec = FindOption(key);
  if (inherit_ != nullptr && spec != nullptr && spec->scope != S::kMap) return inherit_->Get(key);
  if (host_defaults_ != nullptr) {
    auto h = host_defaults_->find(std::string(key));
    if (h != host_defaults_->end()) return h->second;
  }
  return spec == nullptr ? std::string() : std::string(spec->default_value);
}

long long Section::GetInt(std::string_view key) const { return ParseInteger(Get(key)).value_or(0); }

class ConfigBuilder {
 public:
  ConfigBuilder(Diagnostics* diag, std::string file) : diag_(diag), file_(std::move(file)) {}

  bool Set(Section* s, bool is_global, const std::string& key, const std::string& value, int line) {
    const OptionSpec* spec = FindOption(key);
    std::string where = is_global ? "[global]" : "[" + s->name_ + "]";
    if (spec == nullptr) {
      return Fail(line, "unknown key \"" + key + "\" in " + where);
    }
    if (is_global && spec->scope == S::kMap) {
      return Fail(line, "\"" + key + "\" belongs in a map section, not " + where);
    }
    if (!is_global && spec->scope == S::kGlobal) {
      return Fail(line, "\"" + key + "\" is a [global] option, not allowed in " + where);
    }
    std::string error, warning;
    auto v = Validate(*spec, value, &error, &warning);
    if (!v)
      return Fail(line,
                  "bad value \"" + value + "\" for \"" + key + "\" in " + where + ": " + error);
    if (!warning.empty()) diag_->AddAt(Severity::kWarning, file_, line, 0, key + ": " + warning);
    std::string name(spec->alias_of.empty() ? spec->name : spec->alias_of);
    // browsable_dirs = no does not clear an earlier "full" (the original).
    if (name == "browsable_dirs" && *v == "no" && s->values_[name] == "full") return true;
    s->values_[name] = *v;
    return true;
  }

  bool Fail(int line, std::string msg) {
    diag_->AddAt(Severity::kError, file_, line, 0, std::move(msg));
    ok_ = false;
    return false;
  }

  std::shared_ptr<const Config> Build(const std::optional<std::vector<ConfSection>>& sections,
                                      const CommandLine& cmd,
                                      std::map<std::string, std::string> host_defaults);
  void AddSections(const std::vector<ConfSection>& sections, const CommandLine& cmd,
                   Config* config);
  void AddCommandLine(const CommandLine& cmd, Config* config);
  std::shared_ptr<const Config> Finish(std::shared_ptr<Config> config);

 private:
  Diagnostics* diag_;
  std::string file_;
  bool ok_ = true;
};

std::shared_ptr<const Config> ConfigBuilder::Build(
    const std::optional<std::vector<ConfSection>>& sections, const CommandLine& cmd,
    std::map<std::string, std::string> host_defaults) {
  auto config = std::make_shared<Config>();
  config->conf_file = file_;
  config->host_defaults = std::move(host_defaults);
  config->global.name_ = "global";
  config->global.host_defaults_ = &config->host_defaults;
  if (sections) AddSections(*sections, cmd, config.get());
  AddCommandLine(cmd, config.get());
  return Finish(std::move(config));
}

// amd.conf's sections: [global], then each map section (a section named
// twice is one section: the later keys are added to, or override, the
// earlier ones, as in the original).
void ConfigBuilder::AddSections(const std::vector<ConfSection>& sections, const CommandLine& cmd,
                                Config* config) {
  bool seen_map = false;
  int global_line = 0;
  // A section named twice is one section: the later keys are added to
  // (or override) the earlier ones, as in the original.
  std::vector<MapSection> named;
  for (const ConfSection& cs : sections) {
    if (cs.name == "global") {
      if (seen_map) {
        diag_->AddAt(Severity::kWarning, file_, cs.line, 0,
                     "[global] after a map section: earlier map sections do not inherit it");
      }
      if (global_line > 0) {
        diag_->AddAt(Severity::kWarning, file_, cs.line, 0,
                     "[global] again (first at line " + std::to_string(global_line) +
                         "): its keys are added to the first");
      } else {
        global_line = cs.line;
      }
      config->global.line_ = global_line;
      for (const auto& e : cs.entries) Set(&config->global, true, e.key, e.value, e.line);
      continue;
    }
    seen_map = true;
    auto same = std::find_if(named.begin(), named.end(),
                             [&](const MapSection& m) { return m.dir == cs.name; });
    if (same != named.end()) {
      diag_->AddAt(Severity::kWarning, file_, cs.line, 0,
                   "[" + cs.name + "] again (first at line " + std::to_string(same->section.line_) +
                       "): its keys are added to the first");
      for (const auto& e : cs.entries) Set(&same->section, false, e.key, e.value, e.line);
      continue;
    }
    MapSection ms;
    ms.dir = cs.name;
    ms.section.name_ = cs.name;
    ms.section.line_ = cs.line;
    for (const auto& e : cs.entries) Set(&ms.section, false, e.key, e.value, e.line);
    named.push_back(std::move(ms));
  }
  for (MapSection& ms : named) {
    if (ms.section.Has("map_name") && ms.section.values_["map_name"].empty()) {
      diag_->AddAt(
          Severity::kWarning, file_, ms.section.line_, 0,
          "map section [" + ms.dir + "] has an empty map_name: it serves nothing, skipped");
      continue;
    }
    if (!ms.section.Has("map_name")) {
      Fail(ms.section.line_, "map section [" + ms.dir + "] has no map_name");
      continue;
    }
    if (!ms.dir.empty() && ms.dir[0] != '/') {
      Fail(ms.section.line_, "map section [" + ms.dir + "] must name an absolute mount point");
      continue;
    }
    std::string tag = ms.section.values_.count("tag") ? ms.section.values_["tag"] : "";
    if (!tag.empty() && (!cmd.tag || *cmd.tag != tag)) continue;
    config->maps.push_back(std::move(ms));
  }
}

// The command line's settings and maps, after amd.conf's.
void ConfigBuilder::AddCommandLine(const CommandLine& cmd, Config* config) {
  std::string saved_file = file_;
  file_ = "command line";
  for (const auto& [k, v] : cmd.globals) Set(&config->global, true, k, v, 0);
  for (const auto& m : cmd.maps) {
    MapSection ms;
    ms.dir = m.dir;
    ms.section.name_ = m.dir;
    Set(&ms.section, false, "map_name", m.map, 0);
    if (!m.options.empty()) Set(&ms.section, false, "map_options", m.options, 0);
    if (m.dir.empty() || m.dir[0] != '/') Fail(0, "mount point \"" + m.dir + "\" must be absolute");
    config->maps.push_back(std::move(ms));
  }
  file_ = saved_file;
}

// The checks that need the whole configuration; the typed settings.
std::shared_ptr<const Config> ConfigBuilder::Finish(std::shared_ptr<Config> config) {
  // As the original (amd/conf.c): LDAP needs both.
  if (!config->global.Get("ldap_hostports").empty() && config->global.Get("ldap_base").empty()) {
    Fail(config->global.line_, "must specify both ldap_hostports and ldap_base");
  }
  if (!ok_) return nullptr;
  for (auto& m : config->maps) {
    m.section.inherit_ = &config->global;
    m.section.host_defaults_ = &config->host_defaults;
    m.settings = MapSettingsSection::From(m.section);
  }
  config->settings = GlobalSettings::From(config->global);
  // Two sections for one mount point would fight over it.
  for (size_t i = 0; i < config->maps.size(); ++i) {
    for (size_t j = i + 1; j < config->maps.size(); ++j) {
      if (config->maps[i].dir == config->maps[j].dir) {
        diag_->AddAt(Severity::kError, file_, config->maps[j].section.line_, 0,
                     "mount point " + config->maps[j].dir + " is configured twice");
        return nullptr;
      }
    }
  }
  return config;
}

std::shared_ptr<const Config> BuildConfig(const std::optional<std::string>& conf_text,
                                          const std::string& conf_file, const CommandLine& cmd,
                                          std::map<std::string, std::string> host_defaults,
                                          Diagnostics* diag) {
  std::optional<std::vector<ConfSection>> sections;
  if (conf_text) {
    sections = ParseAmdConf(*conf_text, conf_file, diag);
    if (!sections) return nullptr;
  }
  ConfigBuilder b(diag, conf_text ? conf_file : "");
  return b.Build(sections, cmd, std::move(host_defaults));
}

std::string PrintConfig(const Config& config) {
  std::string out;
  for (const auto& spec : AllOptions()) {
    if (spec.scope == S::kMap || !spec.alias_of.empty()) continue;
    out += "[global] " + std::string(spec.name) + " = " + config.global.Get(spec.name) + "\n";
  }
  for (const auto& m : config.maps) {
    for (const auto& spec : AllOptions()) {
      if (spec.scope == S::kGlobal || !spec.alias_of.empty()) continue;
      std::string v = m.section.Get(spec.name);
      if (spec.name == "tag" && v.empty()) continue;
      out += "[" + m.dir + "] " + std::string(spec.name) + " = " + v + "\n";
    }
  }
  return out;
}

}  // namespace amd::conf
