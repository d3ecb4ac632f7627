// The AMQ protocol's XDR (rpcgen from rpc/amq.x) against bytes written by
// hand from the reference (section 6.4), for every procedure's arguments
// and results.
#include <catch2/catch.hpp>
#include <cstring>

#include "rpc/amq_prot.h"
#include "rpc/xdr_codec.h"
#include "tests/rpc/hex.h"

namespace amd::rpc {
namespace {

using testing::Hex;
using testing::ToHex;

std::string Encode(xdrproc_t proc, const void* v) {
  auto r = XdrEncode(proc, v);
  REQUIRE(r.ok());
  return ToHex(*r);
}

char* S(const char* s) { return const_cast<char*>(s); }

TEST_CASE(
    "amq xdr: amq_string, the argument of MNTTREE UMNT PAWD SYNC_UMNT and result of GETVERS PAWD",
    "[rpc]") {
  amq_string s = S("/home");
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_string), &s) == "00000005 2f686f6d 65000000");
  amq_string empty = S("");
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_string), &empty) == "00000000");
  XdrValue<amq_string> back(reinterpret_cast<xdrproc_t>(xdr_amq_string));
  REQUIRE(back.Decode(Hex("00000005 2f686f6d 65000000")).ok());
  CHECK(std::string(back.get()) == "/home");
  // Longer than AMQ_STRLEN, a length beyond the bytes, and bytes left over.
  CHECK_FALSE(back.Decode(Hex("00004001")).ok());
  CHECK_FALSE(back.Decode(Hex("00000009 2f686f6d 65000000")).ok());
  CHECK_FALSE(back.Decode(Hex("00000001 2f000000 00000000")).ok());
}

const char* kNode =
    "00000001 61000000"                               // mt_mountinfo "a"
    " 00000002 2f680000"                              // mt_directory "/h"
    " 00000002 2f680000"                              // mt_mountpoint "/h"
    " 00000006 746f706c 766c0000"                     // mt_type "toplvl"
    " 5f5e1000"                                       // mt_mounttime
    " 000003e8"                                       // mt_mountuid: u_short in 4 bytes
    " 00000001 00000002 00000003 00000004 00000005";  // getattr lookup readdir readlink statfs

amq_mount_tree Node(amq_mount_tree* child) {
  amq_mount_tree t{};
  t.mt_mountinfo = S("a");
  t.mt_directory = S("/h");
  t.mt_mountpoint = S("/h");
  t.mt_type = S("toplvl");
  t.mt_mounttime = 0x5f5e1000;
  t.mt_mountuid = 1000;
  t.mt_getattr = 1;
  t.mt_lookup = 2;
  t.mt_readdir = 3;
  t.mt_readlink = 4;
  t.mt_statfs = 5;
  t.mt_child = child;
  return t;
}

TEST_CASE("amq xdr: MNTTREE's amq_mount_tree_p and EXPORT's list", "[rpc]") {
  amq_mount_tree leaf = Node(nullptr);
  amq_mount_tree top = Node(&leaf);
  amq_mount_tree_p p = &top;
  std::string one = std::string(kNode) + " 00000000 00000000";  // no next, no child
  // present, node, no next, child present, child node, its next and child absent
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_p), &p) ==
        ToHex(Hex("00000001 " + std::string(kNode) + " 00000000 00000001 " + one)));
  amq_mount_tree_p none = nullptr;
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_p), &none) == "00000000");
  amq_mount_tree_list list{1, &p};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_list), &list) ==
        ToHex(Hex("00000001 00000001 " + std::string(kNode) + " 00000000 00000001 " + one)));
  XdrValue<amq_mount_tree_p> back(reinterpret_cast<xdrproc_t>(xdr_amq_mount_tree_p));
  REQUIRE(back.Decode(Hex("00000001 " + std::string(kNode) + " 00000000 00000001 " + one)).ok());
  REQUIRE(back.get() != nullptr);
  REQUIRE(back.get()->mt_child != nullptr);
  CHECK(std::string(back.get()->mt_child->mt_type) == "toplvl");
  CHECK(back.get()->mt_mountuid == 1000);
}

