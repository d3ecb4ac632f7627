// Config: the effective configuration of amd, built from amd.conf and the
// command line, validated against the option table of amd.conf(5), and
// immutable once built (a reload builds a new one and swaps it).
//
// Options are kept as validated strings keyed by name, in the table's
// order; `amd --print-config` prints exactly this. The daemon reads the
// typed settings built from them (settings.h).
//
// Threading: any thread once built (immutable). Ownership: the Config is
// shared (shared_ptr<const>); engines keep the one they started with.
#ifndef AMD_CONF_CONFIG_H_
#define AMD_CONF_CONFIG_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "conf/amd_conf_parser.h"
#include "conf/settings.h"

namespace amd::conf {

enum class OptionScope { kGlobal, kCommon, kMap };  // kCommon: global and per map
enum class OptionType { kString, kBool, kInt, kEnum, kList };

struct OptionSpec {
  std::string_view name;
  OptionScope scope;
  OptionType type;
  std::string_view default_value;  // "" means unset
  std::string_view choices;        // kEnum/kList: space-separated
  long long min = 0, max = 0;      // kInt: range when max > min
  std::string_view alias_of;       // non-empty: another name for that option
};

const std::vector<OptionSpec>& AllOptions();
const OptionSpec* FindOption(std::string_view name);

class Section {
 public:
  const std::string& name() const { return name_; }
  int line() const { return line_; }
  // The value, else [global]'s (for map sections), else the host's default,
  // else the option's default ("" when unset).
  std::string Get(std::string_view key) const;
  bool Has(std::string_view key) const { return values_.count(std::string(key)) > 0; }
  bool GetBool(std::string_view key) const { return Get(key) == "yes"; }
  long long GetInt(std::string_view key) const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  friend class ConfigBuilder;
  std::string name_;
  int line_ = 0;
  std::map<std::string, std::string> values_;  // explicit settings only
  const Section* inherit_ = nullptr;           // map sections: [global]
  const std::map<std::string, std::string>* host_defaults_ = nullptr;
};

struct MapSection {
  std::string dir;              // the mount point
  Section section;              // map_name, map_type, map_options, ...
  MapSettingsSection settings;  // the same, typed
};

struct Config {
  std::string conf_file;                             // "" when no amd.conf was read
  std::map<std::string, std::string> host_defaults;  // arch, karch, osver...
  Section global;
  GlobalSettings settings;       // [global], typed
  std::vector<MapSection> maps;  // in file order, then command-line maps
};

// Command-line settings that override or add to amd.conf.
struct CommandLine {
  std::optional<std::string> conf_file;                      // -F
  std::vector<std::pair<std::string, std::string>> globals;  // -a, -c, ... as options
  struct MapArg {
    std::string dir, map, options;
  };
  std::vector<MapArg> maps;        // dir map [-opts]
  std::optional<std::string> tag;  // -T
};

// Builds the configuration. `conf_text` is the amd.conf text (nullopt when
// none is read). Returns nullptr when amd.conf or the command line has an
// error; every error is in `diag` with file and line.
// `host_defaults` are defaults that depend on the running host (arch,
// karch, os, osver...), used where neither amd.conf nor the command line
// sets them.
std::shared_ptr<const Config> BuildConfig(const std::optional<std::string>& conf_text,
                                          const std::string& conf_file, const CommandLine& cmd,
                                          std::map<std::string, std::string> host_defaults,
                                          Diagnostics* diag);

// "[section] key = value" lines, one per option, defaults included.
std::string PrintConfig(const Config& config);

}  // namespace amd::conf

#endif  // AMD_CONF_CONFIG_H_
