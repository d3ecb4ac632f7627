// amq's output formats; see amq_format.h.
#include "amq/amq_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>

namespace amd::amq {
namespace {

// printf's "%-*.*s": padded and cut to `w`.
std::string Col(const char* s, int w) {
  std::string v(s ? s : "");
  if (static_cast<int>(v.size()) > w) v.resize(static_cast<size_t>(w));
  v.append(static_cast<size_t>(w) - v.size(), ' ');
  return v;
}
std::string Col(const std::string& s, int w) { return Col(s.c_str(), w); }
int Len(const char* s) { return s ? static_cast<int>(std::strlen(s)) : 0; }
const char* Dir(const amq_mount_tree* t) {
  return t->mt_directory && *t->mt_directory ? t->mt_directory : "/";
}

// The original's traversal: a node, then its later siblings (each with
// what is below them), then its children.
void Walk(const amq_mount_tree* t, const std::function<void(const amq_mount_tree*)>& f) {
  while (t != nullptr) {
    f(t);
    Walk(t->mt_next, f);
    t = t->mt_child;
  }
}

std::string Printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return std::string(buf, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof buf) - 1)));
}

nlohmann::json NodeJson(const amq_mount_tree* t) {
  return {{"directory", Dir(t)},          {"type", t->mt_type},
          {"mountinfo", t->mt_mountinfo}, {"mountpoint", t->mt_mountpoint},
          {"mounttime", t->mt_mounttime}, {"uid", t->mt_mountuid},
          {"getattr", t->mt_getattr},     {"lookup", t->mt_lookup},
          {"readdir", t->mt_readdir},     {"readlink", t->mt_readlink},
          {"statfs", t->mt_statfs}};
}

}  // namespace

std::string FormatTime(int seconds) {
  time_t t = seconds;
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m/%d/%Y %H:%M:%S", &tm);
  return buf;
}

std::string FormatTree(const amq_mount_tree_list& list) {
  int mw = 0, dw = 0, tw = 0;
  for (u_int i = 0; i < list.amq_mount_tree_list_len; ++i) {
    Walk(list.amq_mount_tree_list_val[i], [&](const amq_mount_tree* t) {
      mw = std::max(mw, Len(t->mt_mountinfo));
      dw = std::max(dw, Len(t->mt_directory));
      tw = std::max(tw, Len(t->mt_type));
    });
  }
  ++mw, ++dw, ++tw;
  std::string out;
  for (u_int i = 0; i < list.amq_mount_tree_list_len; ++i) {
    Walk(list.amq_mount_tree_list_val[i], [&](const amq_mount_tree* t) {
      out += Col(Dir(t), dw) + " " + Col(t->mt_type, tw) + " " + Col(t->mt_mountinfo, mw) + " " +
             t->mt_mountpoint + "\n";
    });
  }
  return out;
}

std::string FormatStats(const amq_mount_tree* tree) {
  int dw = 0;
  Walk(tree, [&](const amq_mount_tree* t) { dw = std::max(dw, Len(t->mt_directory)); });
  ++dw;
  std::string out = Col("What", dw) + " Uid   Getattr Lookup RdDir   RdLnk   Statfs Mounted@\n";
  Walk(tree, [&](const amq_mount_tree* t) {
    out += Col(Dir(t), dw) +
           Printf(" %-5d %-7d %-6d %-7d %-7d %-6d ", t->mt_mountuid, t->mt_getattr, t->mt_lookup,
                  t->mt_readdir, t->mt_readlink, t->mt_statfs) +
           FormatTime(t->mt_mounttime) + "\n";
  });
  return out;
}

std::string FormatMounts(const amq_mount_info_list& list) {
  int mw = 0, dw = 0, tw = 0;
  for (u_int i = 0; i < list.amq_mount_info_list_len; ++i) {
    const amq_mount_info& m = list.amq_mount_info_list_val[i];
    mw = std::max(mw, Len(m.mi_mountinfo));
    dw = std::max(dw, Len(m.mi_mountpt));
    tw = std::max(tw, Len(m.mi_type));
  }
  ++mw, ++dw, ++tw;
  std::string out;
  for (u_int i = 0; i < list.amq_mount_info_list_len; ++i) {
    const amq_mount_info& m = list.amq_mount_info_list_val[i];
    out += Col(m.mi_mountinfo, mw) + " " + Col(m.mi_mountpt, dw) + " " + Col(m.mi_type, tw) + " " +
           Printf("%-3d %s is %s ", m.mi_refc, m.mi_fserver,
                  m.mi_up > 0   ? "up"
                  : m.mi_up < 0 ? "starting"
                                : "down");
    if (m.mi_error > 0) {
      out += std::string(" (") + std::strerror(m.mi_error) + ")";
    } else if (m.mi_error < 0) {
      out += " (in progress)";
    }
    out += "\n";
  }
  return out;
}

