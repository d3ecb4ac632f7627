// NfsFrontEnd: the classic Amd front end (mount_type = nfs). amd is an
// NFS version 3 server on loopback (TCP, and UDP for clients that want
// it) that serves only names: each automount directory is a directory of
// this server, and each key in it a symbolic link to where the key's file
// system is mounted under ${autodir}. The kernel mounts this server on
// the automount directory (amd does it with mount(2)); a LOOKUP or
// READLINK of a key that is not mounted is handed to the engine as an
// autofs-style "missing" request and answered when the engine answers it
// (deferred, never dropped); expiry is driven from here as the kernel
// drives it for autofs, by asking the engine to expire keys that have not
// been used for their idle time.
//
// The same port serves MOUNT version 3 (MNT of a directory's path gives
// its handle), which is how the kernel mounts it.
//
// File handles hold the directory's path hash and the key's name (keys
// longer than 48 bytes hold a hash of it), so they mean the same in the
// next amd: after kill -9, `amd -r` binds the same port and the kernel's
// mounts of amd keep working.
//
// Requests are taken from a privileged port on one of this host's
// addresses (the address amd listens on, unless nfs_allow_any_interface)
// and refused (AUTH_TOOWEAK, with a log line) otherwise, unless
// nfs_allow_insecure_port.
//
// Threading: the server runs on its own thread with its own io_context, so
// a mount(2) of amd on the engine thread (which calls back into this
// server) cannot deadlock and a LOOKUP of a mounted key never waits for
// the engine. Public methods are thread-safe.
#ifndef AMD_AMD_NFS_FRONT_END_H_
#define AMD_AMD_NFS_FRONT_END_H_

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "amd/front_end.h"
#include "base/status.h"
#include "kernel-shim/autofs_mount.h"
#include "kernel-shim/autofs_packet.h"
#include "kernel-shim/kernel.h"

namespace amd {

struct NfsFrontEndStats {
  uint64_t calls = 0;
  uint64_t lookups = 0;
  uint64_t readlinks = 0;
  uint64_t deferred = 0;  // answered after a mount
  uint64_t refused = 0;   // from a port or address not allowed
  uint64_t garbage = 0;   // malformed calls
  uint64_t stale = 0;     // handles that name nothing
};

class NfsFrontEnd : public FrontEnd {
 public:
  struct Settings {
    std::string address = "127.0.0.1";  // localhost_address
    uint16_t port = 0;                  // 0: any free port
    bool allow_insecure_port = false;   // nfs_allow_insecure_port
    bool allow_any_interface = false;   // nfs_allow_any_interface
    bool mount_self = true;             // false: serve without mount(2) (--no-self-mount)
    long attr_cache = 0;                // auto_attrcache: seconds, 0: noac
    std::string timeo;                  // nfs_retry_interval_toplvl (tenths), or ""
    std::string retrans;                // nfs_retransmit_counter_toplvl, or ""
    // Sockets an earlier engine served on (-1: none), taken over instead of
    // binding anew, so that the port stays the same across engine restarts.
    int adopt_tcp_fd = -1, adopt_udp_fd = -1;
  };
  // Hands a request for a key to the engine: kMissingIndirect (mount it)
  // or kExpireIndirect (unmount it), for the directory at `dir`. Called on
  // the server's thread.
  using Deliver = std::function<void(const std::string& dir, const kernel::AutofsPacket& packet)>;
  // Tells the engine that nobody waits any more for the mount request
  // `token` in `dir`: every caller that asked closed its TCP connection.
  // Called on the server's thread.
  using Abandon = std::function<void(const std::string& dir, uint32_t token)>;
  // What a browsable directory lists besides its mounted keys.

  NfsFrontEnd(Settings settings, Deliver deliver, kernel::Kernel& kernel,
              std::shared_ptr<spdlog::logger> log, Abandon abandon = nullptr);
  ~NfsFrontEnd() override;
  NfsFrontEnd(const NfsFrontEnd&) = delete;
  NfsFrontEnd& operator=(const NfsFrontEnd&) = delete;

  // Binds and starts serving on its own thread.
  Status Start();
  uint16_t port() const { return port_; }
  // The listening sockets (owned here), for the supervisor to hold for the
  // next engine.
  std::pair<int, int> sockets();
  // Serves `path` as an automount directory. A top-level one is mounted
  // with mount(2) (unless mount_self is off, or amd's NFS mount from an
  // earlier amd is already there, which is taken over). Blocking; never
  // call it on the server's thread.
  Result<std::unique_ptr<kernel::AutofsEndpoint>> CreateDirectory(const std::string& path,
                                                                  bool top_level,
                                                                  ListKeys browsable);
  // The mount(2) data string that mounts this server's directory.
  std::string MountData() const;
  NfsFrontEndStats stats() const;
  // Stops serving (outstanding requests are failed).
  void Stop();

  // FrontEnd: every directory is one of this server's; keys are links
  // into ${autodir}; a direct map is not served; expiry does not know
  // whether a key is in use (a busy mount stays).
  std::string_view name() const override { return "nfs"; }
  Shows shows() const override { return Shows::kLinkIntoAutodir; }
  bool serves_direct() const override { return false; }
  bool expiry_checks_use() const override { return false; }
  Result<Opened> OpenPoint(const std::string& path, kernel::AutofsKind kind,
                           const std::vector<kernel::MountInfoEntry>& table,
                           ListKeys browsable) override;
  Result<std::unique_ptr<kernel::AutofsEndpoint>> OpenSubMap(const std::string& path,
                                                             ListKeys browsable) override;
  Result<std::unique_ptr<kernel::AutofsEndpoint>> AdoptSubMap(
      const std::string& path, const kernel::MountInfoEntry& entry) override;
  Status CloseSubMap(kernel::AutofsEndpoint& point) override;
  // A top-level directory is unmounted (lazily when busy): nobody would
  // answer it. What is mounted under ${autodir} stays.
  Result<bool> Leave(kernel::AutofsEndpoint& point, bool top_level) override;
  // File systems under ${autodir}: the first key that mounts there again
  // takes each over.
  void FindShared(const std::vector<kernel::MountInfoEntry>& table, const std::string& autodir,
                  SharedMounts& shared) override;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// The port of amd's NFS mount of `path` left by an earlier amd (from
// /proc/self/mountinfo), if there is one.
std::optional<uint16_t> EarlierNfsPort(const std::vector<kernel::MountInfoEntry>& table,
                                       const std::string& path);

}  // namespace amd

#endif  // AMD_AMD_NFS_FRONT_END_H_
