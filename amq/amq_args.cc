// amq's command line; see amq_args.h.
#include "amq/amq_args.h"

#include <cstdlib>

namespace amd::amq {

const char kAmqUsage[] =
    "Usage: amq [-fimpqsvwHTU] [-h hostname] [-l log_file|\"syslog\"]\n"
    "\t[-x log_options] [-D debug_options]\n"
    "\t[-P program_number] [[-u[u]] directory ...]\n";

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
    if (a == "--port" && i + 1 < args.size()) {
      o.port = static_cast<uint16_t>(std::atoi(args[++i].c_str()));
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a == "--") {
      for (size_t j = (a == "--" ? i + 1 : i); j < args.size(); ++j) o.dirs.push_back(args[j]);
      break;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      // A flag's value: the rest of this argument, or the next one.
      auto value = [&]() -> std::optional<std::string> {
        if (k + 1 < a.size()) {
          std::string v = a.substr(k + 1);
          k = a.size();
          return v;
        }
        if (i + 1 < args.size()) return args[++i];
        return std::nullopt;
      };
      auto with_value = [&](std::optional<std::string>* out) {
        *out = value();
        if (*out) {
          o.nodefault = true;
        } else {
          errs = true;
        }
      };
      switch (a[k]) {
        case 'H':
          return std::nullopt;
        case 'f':
          o.flush = o.nodefault = true;
          break;
        case 'i':
          o.mapinfo = o.nodefault = true;
          break;
        case 'm':
          o.minfo = o.nodefault = true;
          break;
        case 'p':
          o.getpid = o.nodefault = true;
          break;
        case 'q':
          o.quiet = true;
          break;
        case 's':
          o.stats = o.nodefault = true;
          break;
        case 'u':
          ++o.unmount;
          o.nodefault = true;
          break;
        case 'v':
          o.vers = o.nodefault = true;
          break;
        case 'w':
          o.pwd = true;
          break;
        case 'T':
          only_tcp = true;
          break;
        case 'U':
          only_udp = true;
          break;
        case 'h':
          if (auto v = value()) {
            o.server = *v;
          } else {
            errs = true;
          }
          break;
        case 'l':
          with_value(&o.logfile);
          break;
        case 'x':
          with_value(&o.xlog);
          break;
        case 'D':
          with_value(&o.debug_opts);
          break;
        case 'P':
          if (auto v = value()) {
            o.program = static_cast<uint32_t>(std::atol(v->c_str()));
          } else {
            errs = true;
          }
          break;
        default:
          errs = true;
      }
    }
  }
  if (errs || (o.unmount > 0 && o.dirs.empty())) return std::nullopt;
  if (only_tcp || only_udp) {
    o.tcp = only_tcp;
    o.udp = only_udp;
  }
  return o;
}

}  // namespace amd::amq
