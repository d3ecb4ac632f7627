// RPC record marking for stream transports (RFC 5531 section 11): each
// record is one or more fragments, each behind a 4-byte header whose top
// bit marks the last fragment and whose other 31 bits give its length.
// Sans I/O: feed bytes as they arrive, take whole records out.
//
// Threading: a decoder belongs to one connection's thread. Ownership: records
// taken out are the caller's.
#ifndef AMD_RPC_RECORD_MARKING_H_
#define AMD_RPC_RECORD_MARKING_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace amd::rpc {

class RecordAssembler {
 public:
  // Records longer than `max_record` bytes are an error (the peer is then
  // to be dropped): nobody may make amd buffer without bound.
  explicit RecordAssembler(size_t max_record) : max_record_(max_record) {}

  // Takes bytes from the stream. False, with error() set, when the
  // stream is broken (a record over the limit); nothing more is taken.
  bool Feed(std::span<const uint8_t> bytes);
  // The next whole record, if one is complete.
  std::optional<std::vector<uint8_t>> Next();
  const std::string& error() const { return error_; }
  // Bytes held for an incomplete record.
  size_t pending() const { return buffer_.size() + current_.size(); }

 private:
  size_t max_record_;
  std::vector<uint8_t> buffer_;   // bytes not yet sorted into fragments
  std::vector<uint8_t> current_;  // fragments of the record being built
  std::vector<std::vector<uint8_t>> done_;
  std::string error_;
};

// `record` as one last fragment.
std::vector<uint8_t> FrameRecord(std::span<const uint8_t> record);

}  // namespace amd::rpc

#endif  // AMD_RPC_RECORD_MARKING_H_
