// The engine thread's event loop: io_context::run, except that after each
// burst of work the thread keeps polling for `spin` before it sleeps in
// epoll. A kernel request usually comes with more (the next key, the
// worker's result of the mount just started), and a thread that is still
// awake answers them without the cost of a wake-up (some 8 µs on a VM);
// an idle daemon sleeps as before.
//
// Ownership: nothing; the io_context is the caller's.
#ifndef AMD_AMD_RUN_LOOP_H_
#define AMD_AMD_RUN_LOOP_H_

#include <sched.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace amd {

void RunSpinning(boost::asio::io_context& io, std::chrono::microseconds spin);

// One turn of a spin-wait loop. It yields the CPU, so that a spinning
// thread never keeps a runnable one (the process amd just answered, a
// worker with a mount to make) waiting on a machine with few CPUs.
inline void SpinPause() { ::sched_yield(); }

}  // namespace amd

#endif  // AMD_AMD_RUN_LOOP_H_
