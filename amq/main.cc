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

#include "amq/amq_args.h"
#include "amq/amq_client.h"
#include "amq/amq_format.h"
#include "rpc/amq_prot.h"
#include "rpc/xdr_codec.h"
#include "rpc/xdr_stream.h"

namespace {

using amd::Result;
using amd::Status;
using amd::amq::AmqArgs;

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

// -D, -x, -l and -f: amd's options; 1 when one was refused.
int SetOptions(amd::amq::Client& client, const AmqArgs& o) {
  int rc = 0;
  int status = 0;
  if (o.debug_opts) {
    int got = SetOpt(client, AMOPT_DEBUG, *o.debug_opts, &rc);
    if (got == 0 && rc < 0) {
      std::cerr << "amq: daemon not compiled for debug\n";
      status = 1;
    } else if (got != 0 || rc > 0) {
      std::cerr << "amq: debug setting for \"" << *o.debug_opts << "\" failed\n";
      status = 1;
    }
  }
  if (o.xlog && (SetOpt(client, AMOPT_XLOG, *o.xlog, &rc) != 0 || rc != 0)) {
    std::cerr << "amq: setting log level to \"" << *o.xlog << "\" failed\n";
    status = 1;
  }
  if (o.logfile && (SetOpt(client, AMOPT_LOGFILE, *o.logfile, &rc) != 0 || rc != 0)) {
    std::cerr << "amq: setting logfile to \"" << *o.logfile << "\" failed\n";
    status = 1;
  }
  if (o.flush && (SetOpt(client, AMOPT_FLUSHMAPC, "", &rc) != 0 || rc != 0)) {
    std::cerr << "amq: amd on " << o.server << " cannot flush the map cache\n";
    status = 1;
  }
  return status;
}

// -w: the working directory as amd's mount tree names it.
int PrintWorkingDirectory(amd::amq::Client& client) {
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

// -m, -i, --mount-stats, -v, -p, in the original's order; 1 when one
// failed in a way the original counts.
int PrintListings(amd::amq::Client& client, const AmqArgs& o) {
  int status = 0;
  if (o.minfo) {
    auto r = client.Call(AMQPROC_GETMNTFS, {});
    amd::rpc::XdrValue<amq_mount_info_list> l(P(xdr_amq_mount_info_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (o.json ? amd::amq::MountsJson(l.get()) : amd::amq::FormatMounts(l.get()));
    } else {
      std::cerr << "amq: amd on " << o.server << " cannot provide mount info\n";
    }
  }
  if (o.mapinfo) {
    auto r = client.Call(AMQPROC_GETMAPINFO, {});
    amd::rpc::XdrValue<amq_map_info_list> l(P(xdr_amq_map_info_list));
    if (r.ok() && l.Decode(*r).ok()) {
      std::cout << (o.json ? amd::amq::MapsJson(l.get()) : amd::amq::FormatMaps(l.get()));
    } else {
      std::cerr << "amq: amd on " << o.server << " cannot provide map info\n";
    }
  }
  if (o.mount_stats) {
    auto r = client.Call(AMQ2PROC_MOUNT_STATS, {}, 40, AMQ_VERSION2);
    amd::rpc::XdrValue<amq2_mount_stats_list> l(P(xdr_amq2_mount_stats_list));
    if (r.ok() && l.Decode(*r).ok()) {
      // The NFS mounts' response times; an amd without them lists the rest.
      auto n = client.Call(AMQ2PROC_NFS_STATS, {}, 40, AMQ_VERSION2);
      amd::rpc::XdrValue<amq2_nfs_stats_list> nl(P(xdr_amq2_nfs_stats_list));
      const amq2_nfs_stats_list* nfs = n.ok() && nl.Decode(*n).ok() ? &nl.get() : nullptr;
      std::cout << (o.json ? amd::amq::MountStatsJson(l.get(), nfs)
                           : amd::amq::FormatMountStats(l.get(), nfs));
    } else {
      RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  }
  if (o.replicas) {
    std::vector<uint8_t> arg;
    amd::rpc::XdrWriter(&arg).String(o.dirs.empty() ? "" : o.dirs[0]);
    auto r = client.Call(AMQ2PROC_REPLICAS, arg, 40, AMQ_VERSION2);
    amd::rpc::XdrValue<amq_string> v(P(xdr_amq_string));
    if (r.ok() && v.Decode(*r).ok() && v.get()) {
      std::cout << (o.json ? std::string(v.get()) + "\n" : amd::amq::FormatReplicas(v.get()));
    } else {
      RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  }
  if (o.switch_replica) {
    std::vector<uint8_t> arg;
    amd::rpc::XdrWriter w(&arg);
    w.String(o.switch_dir);
    w.String(o.to);
    auto r = client.Call(AMQ2PROC_SWITCH, arg, 60, AMQ_VERSION2);
    amd::rpc::XdrValue<amq_string> v(P(xdr_amq_string));
    if (r.ok() && v.Decode(*r).ok() && v.get()) {
      std::string answer = v.get();
      bool ok = answer.starts_with("ok ");
      (ok ? std::cout : std::cerr)
          << (ok ? "amq: " + answer.substr(3) : "amq: " + answer.substr(answer.find(' ') + 1))
          << "\n";
      if (!ok) status = 1;
    } else {
      RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      status = 1;
    }
  }
  if (o.vers) {
    auto r = client.Call(AMQPROC_GETVERS, {});
    amd::rpc::XdrValue<amq_string> v(P(xdr_amq_string));
    if (r.ok() && v.Decode(*r).ok() && v.get() && *v.get()) {
      std::cout << v.get();
    } else {
      std::cerr << "amq: failed to get version information\n";
      status = 1;
    }
  }
  if (o.getpid) {
    auto r = client.Call(AMQPROC_GETPID, {});
    amd::rpc::XdrValue<int> v(P(xdr_int));
    if (r.ok() && v.Decode(*r).ok() && v.get() != 0) {
      std::cout << v.get() << "\n";
    } else {
      std::cerr << "amq: failed to get PID of amd\n";
      status = 1;
    }
  }
  return status;
}

// -uu DIR: a synchronous unmount, with the original's messages and exit
// statuses; `status` keeps the last failure.
void SyncUnmount(amd::amq::Client& client, const AmqArgs& o, const std::string& fs, int* status) {
  auto r = client.Call(AMQPROC_SYNC_UMNT, amd::amq::StringArg(fs));
  amd::rpc::XdrValue<amq_sync_umnt_wire> w(P(xdr_amq_sync_umnt_wire));
  if (!r.ok() && r.status().code() == std::errc::permission_denied) {
    RpcError(o.server, r.status());  // not root: amd said so
    *status = 1;
    return;
  }
  if (!r.ok() || !w.Decode(*r).ok()) {
    if (!o.quiet) std::cerr << "amd server down\n";
    *status = AMQ_UMNT_SERVER;
    return;
  }
  int32_t f[3];
  std::memcpy(f, w.get(), sizeof f);
  if (f[0] == AMQ_UMNT_FORK && f[1] == 0) {
    if (!o.quiet) std::cout << fs << " is not mounted\n";
  } else if (f[0] == AMQ_UMNT_FAILED) {
    if (!o.quiet) std::cout << "unmount failed: " << std::strerror(f[1]) << "\n";
    *status = f[0];
  } else if (f[0] == AMQ_UMNT_FORK) {
    if (!o.quiet) {
      std::cout << "falling back to asynchronous unmount: " << std::strerror(f[1]) << "\n";
    }
    *status = f[0];
  } else if (f[0] != AMQ_UMNT_OK) {
    *status = f[0];
  }
}

// DIR...: unmount each (-u, -uu), or show its statistics.
int ForDirectories(amd::amq::Client& client, const AmqArgs& o) {
  int status = 0;
  for (const auto& fs : o.dirs) {
    if (o.unmount == 1) {
      if (auto r = client.Call(AMQPROC_UMNT, amd::amq::StringArg(fs)); !r.ok()) {
        RpcError(o.server, r.status());
        status = 1;
      }
    } else if (o.unmount > 1) {
      SyncUnmount(client, o, fs, &status);
    } else {
      auto r = client.Call(AMQPROC_MNTTREE, amd::amq::StringArg(fs));
      amd::rpc::XdrValue<amq_mount_tree_p> t(P(xdr_amq_mount_tree_p));
      if (!r.ok() || !t.Decode(*r).ok()) {
        RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
        status = 1;
      } else if (t.get() == nullptr) {
        std::cerr << "amq: " << fs << " not automounted\n";
      } else {
        std::cout << (o.json ? amd::amq::StatsJson(t.get()) : amd::amq::FormatStats(t.get()));
      }
    }
  }
  return status;
}

// -s, or with nothing else asked, the mount tree.
int PrintDefault(amd::amq::Client& client, const AmqArgs& o) {
  if (o.stats) {
    auto r = client.Call(AMQPROC_STATS, {});
    amd::rpc::XdrValue<amq_mount_stats> s(P(xdr_amq_mount_stats));
    if (!r.ok() || !s.Decode(*r).ok()) {
      RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
      return 1;
    }
    std::cout << (o.json ? amd::amq::GlobalStatsJson(s.get())
                         : amd::amq::FormatGlobalStats(s.get()));
    return 0;
  }
  if (o.nodefault) return 0;
  auto r = client.Call(AMQPROC_EXPORT, {});
  amd::rpc::XdrValue<amq_mount_tree_list> l(P(xdr_amq_mount_tree_list));
  if (!r.ok() || !l.Decode(*r).ok()) {
    RpcError(o.server, r.ok() ? Status::Error("cannot decode the answer") : r.status());
    return 1;
  }
  std::cout << (o.json ? amd::amq::TreeJson(l.get()) : amd::amq::FormatTree(l.get()));
  return 0;
}

int Run(int argc, char** argv) {
  auto parsed = amd::amq::ParseAmqArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed) {
    std::cerr << amd::amq::kAmqUsage;
    return 1;
  }
  const AmqArgs& o = *parsed;
  auto addr = amd::amq::HostAddress(o.server);
  if (!addr) {
    std::cerr << "amq: Can't get address of " << o.server << "\n";
    return 1;
  }
  amd::amq::Client client(*addr, o.program, o.tcp, o.udp, o.port);
  // Is amd there at all? (The original fails at clnt_create.)
  if (auto r = client.Call(AMQPROC_NULL, {}, 5); !r.ok()) {
    std::cerr << "amq: " << o.server << ": RPC: " << r.status().ToString() << "\n";
    return 1;
  }
  int status = SetOptions(client, o);
  if (o.pwd) return PrintWorkingDirectory(client);
  if (PrintListings(client, o) != 0) status = 1;
  int rest = o.dirs.empty() ? PrintDefault(client, o) : ForDirectories(client, o);
  return rest != 0 ? rest : status;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