TEST_CASE("amq xdr: GETMNTFS's amq_mount_info_list", "[rpc]") {
  amq_mount_info mi{S("nfs"), S("/a/x"), S("x:/e"), S("x"), 0, 1, -1};
  amq_mount_info_list l{1, &mi};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_mount_info_list), &l) ==
        "00000001 00000003 6e667300 00000004 2f612f78 00000004 783a2f65 00000001 78000000"
        " 00000000 00000001 ffffffff");
}

TEST_CASE("amq xdr: GETMAPINFO's amq_map_info in the original's wire order", "[rpc]") {
  amq_map_info m{};
  m.mi_name = S("amd.home");
  m.mi_wildcard = S("");
  m.mi_modify = 100;
  m.mi_flags = 0x100;
  m.mi_nentries = 3;
  m.mi_reloads = 1;
  m.mi_refc = 2;
  m.mi_up = -1;
  amq_map_info_list l{1, &m};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_map_info_list), &l) ==
        "00000001 00000008 616d642e 686f6d65 00000000 00000064 00000100 00000003 00000001"
        " 00000002 ffffffff");
}

TEST_CASE("amq xdr: STATS, SETOPT, GETPID and SETOPT's int result", "[rpc]") {
  amq_mount_stats st{1, 2, 3, 4, 5};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_mount_stats), &st) ==
        "00000001 00000002 00000003 00000004 00000005");
  amq_setopt opt{AMOPT_FLUSHMAPC, S("")};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_setopt), &opt) == "00000003 00000000");
  amq_setopt log{AMOPT_LOGFILE, S("syslog")};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_setopt), &log) ==
        "00000001 00000006 7379736c 6f670000");
  int pid = 4242;
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_int), &pid) == "00001092");
  XdrValue<amq_setopt> bad(reinterpret_cast<xdrproc_t>(xdr_amq_setopt));
  CHECK_FALSE(bad.Decode(Hex("00000003")).ok());  // the string is missing
}

TEST_CASE("amq xdr: SYNC_UMNT's result is 12 raw bytes, no length word", "[rpc]") {
  amq_sync_umnt_wire w;
  int32_t fields[3] = {AMQ_UMNT_FORK, 0, 0};  // the server's byte order (little-endian here)
  std::memcpy(w, fields, sizeof w);
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq_sync_umnt_wire), w) ==
        "02000000 00000000 00000000");
}

TEST_CASE("amq xdr: version 2's per-mount statistics, replicas and switch", "[rpc]") {
  amq2_mount_stats m{};
  m.ms_path = S("/h/a");
  m.ms_type = S("lofs");
  m.ms_mountinfo = S("/s");
  m.ms_server = S("localhost");
  m.ms_mounted_at = 0x100000000LL;  // hyper: 8 bytes
  m.ms_mount_usec = 250;
  m.ms_requests = 3;
  amq2_mount_stats_list l{1, &m};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq2_mount_stats_list), &l) ==
        "00000001 00000004 2f682f61 00000004 6c6f6673 00000002 2f730000 00000009 6c6f6361 6c686f73 "
        "74000000"
        " 00000001 00000000 00000000 000000fa 00000003");
  amq2_replica r{S("srv"), S("/e"), 1, 900};
  amq2_replica_list rl{1, &r};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq2_replica_list), &rl) ==
        "00000001 00000003 73727600 00000002 2f650000 00000001 00000384");
  amq2_switch sw{S("/v"), S("b")};
  CHECK(Encode(reinterpret_cast<xdrproc_t>(xdr_amq2_switch), &sw) ==
        "00000002 2f760000 00000001 62000000");
}

}  // namespace
}  // namespace amd::rpc
