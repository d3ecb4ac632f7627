// rlpd's command line, parsed (pure; unit-tested): -c FILE, -p PORT, -v,
// --check, -h.
//
// Any thread; returns values the caller owns.
#ifndef AMD_RLP_RLPD_ARGS_H_
#define AMD_RLP_RLPD_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace amd::rlp {

extern const char kRlpdUsage[];

struct RlpdArgs {
  std::string config_path;       // -c, else kDefaultRlpdConfig
  bool explicit_config = false;  // -c was given
  bool check = false;            // --check
  bool verbose = false;          // -v
  uint16_t port_override = 0;    // -p, 0 when not given
};

// The arguments after argv[0]. On a bad or help argument: nullopt, with
// `exit_status` (0 for -h) and `message` to print on standard error.
std::optional<RlpdArgs> ParseRlpdArgs(const std::vector<std::string>& args, int* exit_status,
                                      std::string* message);

}  // namespace amd::rlp

#endif  // AMD_RLP_RLPD_ARGS_H_
