// Record marking; see record_marking.h.
#include "rpc/record_marking.h"

namespace amd::rpc {

bool RecordAssembler::Feed(std::span<const uint8_t> bytes) {
  if (!error_.empty()) return false;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  while (buffer_.size() - pos >= 4) {
    uint32_t header = (uint32_t{buffer_[pos]} << 24) | (uint32_t{buffer_[pos + 1]} << 16) |
                      (uint32_t{buffer_[pos + 2]} << 8) | uint32_t{buffer_[pos + 3]};
    bool last = (header & 0x80000000u) != 0;
    size_t len = header & 0x7fffffffu;
    if (current_.size() + len > max_record_) {
      error_ = "record longer than " + std::to_string(max_record_) + " bytes";
      buffer_.clear();
      current_.clear();
      return false;
    }
    if (buffer_.size() - pos - 4 < len) break;  // the fragment is not all here yet
    current_.insert(current_.end(), buffer_.begin() + static_cast<long>(pos + 4),
                    buffer_.begin() + static_cast<long>(pos + 4 + len));
    pos += 4 + len;
    if (last) {
      done_.push_back(std::move(current_));
      current_.clear();
    }
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(pos));
  return true;
}

std::optional<std::vector<uint8_t>> RecordAssembler::Next() {
  if (done_.empty()) return std::nullopt;
  std::vector<uint8_t> r = std::move(done_.front());
  done_.erase(done_.begin());
  return r;
}

std::vector<uint8_t> FrameRecord(std::span<const uint8_t> record) {
  std::vector<uint8_t> out;
  out.reserve(record.size() + 4);
  uint32_t header = 0x80000000u | static_cast<uint32_t>(record.size());
  out.push_back(static_cast<uint8_t>(header >> 24));
  out.push_back(static_cast<uint8_t>(header >> 16));
  out.push_back(static_cast<uint8_t>(header >> 8));
  out.push_back(static_cast<uint8_t>(header));
  out.insert(out.end(), record.begin(), record.end());
  return out;
}

}  // namespace amd::rpc
