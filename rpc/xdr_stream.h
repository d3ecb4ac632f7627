// XdrReader and XdrWriter: big-endian XDR units (RFC 4506) read from and
// written to bytes directly, for protocols whose messages are handled by
// hand rather than through rpcgen (RPC headers, MOUNT, NFSv3): no
// allocation on reading, and every read says whether it fit.
//
// Threading: a reader or writer belongs to one thread. Ownership: a reader
// views the caller's bytes; a writer appends to the caller's vector.
#ifndef AMD_RPC_XDR_STREAM_H_
#define AMD_RPC_XDR_STREAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amd::rpc {

class XdrReader {
 public:
  explicit XdrReader(std::span<const uint8_t> b) : b_(b) {}
  bool U32(uint32_t* v) {
    if (b_.size() - pos_ < 4) return false;
    *v = (uint32_t{b_[pos_]} << 24) | (uint32_t{b_[pos_ + 1]} << 16) |
         (uint32_t{b_[pos_ + 2]} << 8) | uint32_t{b_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    uint32_t hi, lo;
    if (!U32(&hi) || !U32(&lo)) return false;
    *v = (uint64_t{hi} << 32) | lo;
    return true;
  }
  // An XDR bool: 0 or 1, nothing else.
  bool Bool(bool* v) {
    uint32_t u;
    if (!U32(&u) || u > 1) return false;
    *v = u == 1;
    return true;
  }
  // Variable-length opaque of at most `max` bytes (padded to 4).
  bool Opaque(size_t max, std::span<const uint8_t>* out) {
    uint32_t n;
    if (!U32(&n) || n > max) return false;
    return Fixed(n, out);
  }
  // Fixed-length opaque of `n` bytes (padded to 4).
  bool Fixed(size_t n, std::span<const uint8_t>* out) {
    size_t padded = (n + 3) & ~size_t{3};
    if (b_.size() - pos_ < padded) return false;
    *out = b_.subspan(pos_, n);
    pos_ += padded;
    return true;
  }
  bool String(size_t max, std::string_view* out) {
    std::span<const uint8_t> s;
    if (!Opaque(max, &s)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
    return true;
  }
  std::span<const uint8_t> Rest() const { return b_.subspan(pos_); }
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

class XdrWriter {
 public:
  explicit XdrWriter(std::vector<uint8_t>* out) : out_(out) {}
  void U32(uint32_t v) {
    out_->push_back(static_cast<uint8_t>(v >> 24));
    out_->push_back(static_cast<uint8_t>(v >> 16));
    out_->push_back(static_cast<uint8_t>(v >> 8));
    out_->push_back(static_cast<uint8_t>(v));
  }
  void U64(uint64_t v) {
    U32(static_cast<uint32_t>(v >> 32));
    U32(static_cast<uint32_t>(v));
  }
  void Bool(bool v) { U32(v ? 1 : 0); }
  void Opaque(std::span<const uint8_t> data) {
    U32(static_cast<uint32_t>(data.size()));
    Fixed(data);
  }
  void Fixed(std::span<const uint8_t> data) {
    out_->insert(out_->end(), data.begin(), data.end());
    out_->resize((out_->size() + 3) & ~size_t{3}, 0);
  }
  void String(std::string_view s) {
    Opaque(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  size_t size() const { return out_->size(); }
  std::vector<uint8_t>& bytes() { return *out_; }

 private:
  std::vector<uint8_t>* out_;
};

}  // namespace amd::rpc

#endif  // AMD_RPC_XDR_STREAM_H_
