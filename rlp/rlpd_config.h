// rlpd's configuration: /etc/rlpd.yaml.
//
//   volumes:            # NFS volumes this host provides, by export path
//     - /export/vol
//   mount_exports: true # also every export of the local MOUNT service
//   mount_host: 127.0.0.1
//   mount_port: 0       # 0: ask rpcbind
//   refresh: 30         # seconds between reads of the export list
//   resources:          # other resources: udp/PORT[/DATA], tcp/PORT[/DATA]
//     - tcp/22
//   listen: 0.0.0.0
//   port: 39
//   rate_limit: 50      # answers per second to one source (0: no limit)
//   burst: 100
//
// Every key is optional. An unknown key, a value of the wrong kind or a
// YAML syntax error is an error naming the file, line and column.
//
// Threading: any thread; ReadRlpdConfig blocks on the file. Ownership: the
// config is the caller's.
#ifndef AMD_RLP_RLPD_CONFIG_H_
#define AMD_RLP_RLPD_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rlp/rlp_responder.h"

namespace amd::rlp {

constexpr char kDefaultRlpdConfig[] = "/etc/rlpd.yaml";

struct RlpdConfig {
  std::vector<std::string> volumes;
  std::vector<Resource> resources;
  bool mount_exports = true;
  std::string mount_host = "127.0.0.1";
  uint16_t mount_port = 0;  // 0: rpcbind
  std::chrono::seconds refresh{30};
  std::string listen = "0.0.0.0";
  uint16_t port = kPort;
  Responder::Limits limits;
  std::vector<std::string> warnings;  // "file:line: ..." for the log
};

// Parses `text`, read from `file` (for messages).
Result<RlpdConfig> ParseRlpdConfig(std::string_view text, std::string_view file);
// Reads and parses `path`; a missing file gives the defaults, with a
// warning when `must_exist`.
Result<RlpdConfig> ReadRlpdConfig(const std::string& path, bool must_exist);

}  // namespace amd::rlp

#endif  // AMD_RLP_RLPD_CONFIG_H_
