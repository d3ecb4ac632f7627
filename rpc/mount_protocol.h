// The MOUNT protocol, version 3 (RFC 1813 appendix I), as far as amd uses
// it: the export list (MOUNTPROC3_EXPORT) that type:=host mounts from and
// rlpd answers with. The list is a chain of XDR optional-data nodes;
// decoding walks it iteratively with bounds, so a hostile server can
// neither exhaust the stack nor make amd allocate without limit.
//
// Threading: codecs are pure; FetchExports blocks (worker threads, commands).
// Ownership: the list is the caller's.
#ifndef AMD_RPC_MOUNT_PROTOCOL_H_
#define AMD_RPC_MOUNT_PROTOCOL_H_

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace amd::rpc {

constexpr uint32_t kMountProgram = 100005;
constexpr uint32_t kMountVersion3 = 3;
constexpr uint32_t kMountProcExport = 5;
constexpr size_t kMntPathLen = 1024;   // MNTPATHLEN
constexpr size_t kMntNamLen = 255;     // MNTNAMLEN
constexpr size_t kMaxExports = 65536;  // amd's own bound on the list
constexpr size_t kMaxGroups = 4096;    // and on each export's groups

struct ExportEntry {
  std::string dir;                  // ex_dir
  std::vector<std::string> groups;  // ex_groups: who may mount it
  bool operator==(const ExportEntry&) const = default;
};

// The XDR `exports` of an EXPORT reply, and back.
Result<std::vector<ExportEntry>> DecodeExports(std::span<const uint8_t> bytes);
std::vector<uint8_t> EncodeExports(const std::vector<ExportEntry>& exports);

// Asks `host`'s MOUNT service (at `port`, else through rpcbind) for its
// exports: over TCP, then UDP; or only over `proto` ("tcp"/"udp") when
// given. From a reserved port when this process may bind one.
Result<std::vector<ExportEntry>> FetchExports(sockaddr_in host, std::optional<uint16_t> port,
                                              std::string_view proto,
                                              std::chrono::milliseconds timeout);

}  // namespace amd::rpc

#endif  // AMD_RPC_MOUNT_PROTOCOL_H_
