// The floor: the fastest any autofs-based daemon can be. A minimal
// responder that reads the kernel's packet, makes the directory, bind
// mounts the source with mount(2), and answers READY. No map, no logging,
// no threads. It runs in a child process of its own process group (so the
// benchmark's accesses trigger it) until it is killed; on SIGTERM it
// unmounts what it mounted and its autofs mount.
#ifndef AMD_BENCH_FLOOR_H_
#define AMD_BENCH_FLOOR_H_

#include <sys/types.h>

#include <string>

namespace amd::bench {

// Starts the floor responder on `dir` serving `source_root`/<key>; returns
// its pid once its autofs mount is in place, or -1.
pid_t StartFloor(const std::string& dir, const std::string& source_root);

}  // namespace amd::bench

#endif  // AMD_BENCH_FLOOR_H_
