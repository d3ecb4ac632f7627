// The failover policy file; see policy_file.h.
#include "failover/policy_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <functional>
#include <set>

#include "base/files.h"
#include "base/yaml_fields.h"

namespace amd::failover {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using yaml::Fail;

// How each field is read and where it goes.
using Setter = std::function<void(const YAML::Node&, const std::string&, Policy*)>;

Setter Time(Duration Policy::*field, Duration lo, Duration hi) {
  return [=](const YAML::Node& n, const std::string& key, Policy* p) {
    p->*field = yaml::Duration(n, key, lo, hi);
  };
}

Setter Ratio(double Policy::*field, double lo, double hi) {
  return [=](const YAML::Node& n, const std::string& key, Policy* p) {
    p->*field = yaml::Number(n, key, lo, hi);
  };
}

const std::map<std::string, Setter>& Fields() {
  static const std::map<std::string, Setter> kFields = {
      {"short_window",
       [](const YAML::Node& n, const std::string& k, Policy* p) {
         p->short_window = static_cast<size_t>(yaml::Whole(n, k, 1, 256));
       }},
      {"long_weight", Ratio(&Policy::long_weight, 1, 10000)},
      {"outlier_cap", Ratio(&Policy::outlier_cap, 1, 1000)},
      {"min_rto", Time(&Policy::min_rto, milliseconds(1), hours(1))},
      {"max_rto", Time(&Policy::max_rto, milliseconds(1), hours(1))},
      {"initial_rto", Time(&Policy::initial_rto, milliseconds(1), hours(1))},
      {"down_after",
       [](const YAML::Node& n, const std::string& k, Policy* p) {
         p->down_after = static_cast<int>(yaml::Whole(n, k, 1, 100));
       }},
      {"degraded_ratio", Ratio(&Policy::degraded_ratio, 1, 1000)},
      {"degraded_margin", Time(&Policy::degraded_margin, Duration(0), hours(1))},
      {"recovered_ratio", Ratio(&Policy::recovered_ratio, 1, 1000)},
      {"switch_ratio", Ratio(&Policy::switch_ratio, 1, 1000)},
      {"switch_margin", Time(&Policy::switch_margin, Duration(0), hours(1))},
      {"slow_hold", Time(&Policy::slow_hold, Duration(0), hours(1))},
      {"min_dwell", Time(&Policy::min_dwell, Duration(0), hours(24))},
      {"return_dwell", Time(&Policy::return_dwell, Duration(0), hours(24 * 7))},
      {"return_tolerance", Ratio(&Policy::return_tolerance, 1, 1000)},
      {"probe_interval", Time(&Policy::probe_interval, milliseconds(10), hours(1))},
      {"urgent_probe_interval", Time(&Policy::urgent_probe_interval, milliseconds(10), hours(1))},
      {"probe_timeout", Time(&Policy::probe_timeout, milliseconds(10), hours(1))},
      {"probe_read_bytes",
       [](const YAML::Node& n, const std::string& k, Policy* p) {
         p->probe_read_bytes = static_cast<uint64_t>(yaml::Whole(n, k, 0, 64 << 20));
       }},
      {"hedge_ratio", Ratio(&Policy::hedge_ratio, 0, 1000)},
      {"hedge_after", Time(&Policy::hedge_after, Duration(0), hours(1))},
      {"unmount_grace", Time(&Policy::unmount_grace, Duration(0), hours(24))},
      {"kernel_probe_interval", Time(&Policy::kernel_probe_interval, milliseconds(50), hours(1))},
      {"revision_file",
       [](const YAML::Node& n, const std::string& k, Policy* p) {
         p->revision_file = n.IsNull() ? "" : yaml::Scalar(n, k);
         if (p->revision_file.find('/') != std::string::npos)
           Fail(n, k + ": a name in the volume's root, without '/'");
       }},
      {"discover_at_mount", [](const YAML::Node& n, const std::string& k,
                               Policy* p) { p->discover_at_mount = yaml::Bool(n, k); }},
      {"discover_on_degraded", [](const YAML::Node& n, const std::string& k,
                                  Policy* p) { p->discover_on_degraded = yaml::Bool(n, k); }},
      {"discover_interval", Time(&Policy::discover_interval, Duration(0), hours(24 * 7))},
      {"attr_timeout", Time(&Policy::attr_timeout, Duration(0), hours(24))},
  };
  return kFields;
}

std::string Known() {
  std::string out;
  for (const auto& [name, setter] : Fields()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The settings of `node` over `base`.
Policy ReadPolicy(const YAML::Node& node, const std::string& where, Policy base) {
  if (!node.IsDefined() || node.IsNull()) return base;
  if (!node.IsMap()) Fail(node, where + ": expected a mapping of settings (key: value)");
  std::set<std::string> seen;
  for (const auto& entry : node) {
    std::string key = yaml::Scalar(entry.first, "a key");
    if (!seen.insert(key).second) Fail(entry.first, key + ": given twice");
    auto it = Fields().find(key);
    if (it == Fields().end())
      Fail(entry.first, "unknown setting \"" + key + "\" (known: " + Known() + ")");
    it->second(entry.second, key, &base);
  }
  if (base.min_rto > base.max_rto) Fail(node, where + ": min_rto is above max_rto");
  return base;
}

}  // namespace

const Policy& PolicySet::For(const std::string& volume) const {
  auto it = volumes.find(volume);
  return it == volumes.end() ? defaults : it->second;
}

Result<PolicySet> ParsePolicy(std::string_view text, std::string_view file) {
  PolicySet set;
  Status status = yaml::Parse(text, file, [&](const YAML::Node& root) {
    if (root.IsNull()) return;
    if (!root.IsMap()) Fail(root, "expected \"defaults:\" and \"volumes:\"");
    for (const auto& entry : root) {
      std::string key = yaml::Scalar(entry.first, "a key");
      if (key != "defaults" && key != "volumes")
        Fail(entry.first, "unknown section \"" + key + "\" (known: defaults, volumes)");
    }
    set.defaults = ReadPolicy(root["defaults"], "defaults", Policy());
    const YAML::Node volumes = root["volumes"];
    if (!volumes.IsDefined() || volumes.IsNull()) return;
    if (!volumes.IsMap()) Fail(volumes, "volumes: expected a mapping of volume names");
    for (const auto& entry : volumes) {
      std::string name = yaml::Scalar(entry.first, "a volume");
      if (set.volumes.count(name)) Fail(entry.first, name + ": given twice");
      set.volumes[name] = ReadPolicy(entry.second, name, set.defaults);
    }
  });
  if (!status.ok()) return status;
  return set;
}

Result<PolicySet> ReadPolicyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return PolicySet();
  std::string error;
  auto text = ReadWholeFile(path, &error);
  if (!text) return Status::Error(error, std::errc::io_error);
  return ParsePolicy(*text, path);
}

}  // namespace amd::failover
