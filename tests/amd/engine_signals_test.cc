// What an engine process does on each signal.
#include "amd/engine_signals.h"

#include <signal.h>

#include <catch2/catch.hpp>

namespace amd {
namespace {

TEST_CASE("engine signals: each signal's action", "[unit]") {
  SignalContext leave{false, false}, unmount{true, false}, nfs{false, true};
  CHECK(EngineSignalAction(SIGTERM, leave) == SignalAction::kStopLeaving);
  CHECK(EngineSignalAction(SIGTERM, unmount) == SignalAction::kStopUnmounting);
  CHECK(EngineSignalAction(SIGINT, leave) == SignalAction::kStopUnmounting);  // always
  CHECK(EngineSignalAction(SIGHUP, leave) == SignalAction::kReload);
  CHECK(EngineSignalAction(SIGUSR1, leave) == SignalAction::kReleaseOwnership);
  CHECK(EngineSignalAction(SIGUSR1, nfs) == SignalAction::kHandOver);
  CHECK(EngineSignalAction(SIGUSR2, nfs) == SignalAction::kSupervisorGone);
  CHECK(EngineSignalAction(SIGQUIT, nfs) == SignalAction::kIgnore);
}

}  // namespace
}  // namespace amd
