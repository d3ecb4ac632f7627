// ONC RPC version 2 messages (RFC 5531), sans I/O: the call header a
// server reads (with AUTH_SYS credentials parsed), the replies it writes,
// and the reply header a client reads. Arguments and results are XDR bytes
// handled elsewhere (xdr_codec.h). Decoding is strict and says what is
// wrong; nothing here touches a socket.
//
// Pure; any thread. Ownership: replies built are the caller's bytes; a parsed
// call views them.
#ifndef AMD_RPC_RPC_MESSAGE_H_
#define AMD_RPC_RPC_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"

namespace amd::rpc {

enum class AuthFlavor : uint32_t { kNone = 0, kSys = 1, kShort = 2 };

// AUTH_SYS (RFC 5531 appendix A).
struct AuthSys {
  uint32_t stamp = 0;
  std::string machine;  // at most 255 bytes
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> gids;  // at most 16
};

struct CallHeader {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  uint32_t cred_flavor = 0;
  std::optional<AuthSys> auth_sys;  // when cred_flavor is AUTH_SYS
};

// A call as read: the header, and its arguments (a view into the message).
struct Call {
  CallHeader header;
  std::span<const uint8_t> args;
};

// Why a message is not a call amd can answer. kBadRpcVersion and kBadAuth
// still have an xid to answer with (RPC_MISMATCH, AUTH_ERROR); kGarbage
// does not.
enum class CallError { kGarbage, kBadRpcVersion, kBadAuth };
struct CallParseError {
  CallError kind = CallError::kGarbage;
  uint32_t xid = 0;
  std::string reason;
};

// Parses a call message (one whole record). Either the call or why not.
std::variant<Call, CallParseError> ParseCall(std::span<const uint8_t> msg);

enum class AcceptStat : uint32_t {
  kSuccess = 0,
  kProgUnavail = 1,
  kProgMismatch = 2,
  kProcUnavail = 3,
  kGarbageArgs = 4,
  kSystemErr = 5,
};
enum class AuthStat : uint32_t {
  kOk = 0,
  kBadCred = 1,
  kRejectedCred = 2,
  kBadVerf = 3,
  kRejectedVerf = 4,
  kTooWeak = 5
};

// A MSG_ACCEPTED reply with an AUTH_NONE verifier; `results` follow a
// SUCCESS; PROG_MISMATCH carries the supported version range.
std::vector<uint8_t> AcceptedReply(uint32_t xid, AcceptStat stat,
                                   std::span<const uint8_t> results = {}, uint32_t low = 0,
                                   uint32_t high = 0);
// MSG_DENIED: RPC_MISMATCH (we speak version 2 only) or AUTH_ERROR.
std::vector<uint8_t> RpcMismatchReply(uint32_t xid);
std::vector<uint8_t> AuthErrorReply(uint32_t xid, AuthStat why);

// A call message for a client (AUTH_NONE, or AUTH_SYS when given).
std::vector<uint8_t> CallMessage(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                 std::span<const uint8_t> args, const AuthSys* cred = nullptr);

// A reply as a client reads it: accepted with SUCCESS gives the results
// (a view into `msg`); anything else is an error saying what the server
// said.
struct Reply {
  uint32_t xid = 0;
  std::span<const uint8_t> results;
};
Result<Reply> ParseReply(std::span<const uint8_t> msg);

}  // namespace amd::rpc

#endif  // AMD_RPC_RPC_MESSAGE_H_
