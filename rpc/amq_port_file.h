// Where a running amd says its AMQ service listens, for amq on the same
// machine when rpcbind does not run: /run/amd/amq-PROGRAM holds one line,
// "ADDRESS PORT". amd writes it once its sockets are bound and removes it
// when it exits; amq reads it only after rpcbind could not answer.
//
// Blocking; any thread. Ownership: nothing kept.
#ifndef AMD_RPC_AMQ_PORT_FILE_H_
#define AMD_RPC_AMQ_PORT_FILE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace amd::rpc {

struct AmqEndpoint {
  std::string address;
  uint16_t port = 0;
};

// amd's runtime directory: $AMD_RUNTIME_DIR, else /run/amd.
std::string RuntimeDir();
// /run/amd/amq-PROGRAM, or under $AMD_RUNTIME_DIR when it is set.
std::string AmqPortFile(uint32_t program);
// Writes the file atomically (creating the directory, mode 0755).
Status WriteAmqPortFile(uint32_t program, const AmqEndpoint& endpoint);
// The endpoint in the file, or nothing when there is no well-formed file.
std::optional<AmqEndpoint> ReadAmqPortFile(uint32_t program);
// Removes the file if it still names `port` (a newer amd's file stays).
void RemoveAmqPortFile(uint32_t program, uint16_t port);

}  // namespace amd::rpc

#endif  // AMD_RPC_AMQ_PORT_FILE_H_