std::string FormatGlobalStats(const amq_mount_stats& s) {
  return "requests  stale     mount     mount     unmount\n"
         "deferred  fhandles  ok        failed    failed\n" +
         Printf("%-9d %-9d %-9d %-9d %-9d\n", s.as_drops, s.as_stale, s.as_mok, s.as_merr,
                s.as_uerr);
}

std::string FormatMaps(const amq_map_info_list& list) {
  // The original sizes the columns by the values only (the headers are cut
  // to fit), and widens the wildcard column only when some map has one.
  int nw = 0, ww = 0;
  for (u_int i = 0; i < list.amq_map_info_list_len; ++i) {
    const amq_map_info& m = list.amq_map_info_list_val[i];
    nw = std::max(nw, Len(m.mi_name));
    ww = std::max(ww, Len(m.mi_wildcard));
  }
  ++nw;
  if (ww > 0) ++ww;
  std::string out = Col("Name", nw) + " " + Col("Wild", ww) + " " +
                    Printf("%-8.8s %-7.7s %-7.7s %-7.7s %-s Modified\n", "Flags", "Refcnt",
                           "Entries", "Reloads", "Stat");
  for (u_int i = 0; i < list.amq_map_info_list_len; ++i) {
    const amq_map_info& m = list.amq_map_info_list_val[i];
    std::string wild(m.mi_wildcard ? m.mi_wildcard : "");
    if (static_cast<int>(wild.size()) > ww) wild.resize(static_cast<size_t>(ww));
    out += Col(m.mi_name, nw) + " " + std::string(static_cast<size_t>(ww) - wild.size(), ' ') +
           wild + " " +
           Printf("%-8x %-7d %-7d %-7d %s ", static_cast<unsigned>(m.mi_flags), m.mi_refc,
                  m.mi_nentries, m.mi_reloads,
                  m.mi_up == -1 ? "root"
                  : m.mi_up     ? "  up"
                                : "down") +
           FormatTime(m.mi_modify) + "\n";
  }
  return out;
}

std::string TranslatePath(const amq_mount_tree_list& list, std::string cwd) {
  for (u_int i = 0; i < list.amq_mount_tree_list_len; ++i) {
    for (int pass = 0; pass < 64; ++pass) {
      bool changed = false;
      Walk(list.amq_mount_tree_list_val[i], [&](const amq_mount_tree* t) {
        std::string mp(t->mt_mountpoint ? t->mt_mountpoint : "");
        std::string dir(t->mt_directory ? t->mt_directory : "");
        if (!mp.empty() && cwd.compare(0, mp.size(), mp) == 0 && dir != mp) {
          cwd = dir + cwd.substr(mp.size());
          changed = true;
        }
      });
      if (!changed) break;
    }
  }
  return cwd;
}

namespace {

std::string Millis(unsigned usec, bool measured) {
  return measured ? Printf("%.3f", usec / 1000.0) : std::string("-");
}

}  // namespace

