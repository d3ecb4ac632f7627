// amq: queries and steers amd over the AMQ protocol, with the flags,
// output and exit status of am-utils 6.2's amq (reference section 6), plus
// --json for the listings, --port for an amd that rpcbind does not know,
// and --mount-stats (AMQ version 2).
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "amq/amq_client.h"
#include "amq/amq_format.h"
#include "rpc/amq_prot.h"
#include "rpc/xdr_codec.h"

namespace {

using amd::Result;
using amd::Status;

const char kUsage[] =
    "Usage: amq [-fimpqsvwHTU] [-h hostname] [-l log_file|\"syslog\"]\n"
    "\t[-x log_options] [-D debug_options]\n"
    "\t[-P program_number] [[-u[u]] directory ...]\n";

using amd::amq::P;

// The original's clnt_perror: "amq: HOST: RPC: reason".
void RpcError(const std::string& server, const Status& s) {
  std::cerr << "amq: " << server << ": RPC: " << s.ToString() << "\n";
}

int SetOpt(amd::amq::Client& c, amq_opt opt, const std::string& value, int* rc) {
  amq_setopt o{opt, const_cast<char*>(value.c_str())};
  auto r = c.Call(AMQPROC_SETOPT, *amd::rpc::XdrEncode(P(xdr_amq_setopt), &o));
  if (!r.ok()) return -2;
  amd::rpc::XdrValue<int> v(P(xdr_int));
  if (!v.Decode(*r).ok()) return -2;
  *rc = v.get();
  return 0;
}

int Run(int argc, char** argv) {
  bool flush = false, minfo = false, mapinfo = false, getpid_flag = false, stats = false,
       vers = false, pwd = false, quiet = false, use_tcp = false, use_udp = false, json = false,
       nodefault = false, mount_stats = false;
  int unmount = 0;
  std::string server = "localhost";
  std::optional<std::string> debug_opts, logfile, xlog;
  uint32_t prog = AMQ_PROGRAM;
  std::optional<uint16_t> port;
  std::vector<std::string> dirs;
  bool errs = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      json = true;
      continue;
    }
    if (a == "--mount-stats") {
      mount_stats = nodefault = true;
      continue;
    }
    if (a == "--port" && i + 1 < argc) {
      port = static_cast<uint16_t>(std::atoi(argv[++i]));
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a == "--") {
      for (int j = (a == "--" ? i + 1 : i); j < argc; ++j) dirs.push_back(argv[j]);
      break;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      char c = a[k];
      auto value = [&]() -> std::optional<std::string> {
        if (k + 1 < a.size()) {
          std::string v = a.substr(k + 1);
          k = a.size();
          return v;
        }
        if (i + 1 < argc) return std::string(argv[++i]);
        return std::nullopt;
      };
      switch (c) {
        case 'H':
          std::cerr << kUsage;
          return 1;
        case 'f':
          flush = nodefault = true;
          break;
        case 'i':
          mapinfo = nodefault = true;
          break;
        case 'm':
          minfo = nodefault = true;
          break;
        case 'p':
          getpid_flag = nodefault = true;
          break;
        case 'q':
          quiet = true;
          break;
        case 's':
          stats = nodefault = true;
          break;
        case 'u':
          ++unmount;
          nodefault = true;
          break;
        case 'v':
          vers = nodefault = true;
          break;
        case 'w':
          pwd = true;
          break;
        case 'T':
          use_tcp = true;
          break;
        case 'U':
          use_udp = true;
          break;
        case 'h':
          if (auto v = value())
            server = *v;
          else
            errs = true;
          break;
        case 'l':
          if ((logfile = value()))
            nodefault = true;
          else
            errs = true;
          break;
        case 'x':
          if ((xlog = value()))
            nodefault = true;
          else
            errs = true;
          break;
        case 'D':
          if ((debug_opts = value()))
            nodefault = true;
          else
            errs = true;
          break;
        case 'P':
          if (auto v = value())
            prog = static_cast<uint32_t>(std::atol(v->c_str()));
          else
            errs = true;
          break;
        default:
          errs = true;
      }
    }
  }
  if (errs || (unmount > 0 && dirs.empty())) {
    std::cerr << kUsage;
    return 1;
  }
  if (!use_tcp && !use_udp) use_tcp = use_udp = true;
  auto addr = amd::amq::HostAddress(server);
  if (!addr) {
    std::cerr << "amq: Can't get address of " << server << "\n";
    return 1;
  }
  amd::amq::Client client(*addr, prog, use_tcp, use_udp, port);
  // Is amd there at all? (The original fails at clnt_create.)
  if (auto r = client.Call(AMQPROC_NULL, {}, 5); !r.ok()) {
    std::cerr << "amq: " << server << ": RPC: " << r.status().ToString() << "\n";
    return 1;
  }
  int rc = 0;
  int status = 0;
  if (debug_opts) {
    int got = SetOpt(client, AMOPT_DEBUG, *debug_opts, &rc);
    if (got == 0 && rc < 0) {
      std::cerr << "amq: daemon not compiled for debug\n";
      status = 1;
    } else if (got != 0 || rc > 0) {
      std::cerr << "amq: debug setting for \"" << *debug_opts << "\" failed\n";
      status = 1;
    }
  }
  if (xlog && (SetOpt(client, AMOPT_XLOG, *xlog, &rc) != 0 || rc != 0)) {
    std::cerr << "amq: setting log level to \"" << *xlog << "\" failed\n";
    status = 1;
  }
  if (logfile && (SetOpt(client, AMOPT_LOGFILE, *logfile, &rc) != 0 || rc != 0)) {
    std::cerr << "amq: setting logfile to \"" << *logfile << "\" failed\n";
    status = 1;
  }
  if (flush && (SetOpt(client, AMOPT_FLUSHMAPC, "", &rc) != 0 || rc != 0)) {
    std::cerr << "amq: amd on " << server << " cannot flush the map cache\n";
    status = 1;
  }
  if (pwd) {
    char cwd[PATH_MAX + 1];
    if (::getcwd(cwd, sizeof cwd) == nullptr) {
      std::perror("getcwd");
      return 1;
    }
    auto r = client.Call(AMQPROC_EXPORT, {});
    amd::rpc::XdrValue<amq_mount_tree_list> l(P(xdr_amq_mount_tree_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << amd::amq::TranslatePath(l.get(), cwd) << "\n";
    } else {
      std::cout << cwd << "\n";
    }
    return 0;
  }
  if (minfo) {
    auto r = client.Call(AMQPROC_GETMNTFS, {});
    amd::rpc::XdrValue<amq_mount_info_list> l(P(xdr_amq_mount_info_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (json ? amd::amq::MountsJson(l.get()) : amd::amq::FormatMounts(l.get()));
    } else {
      std::cerr << "amq: amd on " << server << " cannot provide mount info\n";
    }
  }
  if (mapinfo) {
    auto r = client.Call(AMQPROC_GETMAPINFO, {});
    amd::rpc::XdrValue<amq_map_info_list> l(P(xdr_amq_map_info_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (json ? amd::amq::MapsJson(l.get()) : amd::amq::FormatMaps(l.get()));
    } else {
      std::cerr << "amq: amd on " << server << " cannot provide map info\n";
    }
  }
  if (mount_stats) {
    auto r = client.Call(AMQ2PROC_MOUNT_STATS, {}, 40, AMQ_VERSION2);
    amd::rpc::XdrValue<amq2_mount_stats_list> l(P(xdr_amq2_mount_stats_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (json ? amd::amq::MountStatsJson(l.get()) : amd::amq::FormatMountStats(l.get()));
    } else {
      RpcError(server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  }
  if (vers) {
    auto r = client.Call(AMQPROC_GETVERS, {});
    amd::rpc::XdrValue<amq_string> v(P(xdr_amq_string));
    if (r.ok() && v.Decode(*r).ok() && v.get() && *v.get()) {
      std::cout << v.get();
    } else {
      std::cerr << "amq: failed to get version information\n";
      status = 1;
    }
  }
  if (getpid_flag) {
    auto r = client.Call(AMQPROC_GETPID, {});
    amd::rpc::XdrValue<int> v(P(xdr_int));
    if (r.ok() && v.Decode(*r).ok() && v.get() != 0) {
      std::cout << v.get() << "\n";
    } else {
      std::cerr << "amq: failed to get PID of amd\n";
      status = 1;
    }
  }
  if (!dirs.empty()) {
    for (const auto& fs : dirs) {
      if (unmount == 1) {
        if (auto r = client.Call(AMQPROC_UMNT, amd::amq::StringArg(fs)); !r.ok()) {
          RpcError(server, r.status());
          status = 1;
        }
      } else if (unmount > 1) {
        auto r = client.Call(AMQPROC_SYNC_UMNT, amd::amq::StringArg(fs));
        amd::rpc::XdrValue<amq_sync_umnt_wire> w(P(xdr_amq_sync_umnt_wire));
        if (!r.ok() && r.status().code() == std::errc::permission_denied) {
          RpcError(server, r.status());  // not root: amd said so
          status = 1;
          continue;
        }
        if (!r.ok() || !w.Decode(*r).ok()) {
          if (!quiet) std::cerr << "amd server down\n";
          status = AMQ_UMNT_SERVER;
          continue;
        }
        int32_t f[3];
        std::memcpy(f, w.get(), sizeof f);
        if (f[0] == AMQ_UMNT_FORK && f[1] == 0) {
          if (!quiet) std::cout << fs << " is not mounted\n";
        } else if (f[0] == AMQ_UMNT_FAILED) {
          if (!quiet) std::cout << "unmount failed: " << std::strerror(f[1]) << "\n";
          status = f[0];
        } else if (f[0] == AMQ_UMNT_FORK) {
          if (!quiet)
            std::cout << "falling back to asynchronous unmount: " << std::strerror(f[1]) << "\n";
          status = f[0];
        } else if (f[0] != AMQ_UMNT_OK) {
          status = f[0];
        }
      } else {
        auto r = client.Call(AMQPROC_MNTTREE, amd::amq::StringArg(fs));
        amd::rpc::XdrValue<amq_mount_tree_p> t(P(xdr_amq_mount_tree_p));
        if (!r.ok() || !t.Decode(*r).ok()) {
          RpcError(server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
          status = 1;
        } else if (t.get() == nullptr) {
          std::cerr << "amq: " << fs << " not automounted\n";
        } else {
          std::cout << (json ? amd::amq::StatsJson(t.get()) : amd::amq::FormatStats(t.get()));
        }
      }
    }
  } else if (stats) {
    auto r = client.Call(AMQPROC_STATS, {});
    amd::rpc::XdrValue<amq_mount_stats> s(P(xdr_amq_mount_stats));
    if (r.ok() && s.Decode(*r).ok()) {
      std::cout << (json ? amd::amq::GlobalStatsJson(s.get())
                         : amd::amq::FormatGlobalStats(s.get()));
    } else {
      RpcError(server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  } else if (!nodefault) {
    auto r = client.Call(AMQPROC_EXPORT, {});
    amd::rpc::XdrValue<amq_mount_tree_list> l(P(xdr_amq_mount_tree_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (json ? amd::amq::TreeJson(l.get()) : amd::amq::FormatTree(l.get()));
    } else {
      RpcError(server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
