// /proc/self/mountstats parsing and nfsiostat's figures; see mountstats.h.
#include "kernel-shim/mountstats.h"

#include <algorithm>
#include <array>

#include "base/files.h"
#include "base/strings.h"
#include "kernel-shim/mountinfo.h"

namespace amd::kernel {
namespace {

std::optional<uint64_t> Counter(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return std::nullopt;  // overflow
    v = next;
  }
  return v;
}

bool IsMetadata(const std::string& op) {
  return op == "LOOKUP" || op == "GETATTR" || op == "ACCESS";
}

// One record being read: the mount, or the reason it is left out.
struct Record {
  NfsMountStats m;
  size_t line = 0;  // of the error, or of the device line
  std::string error;
  int op_fields = 0;  // 8 or 9, from the first op line
};

// "device D mounted on M with fstype T [statvers=V]": false when the line
// is not one.
bool ParseDevice(const std::vector<std::string_view>& w, Record* r, bool* nfs) {
  if (w.size() < 8 || w[0] != "device" || w[2] != "mounted" || w[3] != "on" || w[5] != "with" ||
      w[6] != "fstype") {
    return false;
  }
  r->m.device = UnescapeMountField(w[1]);
  r->m.mount_point = UnescapeMountField(w[4]);
  r->m.fstype = std::string(w[7]);
  *nfs = false;
  for (size_t i = 8; i < w.size(); ++i) {
    if (w[i].starts_with("statvers=")) {
      r->m.statvers = std::string(w[i].substr(9));
      *nfs = true;
    }
  }
  if (*nfs && !r->m.statvers.starts_with("1.")) {
    r->error = "statvers=" + Printable(r->m.statvers) + " is not a version this amd reads (1.x)";
  }
  return true;
}

void ParseXprt(const std::vector<std::string_view>& w, Record* r) {
  // xprt: PROTO then its counters (net/sunrpc/xprtsock.c, xprtrdma).
  r->m.protocol = std::string(w[1]);
  size_t sends, recvs, backlog;
  if (w[1] == "udp") {
    sends = 2, recvs = 3, backlog = 6;  // srcport bind_count sends recvs bad_xids req_u bklog_u
  } else {
    sends = 5, recvs = 6, backlog = 9;  // srcport bind_count connect_count connect_time idle_time
  }
  std::array<std::pair<size_t, uint64_t*>, 3> want = {
      {{sends, &r->m.sends}, {recvs, &r->m.recvs}, {backlog, &r->m.backlog}}};
  for (auto [i, out] : want) {
    auto v = i + 2 < w.size() ? Counter(w[i + 2]) : std::nullopt;
    if (!v) {
      r->error = "xprt: " + Printable(w[1]) + " counters are not numbers";
      return;
    }
    *out = *v;
  }
}

void ParseOp(const std::vector<std::string_view>& w, Record* r) {
  std::string name(w[0].substr(0, w[0].size() - 1));
  int n = static_cast<int>(w.size()) - 1;
  if (n != 8 && n != 9) {
    r->error = name + ": " + std::to_string(n) + " counters, not 8 or 9";
    return;
  }
  if (r->op_fields != 0 && r->op_fields != n) {
    r->error = name + ": " + std::to_string(n) + " counters where the ops before have " +
               std::to_string(r->op_fields);
    return;
  }
  r->op_fields = n;
  std::array<uint64_t, 9> v{};
  for (int i = 0; i < n; ++i) {
    auto c = Counter(w[static_cast<size_t>(i) + 1]);
    if (!c) {
      r->error = name + ": counter " + std::to_string(i + 1) + " is not a number";
      return;
    }
    v[static_cast<size_t>(i)] = *c;
  }
  r->m.has_errors = n == 9;
  r->m.ops[name] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
}

RpcOpCounters Minus(const RpcOpCounters& a, const RpcOpCounters& b) {
  return {a.ops - b.ops,
          a.ntrans - b.ntrans,
          a.timeouts - b.timeouts,
          a.bytes_sent - b.bytes_sent,
          a.bytes_recv - b.bytes_recv,
          a.queue_ms - b.queue_ms,
          a.rtt_ms - b.rtt_ms,
          a.execute_ms - b.execute_ms,
          a.errors - b.errors};
}

bool Behind(const RpcOpCounters& a, const RpcOpCounters& b) {
  return a.ops < b.ops || a.ntrans < b.ntrans || a.timeouts < b.timeouts ||
         a.bytes_sent < b.bytes_sent || a.bytes_recv < b.bytes_recv || a.queue_ms < b.queue_ms ||
         a.rtt_ms < b.rtt_ms || a.execute_ms < b.execute_ms || a.errors < b.errors;
}

void Add(RpcOpCounters* sum, const RpcOpCounters& d) {
  sum->ops += d.ops;
  sum->ntrans += d.ntrans;
  sum->timeouts += d.timeouts;
  sum->bytes_sent += d.bytes_sent;
  sum->bytes_recv += d.bytes_recv;
  sum->queue_ms += d.queue_ms;
  sum->rtt_ms += d.rtt_ms;
  sum->execute_ms += d.execute_ms;
  sum->errors += d.errors;
}

}  // namespace

