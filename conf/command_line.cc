// amd command-line parsing; see command_line.h.
#include "conf/command_line.h"

#include <cstring>

namespace amd::conf {

const char kAmdUsage[] =
    "Usage: amd [-nprvHS] [-a mount_point] [-c cache_time] [-d domain]\n"
    "           [-k kernel_arch] [-l logfile|\"syslog[:facility]\"]\n"
    "           [-t timeout.retrans] [-w wait_timeout] [-A arch] [-C cluster_name]\n"
    "           [-o op_sys_ver] [-O op_sys_name] [-F conf_file] [-T conf_tag]\n"
    "           [-x log_options] [-y nis-domain] [-D debug_options]\n"
    "           [--print-config] [--explain PATH [--json]] [--foreground]\n"
    "           [directory mapname [-map_options]] ...\n";

namespace {

void SetGlobal(ParsedArgs* out, const char* key, std::string value) {
  out->cmd.globals.emplace_back(key, std::move(value));
}

// -t timeo.retrans, -t timeo, -t .retrans
void SetTimeo(ParsedArgs* out, const std::string& v) {
  size_t dot = v.find('.');
  std::string timeo = v.substr(0, dot);
  std::string retrans = dot == std::string::npos ? "" : v.substr(dot + 1);
  if (!timeo.empty()) {
    SetGlobal(out, "nfs_retry_interval", timeo);
    SetGlobal(out, "nfs_retry_interval_toplvl", timeo);
  }
  if (!retrans.empty()) {
    SetGlobal(out, "nfs_retransmit_counter", retrans);
    SetGlobal(out, "nfs_retransmit_counter_toplvl", retrans);
  }
  if (timeo.empty() && retrans.empty()) out->errors.push_back("-t needs timeo.retrans");
}

bool ApplyFlag(ParsedArgs* out, char flag, const std::string& arg) {
  switch (flag) {
    case 'a':
      SetGlobal(out, "auto_dir", arg);
      return true;
    case 'c':
      SetGlobal(out, "cache_duration", arg);
      return true;
    case 'd':
      SetGlobal(out, "local_domain", arg);
      return true;
    case 'k':
      SetGlobal(out, "karch", arg);
      return true;
    case 'l':
      SetGlobal(out, "log_file", arg);
      return true;
    case 'o':
      SetGlobal(out, "osver", arg);
      return true;
    case 'O':
      SetGlobal(out, "os", arg);
      return true;
    case 't':
      SetTimeo(out, arg);
      return true;
    case 'w':
      SetGlobal(out, "dismount_interval", arg);
      return true;
    case 'x':
      SetGlobal(out, "log_options", arg);
      return true;
    case 'y':
      SetGlobal(out, "nis_domain", arg);
      return true;
    case 'A':
      SetGlobal(out, "arch", arg);
      return true;
    case 'C':
      SetGlobal(out, "cluster", arg);
      return true;
    case 'D':
      SetGlobal(out, "debug_options", arg);
      if (arg.find("nodaemon") != std::string::npos) out->foreground = true;
      return true;
    case 'F':
      out->cmd.conf_file = arg;
      return true;
    case 'T':
      out->cmd.tag = arg;
      return true;
    default:
      return false;
  }
}

// This amd's long options (--explain takes PATH as =PATH or the next
// argument, at `*i`).
void ApplyLongOption(ParsedArgs* out, const std::vector<std::string>& args, size_t* i) {
  const std::string& a = args[*i];
  if (a == "--print-config") {
    out->print_config = true;
  } else if (a == "--json") {
    out->json = true;
  } else if (a == "--help") {
    out->usage = true;
  } else if (a == "--foreground") {
    out->foreground = true;
  } else if (a == "--no-self-mount") {
    out->no_self_mount = true;
  } else if (a == "--explain" || a.rfind("--explain=", 0) == 0) {
    if (a.size() > 9) {
      out->explain_path = a.substr(10);
    } else if (*i + 1 < args.size()) {
      out->explain_path = args[++*i];
    } else {
      out->errors.push_back("--explain needs a PATH");
    }
  } else {
    out->errors.push_back("unknown option " + a);
  }
}

// The flags that take no argument.
void ApplySwitch(ParsedArgs* out, char f) {
  switch (f) {
    case 'n':
      SetGlobal(out, "normalize_hostnames", "yes");
      break;
    case 'p':
      SetGlobal(out, "print_pid", "yes");
      break;
    case 'r':
      SetGlobal(out, "restart_mounts", "yes");
      break;
    case 'v':
      out->print_version = true;
      break;
    case 'S':
      SetGlobal(out, "plock", "no");
      break;
    case 'H':
      out->usage = true;
      break;
    default:
      out->errors.push_back(std::string("unknown option -") + f);
  }
}

}  // namespace

ParsedArgs ParseAmdArgs(const std::vector<std::string>& args) {
  ParsedArgs out;
  size_t i = 0;
  static const std::string kWithArg = "acdkloOtwxyACDFT";
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.rfind("--", 0) == 0) {
      ApplyLongOption(&out, args, &i);
      continue;
    }
    if (a.size() < 2 || a[0] != '-') break;  // first map argument: stop (getopt "+")
    for (size_t j = 1; j < a.size(); ++j) {
      char f = a[j];
      if (kWithArg.find(f) != std::string::npos) {
        std::string arg;
        if (j + 1 < a.size()) {
          arg = a.substr(j + 1);
        } else if (i + 1 < args.size()) {
          arg = args[++i];
        } else {
          out.errors.push_back(std::string("option -") + f + " needs an argument");
          break;
        }
        ApplyFlag(&out, f, arg);
        break;
      }
      ApplySwitch(&out, f);
    }
  }
  // directory mapname [-map_options] ...
  while (i < args.size()) {
    CommandLine::MapArg m;
    m.dir = args[i++];
    if (i >= args.size()) {
      out.errors.push_back("mount point " + m.dir + " has no map name");
      break;
    }
    m.map = args[i++];
    if (i < args.size() && args[i].size() > 1 && args[i][0] == '-') m.options = args[i++].substr(1);
    out.cmd.maps.push_back(std::move(m));
  }
  return out;
}

bool ReadsConfFile(const ParsedArgs& args) {
  return args.cmd.conf_file.has_value() || args.cmd.maps.empty();
}

}  // namespace amd::conf
