// rlpd's configuration; see rlpd_config.h.
#include "rlp/rlpd_config.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <set>

#include "base/files.h"
#include "base/yaml_fields.h"

namespace amd::rlp {
namespace {

using yaml::Bool;
using yaml::Fail;
using yaml::List;
using yaml::Number;
using yaml::Scalar;
using yaml::Whole;

std::string Ipv4(const YAML::Node& n, const std::string& key) {
  std::string v = Scalar(n, key);
  in_addr a{};
  if (::inet_pton(AF_INET, v.c_str(), &a) != 1)
    Fail(n, key + ": \"" + v + "\" is not an IPv4 address");
  return v;
}

}  // namespace

Result<RlpdConfig> ParseRlpdConfig(std::string_view text, std::string_view file) {
  RlpdConfig c;
  Status status = yaml::Parse(text, file, [&](const YAML::Node& root) {
    if (root.IsNull()) return;
    if (!root.IsMap()) Fail(root, "expected a mapping of settings (key: value)");
    std::set<std::string> seen;
    for (const auto& entry : root) {
      std::string key = Scalar(entry.first, "a key");
      const YAML::Node& v = entry.second;
      if (!seen.insert(key).second) Fail(entry.first, key + ": given twice");
      if (key == "volumes") {
        for (auto& p : List(v, key)) {
          if (!p.starts_with('/')) Fail(v, key + ": \"" + p + "\" is not an absolute export path");
          if (p.size() > 253)
            Fail(v, key + ": \"" + p.substr(0, 40) + "...\" is longer than 253 octets");
          c.volumes.push_back(p);
        }
      } else if (key == "resources") {
        for (auto& r : List(v, key)) {
          auto parsed = ParseResource(r);
          if (!parsed.ok()) Fail(v, key + ": " + parsed.status().context());
          c.resources.push_back(std::move(*parsed));
        }
      } else if (key == "mount_exports") {
        c.mount_exports = Bool(v, key);
      } else if (key == "mount_host") {
        c.mount_host = Ipv4(v, key);
      } else if (key == "mount_port") {
        c.mount_port = static_cast<uint16_t>(Whole(v, key, 0, 65535));
      } else if (key == "refresh") {
        c.refresh = std::chrono::seconds(Whole(v, key, 1, 86400));
      } else if (key == "listen") {
        c.listen = Ipv4(v, key);
      } else if (key == "port") {
        c.port = static_cast<uint16_t>(Whole(v, key, 1, 65535));
      } else if (key == "rate_limit") {
        c.limits.rate = Number(v, key, 0, 1e9);
      } else if (key == "burst") {
        c.limits.burst = Number(v, key, 1, 1e9);
      } else {
        Fail(entry.first, "unknown setting \"" + key +
                              "\" (known: volumes, mount_exports, mount_host, mount_port, refresh, "
                              "resources, listen, port, "
                              "rate_limit, burst)");
      }
    }
    if (c.volumes.empty() && c.resources.empty() && !c.mount_exports) {
      c.warnings.push_back(
          std::string(file) +
          ": provides nothing (no volumes, no resources, mount_exports false): rlpd will answer "
          "Do-You-Provide? with empty lists and stay silent on broadcasts");
    }
  });
  if (!status.ok()) return status;
  return c;
}

Result<RlpdConfig> ReadRlpdConfig(const std::string& path, bool must_exist) {
  struct stat st;
  if (!must_exist && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    RlpdConfig c;
    c.warnings.push_back(path +
                         ": not found; answering for the local MOUNT service's exports only");
    return c;
  }
  std::string error;
  auto text = ReadWholeFile(path, &error);
  if (!text) return Status::Error(error, std::errc::io_error);
  return ParseRlpdConfig(*text, path);
}

}  // namespace amd::rlp