MountStatsTable ParseMountStats(std::string_view text) {
  MountStatsTable out;
  std::optional<Record> r;  // the NFS record being read
  auto close = [&] {
    if (!r) return;
    if (r->error.empty() && r->m.iostats_version.empty()) {
      r->error = "no \"RPC iostats version\" line";
    }
    if (r->error.empty()) {
      out.mounts.push_back(std::move(r->m));
    } else {
      out.errors.push_back("line " + std::to_string(r->line) + ": " + LogSafe(r->m.mount_point) +
                           ": " + r->error);  // r->line: where it went wrong
    }
    r.reset();
  };
  size_t number = 0;
  for (std::string_view line : SplitOn(text, '\n')) {
    ++number;
    auto w = SplitWords(line);
    if (w.empty()) continue;
    Record next;
    bool nfs = false;
    if (ParseDevice(w, &next, &nfs)) {
      close();
      if (nfs) {
        next.line = number;
        r = std::move(next);
      }
      continue;
    }
    if (!r || !r->error.empty()) continue;  // another file system's, or left out
    if (w[0] == "opts:" && w.size() >= 2) {
      r->m.options = std::string(w[1]);
    } else if (w[0] == "age:" && w.size() >= 2) {
      auto age = Counter(w[1]);
      if (!age) r->error = "age is not a number";
      r->m.age = age.value_or(0);
    } else if (w[0] == "RPC" && w.size() >= 4 && w[1] == "iostats" && w[2] == "version:") {
      r->m.iostats_version = std::string(w[3]);
      if (!r->m.iostats_version.starts_with("1.")) {
        r->error = "RPC iostats version " + Printable(r->m.iostats_version) +
                   " is not one this amd reads (1.x)";
      }
    } else if (w[0] == "xprt:" && w.size() >= 2) {
      ParseXprt(w, &*r);
    } else if (w[0].size() > 1 && w[0].back() == ':' && w.size() >= 2 &&
               std::all_of(w[0].begin(), w[0].end() - 1,
                           [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; })) {
      ParseOp(w, &*r);  // per-op lines: upper-case names
    }
    if (!r->error.empty()) r->line = number;
  }
  close();
  return out;
}

Result<std::string> ReadMountStats(const std::string& path) {
  std::string error;
  auto text = ReadWholeFile(path, &error);
  if (!text) return Status::Error(error, std::errc::io_error);
  return *text;
}

OpFigures Figures(const RpcOpCounters& d, double seconds) {
  OpFigures f;
  if (seconds <= 0) seconds = 1;
  f.ops = d.ops;
  f.retrans = d.ntrans >= d.ops ? d.ntrans - d.ops : 0;
  f.timeouts = d.timeouts;
  f.errors = d.errors;
  double kib = static_cast<double>(d.bytes_sent + d.bytes_recv) / 1024;
  f.ops_per_s = static_cast<double>(d.ops) / seconds;
  f.kib_per_s = kib / seconds;
  f.kib_recv = static_cast<double>(d.bytes_recv) / 1024;
  if (d.ops != 0) {
    double ops = static_cast<double>(d.ops);
    f.kib_per_op = kib / ops;
    f.rtt_ms = static_cast<double>(d.rtt_ms) / ops;
    f.execute_ms = static_cast<double>(d.execute_ms) / ops;
    f.queue_ms = static_cast<double>(d.queue_ms) / ops;
  }
  return f;
}

std::optional<IoStatFigures> IoStat(const NfsMountStats& before, const NfsMountStats& after,
                                    double seconds) {
  if (after.age < before.age || after.sends < before.sends) return std::nullopt;
  IoStatFigures out;
  if (seconds <= 0) seconds = static_cast<double>(after.age - before.age);
  if (seconds <= 0) seconds = 1;
  out.seconds = seconds;
  out.has_errors = after.has_errors;
  RpcOpCounters metadata, read, other;
  for (const auto& [name, now] : after.ops) {
    auto it = before.ops.find(name);
    RpcOpCounters then = it != before.ops.end() ? it->second : RpcOpCounters{};
    if (Behind(now, then)) return std::nullopt;
    RpcOpCounters d = Minus(now, then);
    if (d.ops == 0 && d.ntrans == 0) continue;
    out.ops[name] = Figures(d, seconds);
    Add(IsMetadata(name) ? &metadata : name == "READ" ? &read : &other, d);
  }
  out.metadata = Figures(metadata, seconds);
  out.read = Figures(read, seconds);
  out.other = Figures(other, seconds);
  uint64_t sends = after.sends - before.sends;
  out.sends_per_s = static_cast<double>(sends) / seconds;
  if (sends != 0 && after.backlog >= before.backlog) {
    out.backlog =
        static_cast<double>(after.backlog - before.backlog) / static_cast<double>(sends) / seconds;
  }
  return out;
}

}  // namespace amd::kernel
