// Typed YAML fields; see yaml_fields.h.
#include "base/yaml_fields.h"

#include <cmath>

namespace amd::yaml {

void Fail(const YAML::Node& n, std::string message) {
  throw FieldError{n.Mark(), std::move(message)};
}

std::string Scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) Fail(n, key + ": expected a single value");
  return n.Scalar();
}

bool Bool(const YAML::Node& n, const std::string& key) {
  std::string v = Scalar(n, key);
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  Fail(n, key + ": expected true or false, not \"" + v + "\"");
}

namespace {

// `v` as a number, all of it; nullopt otherwise.
std::optional<double> ParseNumber(const std::string& v) {
  size_t used = 0;
  double d = 0;
  try {
    d = std::stod(v, &used);
  } catch (...) {
    used = 0;
  }
  if (used != v.size() || v.empty() || !std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace

double Number(const YAML::Node& n, const std::string& key, double lo, double hi) {
  std::string v = Scalar(n, key);
  auto d = ParseNumber(v);
  if (!d) Fail(n, key + ": \"" + v + "\" is not a number");
  if (*d < lo || *d > hi) {
    Fail(n, key + ": " + v + " is out of range (" + std::to_string(static_cast<long>(lo)) + " to " +
                std::to_string(static_cast<long>(hi)) + ")");
  }
  return *d;
}

long Whole(const YAML::Node& n, const std::string& key, double lo, double hi) {
  double d = Number(n, key, lo, hi);
  if (d != std::floor(d)) Fail(n, key + ": " + n.Scalar() + " is not a whole number");
  return static_cast<long>(d);
}

std::vector<std::string> List(const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) Fail(n, key + ": expected a list");
  for (const auto& item : n) out.push_back(Scalar(item, key));
  return out;
}

std::chrono::microseconds Duration(const YAML::Node& n, const std::string& key,
                                   std::chrono::microseconds lo, std::chrono::microseconds hi) {
  std::string v = Scalar(n, key);
  double unit = 1e6;  // seconds
  std::string number = v;
  for (auto [suffix, us] :
       {std::pair<const char*, double>{"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}}) {
    std::string_view sv(v);
    if (sv.ends_with(suffix)) {
      number = v.substr(0, v.size() - std::string_view(suffix).size());
      unit = us;
      break;
    }
  }
  auto d = ParseNumber(number);
  if (!d || *d < 0) Fail(n, key + ": \"" + v + "\" is not a time (150ms, 2s, 5m, 1h)");
  auto t = std::chrono::microseconds(static_cast<long long>(*d * unit));
  if (t < lo || t > hi) {
    Fail(n, key + ": " + v + " is out of range (" + std::to_string(lo.count() / 1000) + " ms to " +
                std::to_string(hi.count() / 1000000) + " s)");
  }
  return t;
}

Status Parse(std::string_view text, std::string_view file,
             const std::function<void(const YAML::Node& root)>& read) {
  auto where = [&](const YAML::Mark& m) {
    return std::string(file) + ":" + std::to_string(m.line + 1) + ":" +
           std::to_string(m.column + 1) + ": ";
  };
  try {
    read(YAML::Load(std::string(text)));
  } catch (const FieldError& e) {
    return Status::Error(where(e.mark) + e.message);
  } catch (const YAML::Exception& e) {
    return Status::Error(where(e.mark) + e.msg);
  }
  return {};
}

}  // namespace amd::yaml
