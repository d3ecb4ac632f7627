// The failover policy file: defaults, per-volume overrides, and errors
// that name the file, line and column.
#include "failover/policy_file.h"

#include <catch2/catch.hpp>

namespace amd::failover {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("failover policy: defaults, and a volume's settings over them", "[unit]") {
  auto p = ParsePolicy(
      "defaults:\n"
      "  probe_interval: 500ms\n"
      "  switch_ratio: 3\n"
      "volumes:\n"
      "  /export/vol:\n"
      "    return_dwell: 5m\n"
      "    down_after: 3\n"
      "  /export/other:\n",
      "failover.yaml");
  REQUIRE(p.ok());
  CHECK(p->defaults.probe_interval == milliseconds(500));
  CHECK(p->defaults.switch_ratio == 3);
  CHECK(p->defaults.min_dwell == Policy().min_dwell);  // built in
  const Policy& vol = p->For("/export/vol");
  CHECK(vol.return_dwell == minutes(5));
  CHECK(vol.down_after == 3);
  CHECK(vol.probe_interval == milliseconds(500));  // from the file's defaults
  CHECK(p->For("/export/other").switch_ratio == 3);
  CHECK(p->For("/export/unknown").probe_interval == milliseconds(500));
}

TEST_CASE("failover policy: an empty or missing file is the built-in policy", "[unit]") {
  auto empty = ParsePolicy("", "failover.yaml");
  REQUIRE(empty.ok());
  CHECK(empty->defaults.min_dwell == Policy().min_dwell);
  auto missing = ReadPolicyFile("/nonexistent/failover.yaml");
  REQUIRE(missing.ok());
  CHECK(missing->volumes.empty());
}

TEST_CASE("failover policy: errors name the file, line and column", "[unit]") {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"defaults:\n  swtich_ratio: 2\n",
                "f.yaml:2:3: unknown setting \"swtich_ratio\" (known: "},
           Case{"defaults:\n  probe_interval: soon\n",
                "f.yaml:2:19: probe_interval: \"soon\" is not a time (150ms, 2s, 5m, 1h)"},
           Case{"defaults:\n  probe_interval: 1ms\n",
                "f.yaml:2:19: probe_interval: 1ms is out of range (10 ms to 3600 s)"},
           Case{"defaults:\n  switch_ratio: 0.5\n",
                "f.yaml:2:17: switch_ratio: 0.5 is out of range (1 to 1000)"},
           Case{"defaults:\n  down_after: 1.5\n",
                "f.yaml:2:15: down_after: 1.5 is not a whole number"},
           Case{"defaults:\n  min_rto: 2s\n  max_rto: 1s\n",
                "f.yaml:2:3: defaults: min_rto is above max_rto"},
           Case{"volumes:\n  /v:\n    a: 1\n", "f.yaml:3:5: unknown setting \"a\""},
           Case{"volume:\n  /v:\n",
                "f.yaml:1:1: unknown section \"volume\" (known: defaults, volumes)"},
           Case{"defaults: [1, 2]\n", "f.yaml:1:11: defaults: expected a mapping of settings"},
           Case{"defaults:\n  switch_ratio: 2\n  switch_ratio: 3\n",
                "f.yaml:3:3: switch_ratio: given twice"},
           Case{"defaults: {\n", "f.yaml:"},
       }) {
    auto p = ParsePolicy(c.text, "f.yaml");
    INFO(c.text);
    REQUIRE_FALSE(p.ok());
    INFO(p.status().context());
    CHECK(p.status().context().rfind(c.error, 0) == 0);
  }
}

}  // namespace
}  // namespace amd::failover
