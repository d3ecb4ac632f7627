// amq: queries and steers amd over the AMQ protocol, with the flags,
// output and exit status of am-utils 6.2's amq (reference section 6), plus
// --json for the listings and --port for an amd that rpcbind does not know.
#include <arpa/inet.h>
#include <netdb.h>
#include <rpc/pmap_clnt.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "amq/amq_format.h"
#include "rpc/amq_prot.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_codec.h"

namespace {

using amd::Result;
using amd::Status;

const char kUsage[] =
    "Usage: amq [-fimpqsvwHTU] [-h hostname] [-l log_file|\"syslog\"]\n"
    "\t[-x log_options] [-D debug_options]\n"
    "\t[-P program_number] [[-u[u]] directory ...]\n";

template <typename T>
xdrproc_t P(bool_t (*f)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(f);
}

// One amd to talk to: TCP first, then UDP (as the original), each call
// bounded in time.
class Client {
 public:
  Client(sockaddr_in addr, uint32_t prog, bool tcp, bool udp, std::optional<uint16_t> port)
      : addr_(addr), prog_(prog), tcp_(tcp), udp_(udp), port_(port) {}

  // The reply's results to `proc`, or why there are none.
  Result<std::vector<uint8_t>> Call(uint32_t proc, const std::vector<uint8_t>& args,
                                    int timeout_s = 40) {
    Status last = Status::Error("no transport", std::errc::invalid_argument);
    for (bool tcp : {true, false}) {
      if ((tcp && !tcp_) || (!tcp && !udp_)) continue;
      auto r = CallOn(tcp, proc, args, timeout_s);
      if (r.ok()) return r;
      last = r.status();
      // Only a transport that could not be reached gives way to the next.
      if (last.code() != std::make_error_code(std::errc::connection_refused) &&
          last.code() != std::make_error_code(std::errc::host_unreachable)) {
        return last;
      }
    }
    return last;
  }

 private:
  Result<std::vector<uint8_t>> CallOn(bool tcp, uint32_t proc, const std::vector<uint8_t>& args, int timeout_s) {
    sockaddr_in a = addr_;
    if (port_) {
      a.sin_port = htons(*port_);
    } else {
      u_short p = pmap_getport(&a, prog_, 1, tcp ? IPPROTO_TCP : IPPROTO_UDP);
      if (p == 0) return Status::Error("program not registered with rpcbind", std::errc::connection_refused);
      a.sin_port = htons(p);
    }
    int fd = ::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    timeval tv{timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("connect", err);
    }
    uint32_t xid = static_cast<uint32_t>(::getpid()) * 65536u + ++calls_;
    auto msg = amd::rpc::CallMessage(xid, prog_, 1, proc, args);
    if (tcp) msg = amd::rpc::FrameRecord(msg);
    std::vector<uint8_t> reply;
    uint8_t buf[65536];
    if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(msg.size())) {
      if (tcp) {
        amd::rpc::RecordAssembler records(16 << 20);
        while (true) {
          if (auto r = records.Next()) {
            reply = *r;
            break;
          }
          ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0 || !records.Feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)))) break;
        }
      } else {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) reply.assign(buf, buf + n);
      }
    }
    int err = errno;
    ::close(fd);
    if (reply.empty()) {
      return Status::FromErrno("no answer", err == EAGAIN || err == EWOULDBLOCK ? ETIMEDOUT : err ? err : EPIPE);
    }
    auto parsed = amd::rpc::ParseReply(reply);
    if (!parsed.ok()) return parsed.status();
    return std::vector<uint8_t>(parsed->results.begin(), parsed->results.end());
  }

  sockaddr_in addr_;
  uint32_t prog_;
  bool tcp_, udp_;
  std::optional<uint16_t> port_;
  uint32_t calls_ = 0;
};

std::vector<uint8_t> StringArg(const std::string& s) {
  amq_string v = const_cast<char*>(s.c_str());
  return *amd::rpc::XdrEncode(P(xdr_amq_string), &v);
}

// The original's clnt_perror: "amq: HOST: RPC: reason".
void RpcError(const std::string& server, const Status& s) {
  std::cerr << "amq: " << server << ": RPC: " << s.ToString() << "\n";
}

int SetOpt(Client& c, amq_opt opt, const std::string& value, int* rc) {
  amq_setopt o{opt, const_cast<char*>(value.c_str())};
  auto r = c.Call(AMQPROC_SETOPT, *amd::rpc::XdrEncode(P(xdr_amq_setopt), &o));
  if (!r.ok()) return -2;
  amd::rpc::XdrValue<int> v(P(xdr_int));
  if (!v.Decode(*r).ok()) return -2;
  *rc = v.get();
  return 0;
}

int Run(int argc, char** argv) {
  bool flush = false, minfo = false, mapinfo = false, getpid_flag = false, stats = false, vers = false,
       pwd = false, quiet = false, use_tcp = false, use_udp = false, json = false, nodefault = false;
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
        case 'H': std::cerr << kUsage; return 1;
        case 'f': flush = nodefault = true; break;
        case 'i': mapinfo = nodefault = true; break;
        case 'm': minfo = nodefault = true; break;
        case 'p': getpid_flag = nodefault = true; break;
        case 'q': quiet = true; break;
        case 's': stats = nodefault = true; break;
        case 'u': ++unmount; nodefault = true; break;
        case 'v': vers = nodefault = true; break;
        case 'w': pwd = true; break;
        case 'T': use_tcp = true; break;
        case 'U': use_udp = true; break;
        case 'h': if (auto v = value()) server = *v; else errs = true; break;
        case 'l': if ((logfile = value())) nodefault = true; else errs = true; break;
        case 'x': if ((xlog = value())) nodefault = true; else errs = true; break;
        case 'D': if ((debug_opts = value())) nodefault = true; else errs = true; break;
        case 'P': if (auto v = value()) prog = static_cast<uint32_t>(std::atol(v->c_str())); else errs = true; break;
        default: errs = true;
      }
    }
  }
  if (errs || (unmount > 0 && dirs.empty())) {
    std::cerr << kUsage;
    return 1;
  }
  if (!use_tcp && !use_udp) use_tcp = use_udp = true;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  if (::getaddrinfo(server.c_str(), nullptr, &hints, &res) == 0 && res != nullptr) {
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    ::freeaddrinfo(res);
  } else if (server == "localhost") {
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else {
    std::cerr << "amq: Can't get address of " << server << "\n";
    return 1;
  }
  Client client(addr, prog, use_tcp, use_udp, port);
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
        if (auto r = client.Call(AMQPROC_UMNT, StringArg(fs)); !r.ok()) {
          RpcError(server, r.status());
          status = 1;
        }
      } else if (unmount > 1) {
        auto r = client.Call(AMQPROC_SYNC_UMNT, StringArg(fs));
        amd::rpc::XdrValue<amq_sync_umnt_wire> w(P(xdr_amq_sync_umnt_wire));
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
          if (!quiet) std::cout << "falling back to asynchronous unmount: " << std::strerror(f[1]) << "\n";
          status = f[0];
        } else if (f[0] != AMQ_UMNT_OK) {
          status = f[0];
        }
      } else {
        auto r = client.Call(AMQPROC_MNTTREE, StringArg(fs));
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
      std::cout << (json ? amd::amq::GlobalStatsJson(s.get()) : amd::amq::FormatGlobalStats(s.get()));
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
