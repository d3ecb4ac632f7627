// rlpd's command line; see rlpd_args.h.
#include "rlp/rlpd_args.h"

#include "base/strings.h"
#include "rlp/rlpd_config.h"

namespace amd::rlp {

const char kRlpdUsage[] =
    "usage: rlpd [-c FILE] [-p PORT] [-v] [--check]\n"
    "  -c FILE   configuration (default /etc/rlpd.yaml; when not given and\n"
    "            missing, answer for the local MOUNT service's exports)\n"
    "  -p PORT   UDP port to listen on (default 39, or the file's port)\n"
    "  -v        log every answer\n"
    "  --check   read the configuration and the export list, print what\n"
    "            would be provided, and exit (1 if the file has an error)\n";

std::optional<RlpdArgs> ParseRlpdArgs(const std::vector<std::string>& args, int* exit_status,
                                      std::string* message) {
  RlpdArgs out;
  out.config_path = kDefaultRlpdConfig;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      out.config_path = args[++i];
      out.explicit_config = true;
    } else if ((a == "-p" || a == "--port") && i + 1 < args.size()) {
      auto port = ParseInteger(args[++i]);
      if (!port || *port < 1 || *port > 65535) {
        *exit_status = 2;
        *message = "rlpd: -p " + args[i] + ": not a port\n";
        return std::nullopt;
      }
      out.port_override = static_cast<uint16_t>(*port);
    } else if (a == "-v") {
      out.verbose = true;
    } else if (a == "--check") {
      out.check = true;
    } else {
      *exit_status = a == "-h" || a == "--help" ? 0 : 2;
      *message = kRlpdUsage;
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace amd::rlp
