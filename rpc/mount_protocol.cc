// The MOUNT export list; see mount_protocol.h.
#include "rpc/mount_protocol.h"

#include <unistd.h>

#include "rpc/rpc_client.h"
#include "rpc/xdr_stream.h"

namespace amd::rpc {

Result<std::vector<ExportEntry>> DecodeExports(std::span<const uint8_t> bytes) {
  XdrReader r(bytes);
  std::vector<ExportEntry> out;
  auto bad = [&](const std::string& why) {
    return Status::Error("MOUNT export list, entry " + std::to_string(out.size() + 1) + ": " + why,
                         std::errc::bad_message);
  };
  bool more;
  if (!r.Bool(&more)) return bad("truncated");
  while (more) {
    if (out.size() == kMaxExports)
      return bad("more than " + std::to_string(kMaxExports) + " exports");
    ExportEntry e;
    std::string_view dir;
    if (!r.String(kMntPathLen, &dir)) return bad("directory truncated or longer than MNTPATHLEN");
    e.dir.assign(dir);
    bool group;
    if (!r.Bool(&group)) return bad("truncated group list");
    while (group) {
      if (e.groups.size() == kMaxGroups)
        return bad("more than " + std::to_string(kMaxGroups) + " groups");
      std::string_view name;
      if (!r.String(kMntNamLen, &name)) return bad("group name truncated or longer than MNTNAMLEN");
      e.groups.emplace_back(name);
      if (!r.Bool(&group)) return bad("truncated group list");
    }
    out.push_back(std::move(e));
    if (!r.Bool(&more)) return bad("truncated");
  }
  if (!r.AtEnd()) return bad("bytes after the end of the list");
  return out;
}

std::vector<uint8_t> EncodeExports(const std::vector<ExportEntry>& exports) {
  std::vector<uint8_t> out;
  XdrWriter w(&out);
  for (const auto& e : exports) {
    w.Bool(true);
    w.String(e.dir);
    for (const auto& g : e.groups) {
      w.Bool(true);
      w.String(g);
    }
    w.Bool(false);
  }
  w.Bool(false);
  return out;
}

Result<std::vector<ExportEntry>> FetchExports(sockaddr_in host, std::optional<uint16_t> port,
                                              std::string_view proto,
                                              std::chrono::milliseconds timeout) {
  Client::Options o;
  o.tcp = proto != "udp";
  o.udp = proto != "tcp";
  o.port = port;
  o.reserved_port = ::geteuid() == 0;
  Client client(host, kMountProgram, o);
  auto r = client.Call(kMountProcExport, {}, timeout, kMountVersion3);
  if (!r.ok()) return Status(r.status().code(), "MOUNT EXPORT: " + r.status().context());
  return DecodeExports(*r);
}

}  // namespace amd::rpc
