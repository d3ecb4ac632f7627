// ONC RPC messages; see rpc_message.h.
#include "rpc/rpc_message.h"

#include <system_error>

#include "rpc/xdr_stream.h"

namespace amd::rpc {
namespace {

constexpr uint32_t kCall = 0;
constexpr uint32_t kReply = 1;
constexpr uint32_t kRpcVersion = 2;
constexpr uint32_t kMsgAccepted = 0;
constexpr uint32_t kMsgDenied = 1;
constexpr uint32_t kRpcMismatch = 0;
constexpr uint32_t kAuthError = 1;
constexpr size_t kMaxAuthBody = 400;

void PutU32(std::vector<uint8_t>* out, uint32_t v) { XdrWriter(out).U32(v); }

void PutOpaque(std::vector<uint8_t>* out, std::span<const uint8_t> data) {
  XdrWriter(out).Opaque(data);
}

std::optional<AuthSys> ParseAuthSys(std::span<const uint8_t> body) {
  XdrReader r(body);
  AuthSys a;
  std::span<const uint8_t> machine;
  uint32_t n;
  if (!r.U32(&a.stamp) || !r.Opaque(255, &machine) || !r.U32(&a.uid) || !r.U32(&a.gid) ||
      !r.U32(&n) || n > 16) {
    return std::nullopt;
  }
  a.machine.assign(machine.begin(), machine.end());
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t g;
    if (!r.U32(&g)) return std::nullopt;
    a.gids.push_back(g);
  }
  if (!r.AtEnd()) return std::nullopt;
  return a;
}

void ReplyHeader(std::vector<uint8_t>* out, uint32_t xid, uint32_t reply_stat) {
  PutU32(out, xid);
  PutU32(out, kReply);
  PutU32(out, reply_stat);
}

}  // namespace

std::variant<Call, CallParseError> ParseCall(std::span<const uint8_t> msg) {
  XdrReader r(msg);
  CallParseError err;
  uint32_t type, rpcvers;
  if (!r.U32(&err.xid) || !r.U32(&type)) {
    err.reason = "shorter than an RPC header";
    return err;
  }
  if (type != kCall) {
    err.reason = "not a call (message type " + std::to_string(type) + ")";
    return err;
  }
  Call call;
  call.header.xid = err.xid;
  if (!r.U32(&rpcvers) || !r.U32(&call.header.prog) || !r.U32(&call.header.vers) ||
      !r.U32(&call.header.proc)) {
    err.reason = "truncated call header";
    return err;
  }
  if (rpcvers != kRpcVersion) {
    err.kind = CallError::kBadRpcVersion;
    err.reason = "RPC version " + std::to_string(rpcvers) + " (only 2 is spoken)";
    return err;
  }
  uint32_t verf_flavor;
  std::span<const uint8_t> cred, verf;
  if (!r.U32(&call.header.cred_flavor) || !r.Opaque(kMaxAuthBody, &cred) || !r.U32(&verf_flavor) ||
      !r.Opaque(kMaxAuthBody, &verf)) {
    err.kind = CallError::kBadAuth;
    err.reason = "malformed credentials or verifier";
    return err;
  }
  if (call.header.cred_flavor == static_cast<uint32_t>(AuthFlavor::kSys)) {
    call.header.auth_sys = ParseAuthSys(cred);
    if (!call.header.auth_sys) {
      err.kind = CallError::kBadAuth;
      err.reason = "malformed AUTH_SYS credentials";
      return err;
    }
  }
  call.args = r.Rest();
  return call;
}

std::vector<uint8_t> AcceptedReply(uint32_t xid, AcceptStat stat, std::span<const uint8_t> results,
                                   uint32_t low, uint32_t high) {
  std::vector<uint8_t> out;
  out.reserve(24 + results.size());
  ReplyHeader(&out, xid, kMsgAccepted);
  PutU32(&out, static_cast<uint32_t>(AuthFlavor::kNone));  // verifier
  PutU32(&out, 0);
  PutU32(&out, static_cast<uint32_t>(stat));
  if (stat == AcceptStat::kSuccess) out.insert(out.end(), results.begin(), results.end());
  if (stat == AcceptStat::kProgMismatch) {
    PutU32(&out, low);
    PutU32(&out, high);
  }
  return out;
}

