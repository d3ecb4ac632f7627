// What an engine process does on a signal; see engine_signals.h.
#include "amd/engine_signals.h"

#include <signal.h>

namespace amd {

SignalAction EngineSignalAction(int sig, const SignalContext& context) {
  switch (sig) {
    case SIGUSR2:
      return SignalAction::kSupervisorGone;
    case SIGUSR1:
      return context.serves_nfs_front_end ? SignalAction::kHandOver
                                          : SignalAction::kReleaseOwnership;
    case SIGHUP:
      return SignalAction::kReload;
    case SIGINT:
      return SignalAction::kStopUnmounting;
    case SIGTERM:
      return context.unmount_on_exit ? SignalAction::kStopUnmounting : SignalAction::kStopLeaving;
    default:
      return SignalAction::kIgnore;
  }
}

}  // namespace amd
