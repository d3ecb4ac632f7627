// RLP messages; see rlp_message.h.
#include "rlp/rlp_message.h"

namespace amd::rlp {
namespace {

constexpr uint8_t kLocalOnly = 0x80;
constexpr size_t kHeader = 4;

Status Bad(const std::string& why) { return Status::Error("RLP: " + why, std::errc::bad_message); }

bool HasPort(uint8_t protocol) { return protocol == kProtocolTcp || protocol == kProtocolUdp; }

}  // namespace

bool IsRequest(Type t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(Type::kDoesAnyoneProvide);
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kWhoProvides:
      return "Who-Provides?";
    case Type::kDoYouProvide:
      return "Do-You-Provide?";
    case Type::kWhoAnywhereProvides:
      return "Who-Anywhere-Provides?";
    case Type::kDoesAnyoneProvide:
      return "Does-Anyone-Provide?";
    case Type::kIProvide:
      return "I-Provide";
    case Type::kTheyProvide:
      return "They-Provide";
  }
  return "?";
}

std::optional<uint16_t> Resource::port() const {
  if (!HasPort(protocol) || id.size() < 2) return std::nullopt;
  return static_cast<uint16_t>((id[0] << 8) | id[1]);
}

std::string_view Resource::data() const {
  if (!HasPort(protocol) || id.size() < 2) return {};
  return std::string_view(reinterpret_cast<const char*>(id.data()) + 2, id.size() - 2);
}

Result<Resource> PortResource(uint8_t protocol, uint16_t port, std::string_view data) {
  if (!HasPort(protocol)) return Status::Error("RLP: a port resource is TCP or UDP");
  if (data.size() > 253) {
    return Status::Error(
        "RLP: " + std::to_string(data.size()) + " octets after the port; at most 253 fit",
        std::errc::filename_too_long);
  }
  Resource r;
  r.protocol = protocol;
  r.id = {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port)};
  r.id.insert(r.id.end(), data.begin(), data.end());
  return r;
}

Result<Resource> NfsVolume(std::string_view export_path, uint8_t protocol) {
  return PortResource(protocol, kNfsPort, export_path);
}

Result<std::vector<uint8_t>> Encode(const Message& m) {
  if (static_cast<uint8_t>(m.type) > static_cast<uint8_t>(Type::kTheyProvide)) {
    return Status::Error("RLP: unknown message type");
  }
  if (m.local_only && !IsRequest(m.type)) return Status::Error("RLP: L is set only in requests");
  std::vector<uint8_t> out = {static_cast<uint8_t>(m.type),
                              static_cast<uint8_t>(m.local_only ? kLocalOnly : 0),
                              static_cast<uint8_t>(m.id >> 8), static_cast<uint8_t>(m.id)};
  for (const auto& r : m.resources) {
    if (r.id.size() > 255)
      return Status::Error("RLP: a resource identifier longer than 255 octets");
    out.push_back(r.protocol);
    out.push_back(static_cast<uint8_t>(r.id.size()));
    out.insert(out.end(), r.id.begin(), r.id.end());
    if (m.type == Type::kTheyProvide) {
      if (r.hosts.size() > 255) return Status::Error("RLP: more than 255 hosts for one resource");
      out.push_back(static_cast<uint8_t>(r.hosts.size()));
      for (uint32_t h : r.hosts) {
        for (int shift = 24; shift >= 0; shift -= 8)
          out.push_back(static_cast<uint8_t>(h >> shift));
      }
    } else if (!r.hosts.empty()) {
      return Status::Error("RLP: only They-Provide lists hosts");
    }
  }
  if (out.size() > kMaxDatagram)
    return Status::Error("RLP: the message does not fit one datagram", std::errc::message_size);
  return out;
}

