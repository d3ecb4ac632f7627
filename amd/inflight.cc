// InflightTable; see inflight.h.
#include "amd/inflight.h"

#include <sys/mman.h>

#include <cstring>

namespace amd {

struct InflightTable::Slot {
  std::atomic<uint32_t> used;  // 1 from Record until the kernel is answered
  uint32_t type;
  uint32_t token;
  uint32_t dev;
  uint64_t ino;
  uint32_t uid, gid, pid, tgid;
  uint16_t path_len;
  uint16_t name_len;
  char path[1024];
  char name[256];
};
static_assert(std::atomic<uint32_t>::is_always_lock_free, "the mark must work across processes");

std::unique_ptr<InflightTable> InflightTable::Create(size_t slots) {
  void* p = ::mmap(nullptr, slots * sizeof(Slot), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // A fresh anonymous mapping is zero: every slot free.
  return std::unique_ptr<InflightTable>(new InflightTable(static_cast<Slot*>(p), slots));
}

InflightTable::~InflightTable() { ::munmap(base_, slots_ * sizeof(Slot)); }

std::atomic<uint32_t>* InflightTable::Record(const std::string& point_path,
                                             const kernel::AutofsPacket& p) {
  if (point_path.size() >= sizeof(Slot::path) || p.name.size() >= sizeof(Slot::name))
    return nullptr;
  for (size_t i = 0; i < slots_; ++i) {
    Slot& s = base_[(cursor_ + i) % slots_];
    if (s.used.load(std::memory_order_acquire) != 0) continue;
    cursor_ = (cursor_ + i + 1) % slots_;
    s.type = static_cast<uint32_t>(p.type);
    s.token = p.token;
    s.dev = p.dev;
    s.ino = p.ino;
    s.uid = p.uid;
    s.gid = p.gid;
    s.pid = p.pid;
    s.tgid = p.tgid;
    s.path_len = static_cast<uint16_t>(point_path.size());
    s.name_len = static_cast<uint16_t>(p.name.size());
    std::memcpy(s.path, point_path.data(), point_path.size());
    std::memcpy(s.name, p.name.data(), p.name.size());
    s.used.store(1, std::memory_order_release);
    return &s.used;
  }
  return nullptr;
}

std::vector<std::pair<std::string, kernel::AutofsPacket>> InflightTable::TakeAll() {
  std::vector<std::pair<std::string, kernel::AutofsPacket>> out;
  for (size_t i = 0; i < slots_; ++i) {
    Slot& s = base_[i];
    if (s.used.load(std::memory_order_acquire) == 0) continue;
    kernel::AutofsPacket p;
    p.type = static_cast<kernel::AutofsPacketType>(s.type);
    p.proto_version = 5;
    p.token = s.token;
    p.dev = s.dev;
    p.ino = s.ino;
    p.uid = s.uid;
    p.gid = s.gid;
    p.pid = s.pid;
    p.tgid = s.tgid;
    p.name.assign(s.name, std::min<size_t>(s.name_len, sizeof s.name));
    out.emplace_back(std::string(s.path, std::min<size_t>(s.path_len, sizeof s.path)),
                     std::move(p));
    s.used.store(0, std::memory_order_release);
  }
  return out;
}

}  // namespace amd
