// libFuzzer: what a peer can send. A byte stream through record marking,
// each record parsed as a call (what amd reads) and as a reply (what amq
// reads), and the bytes decoded as every AMQ argument and result type and
// as a MOUNT export list and as the NFSv3 and MOUNTv3 arguments amd's NFS
// front end reads, and as every NFSv3 and MOUNTv3 result the relay reads
// from a replica.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "rpc/amq_prot.h"
#include "rpc/mount_protocol.h"
#include "rpc/nfs3_client.h"
#include "rpc/nfs3_protocol.h"
#include "rpc/record_marking.h"
#include "rpc/rpc_message.h"
#include "rpc/xdr_codec.h"

namespace {

template <typename T>
void Decode(xdrproc_t proc, std::span<const uint8_t> bytes) {
  amd::rpc::XdrValue<T> v(proc);
  (void)v.Decode(bytes);
}

void DecodeAll(std::span<const uint8_t> b) {
  Decode<amq_string>(reinterpret_cast<xdrproc_t>(xdr_amq_string), b);
  Decode<amq_setopt>(reinterpret_cast<xdrproc_t>(xdr_amq_setopt), b);
  Decode<amq_mount_tree_p>(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_p), b);
  Decode<amq_mount_tree_list>(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_list), b);
  Decode<amq_mount_info_list>(reinterpret_cast<xdrproc_t>(xdr_amq_mount_info_list), b);
  Decode<amq_map_info_list>(reinterpret_cast<xdrproc_t>(xdr_amq_map_info_list), b);
  Decode<amq_mount_stats>(reinterpret_cast<xdrproc_t>(xdr_amq_mount_stats), b);
  (void)amd::rpc::DecodeExports(b);
  (void)amd::rpc::nfs3::ReadFhArgs(b);
  (void)amd::rpc::nfs3::ReadLookupArgs(b);
  (void)amd::rpc::nfs3::ReadAccessArgs(b);
  (void)amd::rpc::nfs3::ReadReaddirArgs(b, false);
  (void)amd::rpc::nfs3::ReadReaddirArgs(b, true);
  (void)amd::rpc::nfs3::mount::ReadDirpath(b);
  (void)amd::rpc::nfs3::DecodeGetattr(b);
  (void)amd::rpc::nfs3::DecodeLookup(b);
  (void)amd::rpc::nfs3::DecodeReadlink(b);
  (void)amd::rpc::nfs3::DecodeRead(b);
  (void)amd::rpc::nfs3::DecodeReaddirplus(b);
  (void)amd::rpc::nfs3::DecodeFsstat(b);
  (void)amd::rpc::nfs3::DecodeFsinfo(b);
  (void)amd::rpc::nfs3::DecodeMnt(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  amd::rpc::RecordAssembler stream(64 * 1024);
  stream.Feed(in.subspan(0, size / 2));
  stream.Feed(in.subspan(size / 2));
  while (auto record = stream.Next()) {
    auto call = amd::rpc::ParseCall(*record);
    if (auto* c = std::get_if<amd::rpc::Call>(&call)) DecodeAll(c->args);
    auto reply = amd::rpc::ParseReply(*record);
    if (reply.ok()) DecodeAll(reply->results);
  }
  DecodeAll(in);
  return 0;
}
