// pawd: the working directory (or each path given) as users see it, with
// what amd mounted elsewhere (links into ${autodir}) turned back into the
// names in its maps; am-utils 6.2's pawd, asking amd's AMQ service
// (AMQPROC_PAWD, program 300019, UDP then TCP). Unchanged when amd cannot
// be asked. --port as for amq(8).
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "amq/amq_client.h"
#include "rpc/xdr_codec.h"

namespace {

constexpr int kMaxLoop = 10;

std::string Transform(amd::amq::Client& client, const std::string& dir) {
  std::string path = dir;
  for (int loop = 1; loop < kMaxLoop; ++loop) {
    auto r = client.Call(AMQPROC_PAWD, amd::amq::StringArg(path), 10);
    if (!r.ok()) return path;
    amd::rpc::XdrValue<amq_string> out(amd::amq::P(xdr_amq_string));
    if (!out.Decode(*r).ok() || out.get() == nullptr || *out.get() == '\0') return path;
    std::string next = out.get();
    if (next == path) return path;
    path = next;
  }
  std::cerr << "pawd: exceeded maximum no. of transformations (" << kMaxLoop << ")\n";
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<uint16_t> port;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = static_cast<uint16_t>(std::atoi(argv[++i]));
    } else {
      paths.push_back(a);
    }
  }
  auto addr = amd::amq::HostAddress("localhost");
  amd::amq::Client client(*addr, AMQ_PROGRAM, true, true, port, /*udp_first=*/true);
  if (paths.empty()) {
    char cwd[PATH_MAX + 1];
    if (::getcwd(cwd, sizeof cwd) == nullptr) {
      std::perror("pawd");
      return 1;
    }
    std::cout << Transform(client, cwd) << "\n";
    return 0;
  }
  for (const auto& p : paths) std::cout << Transform(client, p) << "\n";
  return 0;
}
