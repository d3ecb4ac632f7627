// The amd command line (am-utils amd/get_args.c, getopt string
// "+nprvSa:c:d:k:l:o:t:w:x:y:C:D:F:T:O:HA:") plus this amd's long options.
// Flags become amd.conf option settings so that one table validates both.
// Pure: argv in, a ParsedArgs out.
//
// Threading: any thread. Ownership: the ParsedArgs is the caller's.
#ifndef AMD_CONF_COMMAND_LINE_H_
#define AMD_CONF_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "conf/config.h"

namespace amd::conf {

struct ParsedArgs {
  CommandLine cmd;
  bool print_version = false;  // -v
  bool usage = false;          // -H or --help
  bool print_config = false;   // --print-config
  bool json = false;           // --json
  std::string explain_path;    // --explain PATH
  bool foreground = false;     // -D nodaemon / --foreground
  bool no_self_mount = false;  // --no-self-mount: the NFS front end serves but is not mounted
  std::vector<std::string> errors;
};

ParsedArgs ParseAmdArgs(const std::vector<std::string>& args);

// Whether /etc/amd.conf (or -F's file) is read: when -F names a file, or
// when the command line names no maps.
bool ReadsConfFile(const ParsedArgs& args);

extern const char kAmdUsage[];

}  // namespace amd::conf

#endif  // AMD_CONF_COMMAND_LINE_H_
