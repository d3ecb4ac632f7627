// Network membership tests for in_network() and friends; see the header.
#include "maps/network_match.h"

#include "base/strings.h"

namespace amd::maps {

std::string DottedQuad(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string NetworkNumberString(uint32_t n) {
  int octets = 4;
  while (octets > 1 && ((n >> (8 * (4 - octets))) & 255) == 0) --octets;
  std::string out;
  for (int i = 0; i < octets; ++i) {
    if (i) out += '.';
    out += std::to_string((n >> (24 - 8 * i)) & 255);
  }
  return out;
}

std::string NetworkName(const LocalNetwork& net) {
  if (!net.name.empty()) return net.name;
  return DottedQuad(net.address & net.netmask);
}

std::optional<uint32_t> ParsePartialQuad(std::string_view s) {
  auto parts = SplitOn(s, '.');
  if (parts.empty() || parts.size() > 4) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint32_t octet = 0;
    if (i < parts.size()) {
      auto n = ParseInteger(parts[i]);
      if (!n || *n < 0 || *n > 255 || parts[i].empty() || parts[i][0] == '+') return std::nullopt;
      octet = static_cast<uint32_t>(*n);
    }
    v = (v << 8) | octet;
  }
  return v;
}

namespace {

std::optional<uint32_t> ParseMask(std::string_view m) {
  if (m.size() > 2 && m[0] == '0' && (m[1] == 'x' || m[1] == 'X')) {
    uint32_t v = 0;
    for (char c : m.substr(2)) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    return v;
  }
  if (m.find('.') != std::string_view::npos) return ParsePartialQuad(m);
  auto bits = ParseInteger(m);
  if (!bits || *bits < 0 || *bits > 32) return std::nullopt;
  return *bits == 0 ? 0u : ~0u << (32 - *bits);
}

}  // namespace

bool InNetwork(std::string_view arg, const std::vector<LocalNetwork>& nets) {
  size_t slash = arg.find('/');
  if (slash == std::string_view::npos) {
    for (const auto& n : nets) {
      if (arg == NetworkName(n) || arg == NetworkNumberString(n.address & n.netmask)) return true;
    }
    return false;
  }
  std::string_view net_str = arg.substr(0, slash);
  std::string_view mask_str = arg.substr(slash + 1);
  std::optional<uint32_t> net;
  if (!net_str.empty() && net_str[0] >= '0' && net_str[0] <= '9') {
    net = ParsePartialQuad(net_str);
  } else {
    for (const auto& n : nets) {
      if (net_str == NetworkName(n)) net = n.address & n.netmask;
    }
  }
  if (!net) return false;
  std::optional<uint32_t> mask;
  if (!mask_str.empty()) {
    mask = ParseMask(mask_str);
    if (!mask) return false;
  }
  for (const auto& n : nets) {
    uint32_t m = mask ? *mask : n.netmask;
    if ((n.address & m) == (*net & m)) return true;
  }
  return false;
}

}  // namespace amd::maps
