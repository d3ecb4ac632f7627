// rlpq: asks who provides NFS volumes (or other resources) with RLP
// (RFC 887), and prints each provider with how fast it answered. See
// rlpq(1).
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "base/interfaces.h"
#include "rlp/rlp_query.h"

namespace amd::rlp {
namespace {

const char kUsage[] =
    "usage: rlpq [options] RESOURCE...\n"
    "  RESOURCE is /EXPORT/PATH (an NFS volume), udp/PORT[/DATA] or tcp/PORT[/DATA]\n"
    "  -i IFACE   broadcast on IFACE (repeatable; default: every IPv4 interface)\n"
    "  -b ADDR    broadcast to ADDR as well (repeatable)\n"
    "  -H HOST    ask HOST directly with Do-You-Provide? (repeatable)\n"
    "  -n         do not broadcast; ask only the -H hosts\n"
    "  -a         Who-Anywhere-Provides? / Does-Anyone-Provide?\n"
    "  -N         clear L (Local-Only) on broadcasts\n"
    "  -t         name NFS volumes as TCP port 2049 (default UDP)\n"
    "  -w MS      wait at most MS milliseconds (default 1000)\n"
    "  -q MS      stop after MS quiet milliseconds (default 250)\n"
    "  -r N       retransmit at most N times (default 2)\n"
    "  -p PORT    the responders' UDP port (default 39)\n"
    "  -v         also print what was sent and received\n"
    "Exit status: 0 when some host provides something, 1 when none does, 2 on error.\n";

bool Address(const char* text, uint32_t* out) {
  in_addr a{};
  if (::inet_pton(AF_INET, text, &a) != 1) return false;
  *out = ntohl(a.s_addr);
  return true;
}

bool Number(const char* text, long lo, long hi, long* out) {
  char* end = nullptr;
  *out = std::strtol(text, &end, 10);
  return end != text && *end == '\0' && *out >= lo && *out <= hi;
}

struct RlpqArgs {
  QueryOptions o;
  bool tcp = false, verbose = false;
  std::vector<std::string> names;
};

// The command line; an exit status when rlpq must stop here (usage, a
// bad value).
std::optional<int> ParseArgs(int argc, char** argv, RlpqArgs* args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    long n = 0;
    uint32_t addr = 0;
    const char* v = nullptr;
    if (a == "-i" && (v = value())) {
      args->o.interfaces.push_back(v);
    } else if ((a == "-b" || a == "-H") && (v = value())) {
      if (!Address(v, &addr)) {
        std::fprintf(stderr, "rlpq: %s %s: not an IPv4 address\n", a.c_str(), v);
        return 2;
      }
      (a == "-b" ? args->o.broadcasts : args->o.hosts).push_back(addr);
    } else if (a == "-n") {
      args->o.broadcast = false;
    } else if (a == "-a") {
      args->o.anywhere = true;
    } else if (a == "-N") {
      args->o.local_only = false;
    } else if (a == "-t") {
      args->tcp = true;
    } else if (a == "-v") {
      args->verbose = true;
    } else if ((a == "-w" || a == "-q" || a == "-r" || a == "-p") && (v = value())) {
      if (!Number(v, a == "-p" ? 1 : 0, a == "-p" ? 65535 : 600000, &n)) {
        std::fprintf(stderr, "rlpq: %s %s: not a number in range\n", a.c_str(), v);
        return 2;
      }
      if (a == "-w") args->o.max_wait = milliseconds(n);
      if (a == "-q") args->o.quiet = milliseconds(n);
      if (a == "-r") args->o.retries = static_cast<int>(n);
      if (a == "-p") args->o.port = static_cast<uint16_t>(n);
    } else if (!a.empty() && a[0] != '-') {
      args->names.push_back(a);
    } else {
      std::fputs(kUsage, stderr);
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  if (args->names.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return std::nullopt;
}

// One line per provider, then those that did not answer; whether any
// provides some of the resources.
bool PrintProviders(const QueryResult& result, bool verbose) {
  bool any = false;
  for (const auto& p : result.providers) {
    char rtt[32] = "-";
    if (p.rtt_ms) std::snprintf(rtt, sizeof rtt, "%.3f ms", *p.rtt_ms);
    std::string what;
    for (const auto& r : p.resources) what += (what.empty() ? "" : " ") + ResourceName(r);
    if (what.empty()) what = "(provides none of them)";
    if (!p.named_by.empty()) {
      what += "  (named by";
      for (uint32_t h : p.named_by) what += " " + Ipv4ToString(h);
      what += ")";
    }
    any = any || !p.resources.empty();
    std::printf("%-15s  %10s  %s\n", Ipv4ToString(p.address).c_str(), rtt, what.c_str());
  }
  for (uint32_t h : result.no_answer)
    std::printf("%-15s  %10s  no answer\n", Ipv4ToString(h).c_str(), "-");
  if (verbose) {
    std::fprintf(stderr, "rlpq: %d datagrams sent, %d replies, %d ignored, %.1f ms\n", result.sent,
                 result.replies, result.ignored, result.elapsed_ms);
  }
  return any;
}

int Main(int argc, char** argv) {
  RlpqArgs args;
  if (auto status = ParseArgs(argc, argv, &args)) return *status;
  QueryOptions& o = args.o;
  for (const auto& name : args.names) {
    auto r = ParseResource(name, args.tcp ? kProtocolTcp : kProtocolUdp);
    if (!r.ok()) {
      std::fprintf(stderr, "rlpq: %s\n", r.status().context().c_str());
      return 2;
    }
    o.resources.push_back(std::move(*r));
  }
  auto result = Ask(o);
  if (!result.ok()) {
    std::fprintf(stderr, "rlpq: %s\n", result.status().ToString().c_str());
    return 2;
  }
  return PrintProviders(*result, args.verbose) ? 0 : 1;
}

}  // namespace
}  // namespace amd::rlp

int main(int argc, char** argv) { return amd::rlp::Main(argc, argv); }