std::string FormatMountStats(const amq2_mount_stats_list& list, const amq2_nfs_stats_list* nfs) {
  int pw = Len("Path"), tw = Len("Type"), sw = Len("Server");
  for (u_int i = 0; i < list.amq2_mount_stats_list_len; ++i) {
    const amq2_mount_stats& m = list.amq2_mount_stats_list_val[i];
    pw = std::max(pw, Len(m.ms_path));
    tw = std::max(tw, Len(m.ms_type));
    sw = std::max(sw, Len(m.ms_server));
  }
  std::string out = Col("Path", pw) + " " + Col("Type", tw) + " " + Col("Server", sw) +
                    " Mounted@            Mount us  Requests\n";
  for (u_int i = 0; i < list.amq2_mount_stats_list_len; ++i) {
    const amq2_mount_stats& m = list.amq2_mount_stats_list_val[i];
    out += Col(m.ms_path, pw) + " " + Col(m.ms_type, tw) + " " + Col(m.ms_server, sw) + " " +
           FormatTime(static_cast<int>(m.ms_mounted_at)) +
           Printf(" %-9llu %u\n", static_cast<unsigned long long>(m.ms_mount_usec), m.ms_requests);
  }
  if (nfs == nullptr || nfs->amq2_nfs_stats_list_len == 0) return out;
  // Each NFS mount's response times: metadata calls (LOOKUP, GETATTR,
  // ACCESS) short- and long-term, READ per KiB, NULL probes, in ms.
  int mw = Len("NFS mount"), dw = Len("Device");
  for (u_int i = 0; i < nfs->amq2_nfs_stats_list_len; ++i) {
    mw = std::max(mw, Len(nfs->amq2_nfs_stats_list_val[i].ns_mount_point));
    dw = std::max(dw, Len(nfs->amq2_nfs_stats_list_val[i].ns_device));
  }
  out += "\n" + Col("NFS mount", mw) + " " + Col("Device", dw) +
         " Health   Short ms  Long ms   Read ms/KiB Probe ms  Ops/s     RTT ms    Exe ms    "
         "Retrans  Timeouts Errors\n";
  for (u_int i = 0; i < nfs->amq2_nfs_stats_list_len; ++i) {
    const amq2_nfs_stats& n = nfs->amq2_nfs_stats_list_val[i];
    out += Col(n.ns_mount_point, mw) + " " + Col(n.ns_device, dw) + " " + Col(n.ns_health, 8) +
           " " + Col(Millis(n.ns_short_usec, n.ns_measured & 1), 9) + " " +
           Col(Millis(n.ns_long_usec, n.ns_measured & 2), 9) + " " +
           Col(Millis(n.ns_read_usec_kib, n.ns_measured & 4), 11) + " " +
           Col(Millis(n.ns_probe_usec, n.ns_measured & 8), 9) + " " +
           Col(Printf("%.3f", n.ns_ops_milli_per_s / 1000.0), 9) + " " +
           Col(Millis(n.ns_rtt_usec, true), 9) + " " + Col(Millis(n.ns_exe_usec, true), 9) + " " +
           Printf("%-8llu %-8llu %llu\n", static_cast<unsigned long long>(n.ns_retrans),
                  static_cast<unsigned long long>(n.ns_timeouts),
                  static_cast<unsigned long long>(n.ns_errors));
  }
  return out;
}

std::string MountStatsJson(const amq2_mount_stats_list& list, const amq2_nfs_stats_list* nfs) {
  nlohmann::json out = nlohmann::json::array();
  for (u_int i = 0; i < list.amq2_mount_stats_list_len; ++i) {
    const amq2_mount_stats& m = list.amq2_mount_stats_list_val[i];
    nlohmann::json node = {{"path", m.ms_path},
                           {"type", m.ms_type},
                           {"mountinfo", m.ms_mountinfo},
                           {"server", m.ms_server},
                           {"mounted_at", m.ms_mounted_at},
                           {"mount_usec", m.ms_mount_usec},
                           {"requests", m.ms_requests}};
    for (u_int j = 0; nfs != nullptr && j < nfs->amq2_nfs_stats_list_len; ++j) {
      const amq2_nfs_stats& n = nfs->amq2_nfs_stats_list_val[j];
      if (std::string_view(n.ns_path) != m.ms_path) continue;
      auto usec = [&](unsigned v, unsigned bit) {
        return n.ns_measured & bit ? nlohmann::json(v) : nlohmann::json(nullptr);
      };
      node["nfs"].push_back({{"mount_point", n.ns_mount_point},
                             {"device", n.ns_device},
                             {"health", n.ns_health},
                             {"short_usec", usec(n.ns_short_usec, 1)},
                             {"long_usec", usec(n.ns_long_usec, 2)},
                             {"read_usec_per_kib", usec(n.ns_read_usec_kib, 4)},
                             {"probe_usec", usec(n.ns_probe_usec, 8)},
                             {"ops_per_s", n.ns_ops_milli_per_s / 1000.0},
                             {"rtt_usec", n.ns_rtt_usec},
                             {"exe_usec", n.ns_exe_usec},
                             {"retrans", n.ns_retrans},
                             {"timeouts", n.ns_timeouts},
                             {"errors", n.ns_errors},
                             {"probes_failed", n.ns_probes_failed}});
    }
    out.push_back(std::move(node));
  }
  return out.dump(2) + "\n";
}

