// The amd daemon's life: detach (unless told to stay in the foreground or
// started by systemd), lock memory (plock), mount the automount points, tell
// systemd READY=1, serve until SIGTERM/SIGINT, re-read maps on SIGHUP, and
// on the way out unmount what it mounted.
//
// Threading: called once, on the process's only thread, before any other
// exists. Ownership: nothing returned but the exit status.
#ifndef AMD_AMD_DAEMON_H_
#define AMD_AMD_DAEMON_H_

#include <memory>
#include <string>

#include "conf/command_line.h"
#include "conf/config.h"

namespace amd {

// Returns the process's exit status.
int RunDaemon(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config);

}  // namespace amd

#endif  // AMD_AMD_DAEMON_H_