std::vector<uint8_t> RpcMismatchReply(uint32_t xid) {
  std::vector<uint8_t> out;
  ReplyHeader(&out, xid, kMsgDenied);
  PutU32(&out, kRpcMismatch);
  PutU32(&out, kRpcVersion);
  PutU32(&out, kRpcVersion);
  return out;
}

std::vector<uint8_t> AuthErrorReply(uint32_t xid, AuthStat why) {
  std::vector<uint8_t> out;
  ReplyHeader(&out, xid, kMsgDenied);
  PutU32(&out, kAuthError);
  PutU32(&out, static_cast<uint32_t>(why));
  return out;
}

std::vector<uint8_t> CallMessage(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                 std::span<const uint8_t> args, const AuthSys* cred) {
  std::vector<uint8_t> out;
  PutU32(&out, xid);
  PutU32(&out, kCall);
  PutU32(&out, kRpcVersion);
  PutU32(&out, prog);
  PutU32(&out, vers);
  PutU32(&out, proc);
  if (cred != nullptr) {
    std::vector<uint8_t> body;
    PutU32(&body, cred->stamp);
    PutOpaque(&body,
              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(cred->machine.data()),
                                       cred->machine.size()));
    PutU32(&body, cred->uid);
    PutU32(&body, cred->gid);
    PutU32(&body, static_cast<uint32_t>(cred->gids.size()));
    for (uint32_t g : cred->gids) PutU32(&body, g);
    PutU32(&out, static_cast<uint32_t>(AuthFlavor::kSys));
    PutOpaque(&out, body);
  } else {
    PutU32(&out, static_cast<uint32_t>(AuthFlavor::kNone));
    PutU32(&out, 0);
  }
  PutU32(&out, static_cast<uint32_t>(AuthFlavor::kNone));  // verifier
  PutU32(&out, 0);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

Result<Reply> ParseReply(std::span<const uint8_t> msg) {
  XdrReader r(msg);
  Reply reply;
  uint32_t type, stat;
  auto bad = [](const std::string& why) {
    return Status::Error("RPC reply: " + why, std::errc::bad_message);
  };
  if (!r.U32(&reply.xid) || !r.U32(&type) || !r.U32(&stat)) return bad("truncated header");
  if (type != kReply) return bad("not a reply (message type " + std::to_string(type) + ")");
  if (stat == kMsgDenied) {
    uint32_t why, a = 0, b = 0;
    if (!r.U32(&why)) return bad("truncated denial");
    if (why == kRpcMismatch && r.U32(&a) && r.U32(&b)) {
      return Status::Error(
          "the server speaks RPC versions " + std::to_string(a) + " to " + std::to_string(b),
          std::errc::protocol_not_supported);
    }
    if (why == kAuthError && r.U32(&a)) {
      return Status::Error(
          "the server refused our credentials (auth_stat " + std::to_string(a) + ")",
          std::errc::permission_denied);
    }
    return bad("unknown denial " + std::to_string(why));
  }
  if (stat != kMsgAccepted) return bad("unknown reply status " + std::to_string(stat));
  uint32_t verf_flavor, accept;
  std::span<const uint8_t> verf;
  if (!r.U32(&verf_flavor) || !r.Opaque(kMaxAuthBody, &verf) || !r.U32(&accept)) {
    return bad("truncated accepted reply");
  }
  switch (static_cast<AcceptStat>(accept)) {
    case AcceptStat::kSuccess:
      reply.results = r.Rest();
      return reply;
    case AcceptStat::kProgUnavail:
      return Status::Error("program unavailable", std::errc::protocol_not_supported);
    case AcceptStat::kProgMismatch:
      return Status::Error("program version mismatch", std::errc::protocol_not_supported);
    case AcceptStat::kProcUnavail:
      return Status::Error("procedure unavailable", std::errc::function_not_supported);
    case AcceptStat::kGarbageArgs:
      return Status::Error("the server could not decode the arguments",
                           std::errc::invalid_argument);
    case AcceptStat::kSystemErr:
      return Status::Error("system error on the server", std::errc::io_error);
  }
  return bad("unknown accept status " + std::to_string(accept));
}

}  // namespace amd::rpc
