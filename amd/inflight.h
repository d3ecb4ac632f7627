// InflightTable: the kernel requests the engine has read from its autofs
// pipes and not yet answered, kept in memory shared with the supervisor
// (amd/supervisor.h). When the engine process dies, its successor finds
// there the requests nobody answered and serves them, so a process that
// was waiting for a mount at that moment gets it instead of hanging: the
// kernel's wait has no timeout, and the packet is gone from the pipe.
//
// Recording costs two stores on the engine thread; answering, one store
// (AutofsReply does it). A full table, or a mount point path over 1023
// bytes, records nothing: the request is then served as usual but would
// not survive a crash.
//
// Threading: Record on the engine thread; TakeAll at engine start; the marks
// any thread. Ownership: the table is the supervisor's shared memory; records
// returned by TakeAll are the caller's.
#ifndef AMD_AMD_INFLIGHT_H_
#define AMD_AMD_INFLIGHT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernel-shim/autofs_packet.h"

namespace amd {

class InflightTable {
 public:
  // A shared anonymous mapping of `slots` slots, inherited by fork();
  // nullptr when it cannot be mapped.
  static std::unique_ptr<InflightTable> Create(size_t slots = 1024);
  ~InflightTable();
  InflightTable(const InflightTable&) = delete;
  InflightTable& operator=(const InflightTable&) = delete;

  // Records a request read from the autofs mount at `point_path`. Returns
  // the slot's mark, to be cleared (store 0) once the kernel is answered;
  // nullptr when nothing was recorded. Engine thread only.
  std::atomic<uint32_t>* Record(const std::string& point_path, const kernel::AutofsPacket& p);
  // Every recorded request still unanswered, in slot order; the table
  // is empty afterwards.
  std::vector<std::pair<std::string, kernel::AutofsPacket>> TakeAll();
  size_t size() const { return slots_; }

 private:
  struct Slot;
  InflightTable(Slot* base, size_t slots) : base_(base), slots_(slots) {}
  Slot* base_;
  size_t slots_;
  size_t cursor_ = 0;
};

}  // namespace amd

#endif  // AMD_AMD_INFLIGHT_H_
