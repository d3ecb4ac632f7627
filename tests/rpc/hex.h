// Hex strings for golden bytes: "0000002a 6162" (spaces ignored).
#ifndef AMD_TESTS_RPC_HEX_H_
#define AMD_TESTS_RPC_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace amd::rpc::testing {

inline std::vector<uint8_t> Hex(const std::string& s) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : s) {
    if (c != ' ') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Groups of four bytes separated by spaces, as the goldens are written.
inline std::string ToHex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += d[b[i] >> 4];
    out += d[b[i] & 15];
  }
  return out;
}

}  // namespace amd::rpc::testing

#endif  // AMD_TESTS_RPC_HEX_H_
