// amq's command line; see amq_args.h.
#include "amq/amq_args.h"

#include <cstdlib>

namespace amd::amq {

const char kAmqUsage[] =
    "Usage: amq [-fimpqsvwHTU] [-h hostname] [-l log_file|\"syslog\"]\n"
    "\t[-x log_options] [-D debug_options]\n"
    "\t[-P program_number] [[-u[u]] directory ...]\n";

namespace {

// The flags that take no value: set what `c` says in `o`; false when `c`
// is not one of them.
bool SetFlag(char c, AmqArgs& o, bool* only_tcp, bool* only_udp) {
  switch (c) {
    case 'f':
      o.flush = o.nodefault = true;
      return true;
    case 'i':
      o.mapinfo = o.nodefault = true;
      return true;
    case 'm':
      o.minfo = o.nodefault = true;
      return true;
    case 'p':
      o.getpid = o.nodefault = true;
      return true;
    case 'q':
      o.quiet = true;
      return true;
    case 's':
      o.stats = o.nodefault = true;
      return true;
    case 'u':
      ++o.unmount;
      o.nodefault = true;
      return true;
    case 'v':
      o.vers = o.nodefault = true;
      return true;
    case 'w':
      o.pwd = true;
      return true;
    case 'T':
      *only_tcp = true;
      return true;
    case 'U':
      *only_udp = true;
      return true;
    default:
      return false;
  }
}

// The flags that take a value: stores `v` where `c` says; false when `c`
// is not one of them.
bool SetValue(char c, const std::string& v, AmqArgs& o) {
  switch (c) {
    case 'h':
      o.server = v;
      return true;
    case 'l':
      o.logfile = v;
      o.nodefault = true;
      return true;
    case 'x':
      o.xlog = v;
      o.nodefault = true;
      return true;
    case 'D':
      o.debug_opts = v;
      o.nodefault = true;
      return true;
    case 'P':
      o.program = static_cast<uint32_t>(std::atol(v.c_str()));
      return true;
    default:
      return false;
  }
}

bool TakesValue(char c) { return c == 'h' || c == 'l' || c == 'x' || c == 'D' || c == 'P'; }

}  // namespace

std::optional<AmqArgs> ParseAmqArgs(const std::vector<std::string>& args) {
  AmqArgs o;
  bool only_tcp = false, only_udp = false, errs = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a == "--mount-stats") {
      o.mount_stats = o.nodefault = true;
      continue;
    }
    if (a == "--replicas") {
      o.replicas = o.nodefault = true;
      continue;
    }
    if (a == "--switch" && i + 1 < args.size()) {
      o.switch_replica = o.nodefault = true;
      o.switch_dir = args[++i];
      continue;
    }
    if (a == "--to" && i + 1 < args.size()) {
      o.to = args[++i];
      continue;
    }
    if (a == "--port" && i + 1 < args.size()) {
      o.port = static_cast<uint16_t>(std::atoi(args[++i].c_str()));
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a == "--") {
      for (size_t j = (a == "--" ? i + 1 : i); j < args.size(); ++j) o.dirs.push_back(args[j]);
      break;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      char c = a[k];
      if (c == 'H') return std::nullopt;
      if (SetFlag(c, o, &only_tcp, &only_udp)) continue;
      if (!TakesValue(c)) {
        errs = true;
        continue;
      }
      // A flag's value: the rest of this argument, or the next one.
      if (k + 1 < a.size()) {
        SetValue(c, a.substr(k + 1), o);
        break;
      }
      if (i + 1 < args.size()) {
        SetValue(c, args[++i], o);
      } else {
        errs = true;
      }
    }
  }
  if (errs || (o.unmount > 0 && o.dirs.empty()) || (!o.to.empty() && !o.switch_replica))
    return std::nullopt;
  if (only_tcp || only_udp) {
    o.tcp = only_tcp;
    o.udp = only_udp;
  }
  return o;
}

}  // namespace amd::amq
