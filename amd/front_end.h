// FrontEnd: how the kernel asks amd for a key and how it sees the answer.
// The engine serves every automount point through one of these and never
// knows which: autofs (AutofsPoints, kernel-shim's autofs mounts, keys
// mounted in place) or the classic NFS server of names (NfsFrontEnd, keys
// shown as links into ${autodir}).
//
// The contract, as the engine uses it:
//  - a point is a kernel::AutofsEndpoint the front end opens (new, or
//    taken over from an earlier amd); it reports requests as autofs
//    packets (kMissing*: mount the key; kExpire*: unmount it) to the
//    engine's OnPacket, each answered once through its token (AutofsReply,
//    move-only) with Ready or Fail;
//  - before Ready, ShowTarget tells the point what the key shows;
//  - expiry is asked for through the endpoint's ExpireOne (autofs: the
//    kernel's expire ioctl; nfs: keys idle past their time);
//  - the engine adopts what an earlier amd mounted below an adopted point.
//
// A FUSE front end implements the same: its directories are endpoints,
// its LOOKUP becomes a kMissing packet answered through the token. See
// DESIGN.md.
//
// Threading: name(), shows() and serves_direct() anywhere; the rest block
// (mount(2), ioctls) and run on worker threads or at engine start-up,
// never on the engine thread in steady state. A front end outlives the
// engine that uses it. Endpoints returned are owned by the caller.
#ifndef AMD_AMD_FRONT_END_H_
#define AMD_AMD_FRONT_END_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kernel-shim/autofs_mount.h"
#include "kernel-shim/mountinfo.h"

namespace amd {

class SharedMounts;

class FrontEnd {
 public:
  // What a browsable directory lists besides its mounted keys; null when
  // it is not browsable.
  using ListKeys = std::function<std::vector<std::string>()>;
  // How a mounted key is shown.
  enum class Shows {
    kInPlace,          // the file system is mounted at the key (autofs)
    kLinkIntoAutodir,  // mounted at ${fs}; the key is a link to it (nfs)
  };
  struct Opened {
    std::unique_ptr<kernel::AutofsEndpoint> endpoint;
    bool created_dir = false;  // the directory was made for it (removed with it)
    // The earlier amd's mount taken over (with what is below it), an
    // entry of the table OpenPoint was given; null for a new point.
    const kernel::MountInfoEntry* adopted = nullptr;
    std::string warning;  // for the log: why an earlier point was not taken over
  };

  virtual ~FrontEnd() = default;
  // Its amd.conf mount_type ("autofs", "nfs").
  virtual std::string_view name() const = 0;
  virtual Shows shows() const = 0;
  // Whether it can serve a direct map (one point per absolute key).
  virtual bool serves_direct() const = 0;
  // Whether it checked a key unused before asking to expire it, so that a
  // lazy unmount of it is safe (autofs: the kernel did).
  virtual bool expiry_checks_use() const = 0;

  // The point of an amd.conf section at `path`: what an earlier amd left
  // there (in `table`) taken over, else a new one (the directory made
  // when missing). Start-up and reconfiguration only.
  virtual Result<Opened> OpenPoint(const std::string& path, kernel::AutofsKind kind,
                                   const std::vector<kernel::MountInfoEntry>& table,
                                   ListKeys browsable) = 0;
  // A type:=auto key's own point at `path` (below a point of this front
  // end). Worker thread.
  virtual Result<std::unique_ptr<kernel::AutofsEndpoint>> OpenSubMap(const std::string& path,
                                                                     ListKeys browsable) = 0;
  // An earlier amd's sub-map point at `path` (what mountinfo shows there),
  // below an adopted point; an error when it cannot be taken over.
  virtual Result<std::unique_ptr<kernel::AutofsEndpoint>> AdoptSubMap(
      const std::string& path, const kernel::MountInfoEntry& entry) = 0;
  // Takes a sub-map point down once its key expired. Worker thread.
  virtual Status CloseSubMap(kernel::AutofsEndpoint& point) = 0;
  // unmount_on_exit = no: what becomes of a point amd leaves. True when
  // it stays for the next amd to adopt (autofs: catatonic); false when it
  // was taken down (nfs: nobody would answer it). Worker thread.
  virtual Result<bool> Leave(kernel::AutofsEndpoint& point, bool top_level) = 0;
  // Start-up: what an earlier amd mounted for this front end's keys that
  // several keys share (nfs: file systems under ${autodir}).
  virtual void FindShared(const std::vector<kernel::MountInfoEntry>& /*table*/,
                          const std::string& /*autodir*/, SharedMounts& /*shared*/) {}
  // Start-up is over: what was kept for adoption and not used is let go.
  virtual void StartDone() {}
};

}  // namespace amd

#endif  // AMD_AMD_FRONT_END_H_
