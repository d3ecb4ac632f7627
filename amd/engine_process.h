// One engine process (see supervisor.h): the io_context and its thread,
// the worker pool, the engine, its front ends (autofs, and the classic NFS
// server when a section asks for it), AMQ, systemd's watchdog, and the
// signals, until SIGTERM or SIGINT. Start-up order: ownership of the
// mounts first (an orphan engine is asked to hand them over), then the
// NFS front end (its port, or the sockets the supervisor held), the
// engine, AMQ, and the requests a previous engine left unanswered.
//
// Threading: constructed and run on the process's one thread, which
// becomes the engine thread.
#ifndef AMD_AMD_ENGINE_PROCESS_H_
#define AMD_AMD_ENGINE_PROCESS_H_

#include <memory>

#include "amd/supervisor.h"
#include "conf/command_line.h"
#include "conf/config.h"

namespace spdlog {
class logger;
}

namespace amd {

// Runs the engine process; its exit status.
int RunEngineProcess(const conf::ParsedArgs& args, std::shared_ptr<const conf::Config> config,
                     const std::shared_ptr<spdlog::logger>& log, EngineStart& start);

// amd.conf again, with the same command line (SIGHUP, a new engine).
// nullptr (and the reasons in diag) when it cannot be read or has errors.
std::shared_ptr<const conf::Config> LoadConfig(const conf::ParsedArgs& args, Diagnostics* diag);

}  // namespace amd

#endif  // AMD_AMD_ENGINE_PROCESS_H_
