// amq's command line, parsed without side effects: the flags of am-utils
// 6.2's amq (reference section 6) and ours (--json, --port, --mount-stats,
// --replicas, --switch, --to).
// Pure; what it returns is the caller's.
#ifndef AMD_AMQ_AMQ_ARGS_H_
#define AMD_AMQ_AMQ_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace amd::amq {

struct AmqArgs {
  bool flush = false;           // -f
  bool minfo = false;           // -m
  bool mapinfo = false;         // -i
  bool getpid = false;          // -p
  bool stats = false;           // -s
  bool vers = false;            // -v
  bool pwd = false;             // -w
  bool quiet = false;           // -q
  bool tcp = true;              // -T (alone: TCP only)
  bool udp = true;              // -U (alone: UDP only)
  bool json = false;            // --json
  bool mount_stats = false;     // --mount-stats
  bool replicas = false;        // --replicas [DIR]
  bool switch_replica = false;  // --switch DIR [--to REPLICA]
  std::string switch_dir;       // --switch's directory
  std::string to;               // --to
  // A flag that does something of its own: no default listing then.
  bool nodefault = false;
  int unmount = 0;  // -u: 1, -uu: 2
  std::string server = "localhost";
  std::optional<std::string> debug_opts, logfile, xlog;  // -D, -l, -x
  uint32_t program = 300019;                             // -P
  std::optional<uint16_t> port;                          // --port
  std::vector<std::string> dirs;
};

// The arguments after argv[0]; nullopt when amq should print its usage
// and exit 1 (-H, an unknown flag, a flag without its value, -u without a
// directory).
std::optional<AmqArgs> ParseAmqArgs(const std::vector<std::string>& args);

// The original's usage text.
extern const char kAmqUsage[];

}  // namespace amd::amq

#endif  // AMD_AMQ_AMQ_ARGS_H_
