// sd_notify(3) without libsystemd: a datagram to $NOTIFY_SOCKET
// ("READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1"). Does nothing when
// the daemon was not started by systemd with Type=notify.
//
// Threading: any thread. Ownership: nothing kept.
#ifndef AMD_AMD_SD_NOTIFY_H_
#define AMD_AMD_SD_NOTIFY_H_

#include <chrono>
#include <optional>
#include <string>

namespace amd {

bool SdNotify(const std::string& state);
// $WATCHDOG_USEC as a duration, when systemd asks for a watchdog.
std::optional<std::chrono::microseconds> SdWatchdogInterval();

}  // namespace amd

#endif  // AMD_AMD_SD_NOTIFY_H_
