// The failover policy file (YAML, read with yaml-cpp): the defaults for
// every replicated volume, and overrides per volume, each a Policy field
// (policy.h) by its name:
//
//   defaults:
//     probe_interval: 2s
//     switch_ratio: 2
//   volumes:
//     /export/vol:
//       return_dwell: 5m
//
// Times are "150ms", "2s", "5m", "1h" or a number of seconds. Every error
// names the file, line and column; a file with an error yields no policy
// (the caller keeps the one it has).
//
// Pure but for ReadPolicyFile's read; any thread. Ownership: the
// PolicySet returned is the caller's.
#ifndef AMD_FAILOVER_POLICY_FILE_H_
#define AMD_FAILOVER_POLICY_FILE_H_

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "failover/policy.h"

namespace amd::failover {

struct PolicySet {
  Policy defaults;
  std::map<std::string, Policy> volumes;  // by volume name
  // The policy of `volume`: its own, else the defaults.
  const Policy& For(const std::string& volume) const;
};

Result<PolicySet> ParsePolicy(std::string_view text, std::string_view file);
// A file that does not exist gives the built-in defaults.
Result<PolicySet> ReadPolicyFile(const std::string& path);

}  // namespace amd::failover

#endif  // AMD_FAILOVER_POLICY_FILE_H_