Result<Message> Decode(std::span<const uint8_t> d) {
  if (d.size() < kHeader)
    return Bad(std::to_string(d.size()) + " octets, shorter than the 4-octet header");
  if (d.size() > kMaxDatagram) return Bad("longer than a datagram");
  Message m;
  if (d[0] > static_cast<uint8_t>(Type::kTheyProvide))
    return Bad("unknown message type " + std::to_string(d[0]));
  m.type = static_cast<Type>(d[0]);
  if ((d[1] & ~kLocalOnly) != 0) return Bad("reserved flag bits set");
  m.local_only = (d[1] & kLocalOnly) != 0;
  if (m.local_only && !IsRequest(m.type))
    return Bad(std::string("L set in a reply (") + TypeName(m.type) + ")");
  m.id = static_cast<uint16_t>((d[2] << 8) | d[3]);
  size_t at = kHeader;
  while (at < d.size()) {
    std::string which = "resource " + std::to_string(m.resources.size() + 1);
    if (d.size() - at < 2) return Bad(which + ": truncated specifier");
    Resource r;
    r.protocol = d[at];
    size_t n = d[at + 1];
    at += 2;
    if (d.size() - at < n)
      return Bad(which + ": identifier of " + std::to_string(n) + " octets runs past the end");
    r.id.assign(d.begin() + static_cast<ptrdiff_t>(at), d.begin() + static_cast<ptrdiff_t>(at + n));
    at += n;
    if (HasPort(r.protocol) && n < 2)
      return Bad(which + ": a TCP or UDP identifier without its port");
    if (m.type == Type::kTheyProvide) {
      if (at == d.size()) return Bad(which + ": no host count");
      size_t count = d[at++];
      if (d.size() - at < count * 4)
        return Bad(which + ": " + std::to_string(count) + " hosts run past the end");
      for (size_t i = 0; i < count; ++i, at += 4) {
        r.hosts.push_back((uint32_t{d[at]} << 24) | (uint32_t{d[at + 1]} << 16) |
                          (uint32_t{d[at + 2]} << 8) | d[at + 3]);
      }
    }
    m.resources.push_back(std::move(r));
  }
  if (IsRequest(m.type) && m.resources.empty()) {
    return Bad(std::string(TypeName(m.type)) + " names no resource");
  }
  return m;
}

Result<Resource> ParseResource(std::string_view text, uint8_t nfs_protocol) {
  if (text.starts_with('/')) return NfsVolume(text, nfs_protocol);
  uint8_t protocol = 0;
  if (text.starts_with("udp/"))
    protocol = kProtocolUdp;
  else if (text.starts_with("tcp/"))
    protocol = kProtocolTcp;
  else
    return Status::Error("RLP: \"" + std::string(text) +
                         "\" is not /EXPORT/PATH, udp/PORT[/DATA] or tcp/PORT[/DATA]");
  text.remove_prefix(4);
  size_t slash = text.find('/');
  std::string_view digits = text.substr(0, slash);
  unsigned long port = 0;
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos ||
      (port = std::stoul(std::string(digits))) > 65535) {
    return Status::Error("RLP: \"" + std::string(digits) + "\" is not a port number");
  }
  return PortResource(
      protocol, static_cast<uint16_t>(port),
      slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1));
}

std::string ResourceName(const Resource& r) {
  auto port = r.port();
  if (!port)
    return "proto " + std::to_string(r.protocol) + " (" + std::to_string(r.id.size()) + " octets)";
  if (*port == kNfsPort && r.data().starts_with('/')) return std::string(r.data());
  std::string out = (r.protocol == kProtocolTcp ? "tcp/" : "udp/") + std::to_string(*port);
  if (!r.data().empty()) out += "/" + std::string(r.data());
  return out;
}

std::string Describe(const Message& m) {
  std::string out = std::string(TypeName(m.type)) + " id " + std::to_string(m.id) +
                    (m.local_only ? " L" : "") + ":";
  if (m.resources.empty()) out += " (none)";
  for (const auto& r : m.resources) {
    out += " ";
    if (auto p = r.port()) {
      out += (r.protocol == kProtocolTcp ? "tcp/" : "udp/") + std::to_string(*p);
      if (!r.data().empty()) out += " " + std::string(r.data());
    } else {
      out +=
          "proto " + std::to_string(r.protocol) + " (" + std::to_string(r.id.size()) + " octets)";
    }
    for (uint32_t h : r.hosts) {
      out += (h == r.hosts.front() ? " at " : ",") + std::to_string(h >> 24) + "." +
             std::to_string((h >> 16) & 255) + "." + std::to_string((h >> 8) & 255) + "." +
             std::to_string(h & 255);
    }
  }
  return out;
}

}  // namespace amd::rlp
