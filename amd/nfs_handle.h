// The classic NFS front end's file handles: the restart-stability
// contract. A handle holds no state of the running amd, only names and
// hashes of paths, so the handles a kernel holds mean the same in the
// next amd (after kill -9, `amd -r` serves the same port and the kernel's
// mounts of amd keep working). Changing the layout breaks that contract;
// tests/amd/nfs_handle_test.cc pins its bytes.
//
// Layout: "amd" 1, the kind, the name's length, two zero bytes, a
// directory's path hash (big-endian), then:
//   kDir      nothing: the directory itself;
//   kKey      a key's name, or, below sub-map directories, its path from
//             the directory ("sub/key");
//   kSubDir   a sub-map directory's path from the directory ("sub");
//   kLongKey  the hash of a key's name too long for a handle.
//
// Pure functions; any thread. Parsed handles view the bytes given.
//
// Ownership: handles made are the caller's bytes.
#ifndef AMD_AMD_NFS_HANDLE_H_
#define AMD_AMD_NFS_HANDLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rpc/nfs3_protocol.h"

namespace amd {

enum class NfsHandleKind : uint8_t { kDir = 1, kKey = 2, kLongKey = 3, kSubDir = 4 };

constexpr size_t kNfsHandleHeader = 16;
// The longest name (or path) a kKey or kSubDir handle holds.
constexpr size_t kMaxNameInHandle = rpc::nfs3::kFhSize - kNfsHandleHeader;

struct NfsHandle {
  NfsHandleKind kind = NfsHandleKind::kDir;
  uint64_t dir = 0;        // the directory's PathHash
  std::string_view name;   // kKey, kSubDir: a view of the parsed bytes
  uint64_t name_hash = 0;  // kLongKey
};

// FNV-1a 64 of `s`, continuing from `h`: the hash of a directory's path
// and of a long key's name.
uint64_t PathHash(std::string_view s, uint64_t h = 1469598103934665603ull);

// A handle of `kind` for directory `dir`; `name` for kKey and kSubDir (at
// most kMaxNameInHandle bytes), hashed for kLongKey.
std::vector<uint8_t> MakeNfsHandle(NfsHandleKind kind, uint64_t dir, std::string_view name = {});

// nullopt for anything that is not a well-formed handle of ours.
std::optional<NfsHandle> ParseNfsHandle(std::span<const uint8_t> fh);

}  // namespace amd

#endif  // AMD_AMD_NFS_HANDLE_H_