std::string TreeJson(const amq_mount_tree_list& list) {
  nlohmann::json out = nlohmann::json::array();
  for (u_int i = 0; i < list.amq_mount_tree_list_len; ++i) {
    Walk(list.amq_mount_tree_list_val[i],
         [&](const amq_mount_tree* t) { out.push_back(NodeJson(t)); });
  }
  return out.dump(2) + "\n";
}

std::string StatsJson(const amq_mount_tree* tree) {
  nlohmann::json out = nlohmann::json::array();
  Walk(tree, [&](const amq_mount_tree* t) { out.push_back(NodeJson(t)); });
  return out.dump(2) + "\n";
}

std::string MountsJson(const amq_mount_info_list& list) {
  nlohmann::json out = nlohmann::json::array();
  for (u_int i = 0; i < list.amq_mount_info_list_len; ++i) {
    const amq_mount_info& m = list.amq_mount_info_list_val[i];
    out.push_back({{"mountinfo", m.mi_mountinfo},
                   {"mountpoint", m.mi_mountpt},
                   {"type", m.mi_type},
                   {"refc", m.mi_refc},
                   {"fserver", m.mi_fserver},
                   {"up", m.mi_up},
                   {"error", m.mi_error}});
  }
  return out.dump(2) + "\n";
}

std::string GlobalStatsJson(const amq_mount_stats& s) {
  nlohmann::json out = {{"requests_deferred", s.as_drops},
                        {"stale_fhandles", s.as_stale},
                        {"mount_ok", s.as_mok},
                        {"mount_failed", s.as_merr},
                        {"unmount_failed", s.as_uerr}};
  return out.dump(2) + "\n";
}

std::string MapsJson(const amq_map_info_list& list) {
  nlohmann::json out = nlohmann::json::array();
  for (u_int i = 0; i < list.amq_map_info_list_len; ++i) {
    const amq_map_info& m = list.amq_map_info_list_val[i];
    out.push_back({{"name", m.mi_name},
                   {"wildcard", m.mi_wildcard},
                   {"flags", m.mi_flags},
                   {"refc", m.mi_refc},
                   {"entries", m.mi_nentries},
                   {"reloads", m.mi_reloads},
                   {"up", m.mi_up},
                   {"modified", m.mi_modify}});
  }
  return out.dump(2) + "\n";
}

namespace {

// The number at `key` with `format`; "-" when it is unknown (negative).
std::string Number(const nlohmann::json& j, const char* key, const char* format = "%.2f") {
  double v = j.value(key, -1.0);
  if (v < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

std::string FormatReplicas(const std::string& json) {
  auto all = nlohmann::json::parse(json, nullptr, false);
  if (all.is_discarded() || !all.is_array()) return "";
  std::string out;
  for (const auto& v : all) {
    out += v.value("mountpoint", "?") + ": volume " + v.value("volume", "?") + " from " +
           v.value("replica", "?");
    if (v.contains("revision")) out += " at revision " + std::to_string(v.value("revision", 0));
    out += ", " + std::to_string(v.value("switches", 0)) + " switches\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %-32s %-9s %9s %9s %9s %9s %9s %8s\n", "replica", "state",
                  "meta-ms", "long-ms", "probe-ms", "read-MB/s", "rto-ms", "calls");
    out += line;
    for (const auto& r : v.value("replicas", nlohmann::json::array())) {
      std::string name = (r.value("in_use", false) ? "*" : " ") + r.value("name", "?");
      std::snprintf(line, sizeof line, "  %-32s %-9s %9s %9s %9s %9s %9s %8llu\n", name.c_str(),
                    r.value("state", "?").c_str(), Number(r, "metadata_short_ms").c_str(),
                    Number(r, "metadata_long_ms").c_str(), Number(r, "probe_ms").c_str(),
                    Number(r, "read_mb_s", "%.0f").c_str(), Number(r, "rto_ms").c_str(),
                    static_cast<unsigned long long>(r.value("calls", 0ull)));
      out += line;
      if (r.contains("rejected")) out += "    refused: " + r.value("rejected", "") + "\n";
    }
    for (const auto& h : v.value("history", nlohmann::json::array())) {
      std::time_t t = static_cast<std::time_t>(h.value("at", 0.0));
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
      out += std::string("  ") + when + " " + h.value("from", "?") + " -> " + h.value("to", "?") +
             ": " + h.value("reason", "") + "\n";
    }
  }
  return out;
}

}  // namespace amd::amq
