// What an engine process does on each signal it takes (pure; unit-tested;
// the engine process acts on the answer):
//   SIGTERM   stop: unmount everything (unmount_on_exit = yes) or leave
//             every mount for the next amd (no);
//   SIGINT    stop, always unmounting, as the original does;
//   SIGHUP    re-read amd.conf and the maps;
//   SIGUSR1   another amd is taking over (amd/ownership.h): with the NFS
//             front end, leave every mount to it and exit; with autofs
//             only, let go of ownership and serve until it has taken
//             every point over;
//   SIGUSR2   the supervisor died: say so and serve on.
#ifndef AMD_AMD_ENGINE_SIGNALS_H_
#define AMD_AMD_ENGINE_SIGNALS_H_

namespace amd {

enum class SignalAction {
  kIgnore,          // not one of ours
  kSupervisorGone,  // log, and serve on
  kHandOver,        // leave every mount to the next amd and exit
  kReleaseOwnership,
  kReload,
  kStopUnmounting,
  kStopLeaving,
};

struct SignalContext {
  bool unmount_on_exit = false;  // amd.conf
  bool serves_nfs_front_end = false;
};

SignalAction EngineSignalAction(int sig, const SignalContext& context);

}  // namespace amd

#endif  // AMD_AMD_ENGINE_SIGNALS_H_
