// The relays of replicated volumes on this host, as amq sees them: each
// amd-relay answers on a socket in RelayDirectory() (fs_types/types.h),
// whether this amd or an earlier one started it. Asked with the relay's
// control requests (relay/control.h).
//
// Threading: blocking (each relay has a few seconds to answer); never on
// the engine's thread. Ownership: values.
#ifndef AMD_AMD_RELAYS_H_
#define AMD_AMD_RELAYS_H_

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace amd {

// Every relay's state (JSON objects in an array), or those whose mount
// point or volume is `path` when it is not empty.
std::string RelayStates(const std::string& path);
// Asks the relay whose mount point or volume is `path` to switch to
// `replica` (name or host), or to the best one when it is empty: "ok ..."
// or why not.
Result<std::string> SwitchRelay(const std::string& path, const std::string& replica);
// Asks every relay to read its policy file again (amd's SIGHUP): per
// relay its mount point and what it answered ("ok ..." or why not).
std::vector<std::pair<std::string, std::string>> ReloadRelays();

}  // namespace amd

#endif  // AMD_AMD_RELAYS_H_
