// Typed fields of a YAML file (yaml-cpp), each checked where it is read,
// for the project's YAML configurations (rlpd.yaml, the failover policy):
// a bad value stops the parse with a message that names the key, and
// Parse turns it into "FILE:LINE:COLUMN: message".
//
// Pure; any thread. Ownership: values returned are the caller's.
#ifndef AMD_BASE_YAML_FIELDS_H_
#define AMD_BASE_YAML_FIELDS_H_

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace amd::yaml {

// Thrown by the readers below, inside Parse only.
struct FieldError {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& n, std::string message);
std::string Scalar(const YAML::Node& n, const std::string& key);
bool Bool(const YAML::Node& n, const std::string& key);
double Number(const YAML::Node& n, const std::string& key, double lo, double hi);
// A number with no fraction.
long Whole(const YAML::Node& n, const std::string& key, double lo, double hi);
std::vector<std::string> List(const YAML::Node& n, const std::string& key);
// A time: "150ms", "2s", "5m", "1h", or a number of seconds.
std::chrono::microseconds Duration(const YAML::Node& n, const std::string& key,
                                   std::chrono::microseconds lo, std::chrono::microseconds hi);

// Loads `text` and hands its root to `read`; YAML syntax errors and the
// readers' failures come back as "FILE:LINE:COLUMN: message".
Status Parse(std::string_view text, std::string_view file,
             const std::function<void(const YAML::Node& root)>& read);

}  // namespace amd::yaml

#endif  // AMD_BASE_YAML_FIELDS_H_
