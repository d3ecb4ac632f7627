// The AMQ port file; see amq_port_file.h.
#include "rpc/amq_port_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace amd::rpc {

std::string RuntimeDir() {
  const char* d = std::getenv("AMD_RUNTIME_DIR");
  return d != nullptr && *d != '\0' ? d : "/run/amd";
}

std::string AmqPortFile(uint32_t program) {
  return RuntimeDir() + "/amq-" + std::to_string(program);
}

Status WriteAmqPortFile(uint32_t program, const AmqEndpoint& endpoint) {
  std::string dir = RuntimeDir();
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::FromErrno(dir, errno);
  std::string path = AmqPortFile(program);
  std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << endpoint.address << ' ' << endpoint.port << '\n';
    if (!out.flush()) return Status::Error(tmp + ": cannot write");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(path, err);
  }
  return {};
}

std::optional<AmqEndpoint> ReadAmqPortFile(uint32_t program) {
  std::ifstream in(AmqPortFile(program));
  AmqEndpoint e;
  unsigned port = 0;
  if (!(in >> e.address >> port) || port == 0 || port > 65535) return std::nullopt;
  e.port = static_cast<uint16_t>(port);
  return e;
}

void RemoveAmqPortFile(uint32_t program, uint16_t port) {
  auto e = ReadAmqPortFile(program);
  if (e && e->port == port) ::unlink(AmqPortFile(program).c_str());
}

}  // namespace amd::rpc
