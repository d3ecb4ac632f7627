// The NFS front end's file handles; see nfs_handle.h.
#include "amd/nfs_handle.h"

#include <algorithm>
#include <cstring>

namespace amd {
namespace {

constexpr uint8_t kMagic[4] = {'a', 'm', 'd', 1};

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

uint64_t PathHash(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<uint8_t> MakeNfsHandle(NfsHandleKind kind, uint64_t dir, std::string_view name) {
  uint8_t fh[rpc::nfs3::kFhSize] = {};
  std::copy(kMagic, kMagic + 4, fh);
  fh[4] = static_cast<uint8_t>(kind);
  PutU64(fh + 8, dir);
  size_t size = kNfsHandleHeader;
  if (kind == NfsHandleKind::kKey || kind == NfsHandleKind::kSubDir) {
    name = name.substr(0, kMaxNameInHandle);
    fh[5] = static_cast<uint8_t>(name.size());
    std::memcpy(fh + kNfsHandleHeader, name.data(), name.size());
    size += name.size();
  } else if (kind == NfsHandleKind::kLongKey) {
    PutU64(fh + kNfsHandleHeader, PathHash(name));
    size += 8;
  }
  return std::vector<uint8_t>(fh, fh + size);
}

std::optional<NfsHandle> ParseNfsHandle(std::span<const uint8_t> fh) {
  if (fh.size() < kNfsHandleHeader || !std::equal(kMagic, kMagic + 4, fh.begin()))
    return std::nullopt;
  NfsHandle h;
  h.kind = static_cast<NfsHandleKind>(fh[4]);
  h.dir = GetU64(&fh[8]);
  switch (h.kind) {
    case NfsHandleKind::kDir:
      if (fh.size() != kNfsHandleHeader) return std::nullopt;
      return h;
    case NfsHandleKind::kKey:
    case NfsHandleKind::kSubDir:
      if (fh.size() != kNfsHandleHeader + fh[5] || fh[5] == 0) return std::nullopt;
      h.name = std::string_view(reinterpret_cast<const char*>(&fh[kNfsHandleHeader]), fh[5]);
      return h;
    case NfsHandleKind::kLongKey:
      if (fh.size() != kNfsHandleHeader + 8) return std::nullopt;
      h.name_hash = GetU64(&fh[kNfsHandleHeader]);
      return h;
  }
  return std::nullopt;
}

}  // namespace amd
