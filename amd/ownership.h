// Ownership: which amd engine owns the mounts. Exactly one engine process
// on a host serves amd's mounts; it holds an exclusive flock on
// RUNTIME_DIR/owner, which names its pid. An engine that starts while
// another holds it (the orphaned engine of a killed amd, or a running amd)
// asks that one to hand over (SIGUSR1) and waits for the lock. The engine
// asked leaves every mount to the new one: with mounts of the classic NFS
// front end it stops serving and exits; with autofs mounts only, it lets
// the lock go and serves on until the new amd has taken each automount
// point over through the kernel (Engine::OnPipeClosed).
//
// Used from the engine's thread only; the lock lives as long as the object
// (or until Release).
#ifndef AMD_AMD_OWNERSHIP_H_
#define AMD_AMD_OWNERSHIP_H_

#include <spdlog/logger.h>

#include <chrono>
#include <memory>

#include "base/status.h"

namespace amd {

class Ownership {
 public:
  Ownership() = default;
  ~Ownership() { Release(); }
  Ownership(Ownership&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Ownership& operator=(Ownership&& o) noexcept;

  // Takes the lock, asking its holder to hand over and waiting at most
  // `wait` for it. An error when the holder does not let go.
  static Result<Ownership> Take(spdlog::logger& log, std::chrono::milliseconds wait);
  void Release();

 private:
  int fd_ = -1;
};

}  // namespace amd

#endif  // AMD_AMD_OWNERSHIP_H_
