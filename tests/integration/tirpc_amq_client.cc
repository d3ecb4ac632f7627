// An AMQ client built the way am-utils' amq is built: libtirpc's
// clnt_create (rpcbind, then TCP or UDP, with a 5 s UDP retry) and
// clnt_call with the protocol's XDR routines; none of amd's own RPC code.
// The root tests run it against a real amd to show that a client on the
// original's RPC stack is served.
//
//   tirpc_amq_client HOST tcp|udp DIRECTORY
//
// prints one line per procedure.
#include <rpc/rpc.h>

#include <cstdio>
#include <cstring>

#include "rpc/amq_prot.h"

namespace {

CLIENT* clnt;

template <typename A, typename R>
bool Call(u_long proc, bool_t (*xa)(XDR*, A*), A* arg, bool_t (*xr)(XDR*, R*), R* res) {
  timeval tv{25, 0};
  enum clnt_stat s =
      clnt_call(clnt, proc, reinterpret_cast<xdrproc_t>(xa), reinterpret_cast<char*>(arg),
                reinterpret_cast<xdrproc_t>(xr), reinterpret_cast<char*>(res), tv);
  if (s != RPC_SUCCESS) {
    std::printf("proc %lu: %s\n", proc, clnt_sperrno(s));
    return false;
  }
  return true;
}

bool_t XdrVoid(XDR*, void*) { return TRUE; }

void Tree(const amq_mount_tree* t, int depth) {
  for (; t != nullptr; t = t->mt_next) {
    std::printf("  %d %s %s %s %s\n", depth, t->mt_directory, t->mt_type, t->mt_mountinfo,
                t->mt_mountpoint);
    Tree(t->mt_child, depth + 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tirpc_amq_client HOST tcp|udp DIRECTORY\n");
    return 2;
  }
  clnt = clnt_create(argv[1], AMQ_PROGRAM, AMQ_VERSION, argv[2]);
  if (clnt == nullptr) {
    std::printf("%s\n", clnt_spcreateerror(argv[1]));
    return 1;
  }
  timeval retry{5, 0};
  if (std::strcmp(argv[2], "udp") == 0)
    clnt_control(clnt, CLSET_RETRY_TIMEOUT, reinterpret_cast<char*>(&retry));

  if (Call<void, void>(AMQPROC_NULL, XdrVoid, nullptr, XdrVoid, nullptr)) std::printf("null\n");
  int pid = 0;
  if (Call<void, int>(AMQPROC_GETPID, XdrVoid, nullptr, xdr_int, &pid))
    std::printf("pid %d\n", pid);
  amq_string vers = nullptr;
  if (Call<void, amq_string>(AMQPROC_GETVERS, XdrVoid, nullptr, xdr_amq_string, &vers)) {
    std::printf("vers %.*s\n", static_cast<int>(std::strcspn(vers, "\n")), vers);
  }
  amq_mount_tree_list exp{};
  if (Call<void, amq_mount_tree_list>(AMQPROC_EXPORT, XdrVoid, nullptr, xdr_amq_mount_tree_list,
                                      &exp)) {
    std::printf("export %u\n", exp.amq_mount_tree_list_len);
    for (u_int i = 0; i < exp.amq_mount_tree_list_len; ++i) Tree(exp.amq_mount_tree_list_val[i], 0);
  }
  amq_string dir = argv[3];
  amq_mount_tree_p node = nullptr;
  if (Call<amq_string, amq_mount_tree_p>(AMQPROC_MNTTREE, xdr_amq_string, &dir,
                                         xdr_amq_mount_tree_p, &node)) {
    std::printf("mnttree %s\n", node != nullptr ? node->mt_type : "(none)");
  }
  amq_mount_info_list mnt{};
  if (Call<void, amq_mount_info_list>(AMQPROC_GETMNTFS, XdrVoid, nullptr, xdr_amq_mount_info_list,
                                      &mnt)) {
    for (u_int i = 0; i < mnt.amq_mount_info_list_len; ++i) {
      const amq_mount_info& m = mnt.amq_mount_info_list_val[i];
      std::printf("mntfs %s %s %s %s refc %d up %d\n", m.mi_mountinfo, m.mi_mountpt, m.mi_type,
                  m.mi_fserver, m.mi_refc, m.mi_up);
    }
  }
  amq_mount_stats st{};
  if (Call<void, amq_mount_stats>(AMQPROC_STATS, XdrVoid, nullptr, xdr_amq_mount_stats, &st)) {
    std::printf("stats mok %d merr %d uerr %d\n", st.as_mok, st.as_merr, st.as_uerr);
  }
  amq_map_info_list maps{};
  if (Call<void, amq_map_info_list>(AMQPROC_GETMAPINFO, XdrVoid, nullptr, xdr_amq_map_info_list,
                                    &maps)) {
    for (u_int i = 0; i < maps.amq_map_info_list_len; ++i) {
      const amq_map_info& m = maps.amq_map_info_list_val[i];
      std::printf("map %s wildcard %s up %d\n", m.mi_name, m.mi_wildcard ? m.mi_wildcard : "(null)",
                  m.mi_up);
    }
  }
  amq_string pawd = nullptr;
  if (Call<amq_string, amq_string>(AMQPROC_PAWD, xdr_amq_string, &dir, xdr_amq_string, &pawd)) {
    std::printf("pawd %s\n", pawd);
  }
  clnt_destroy(clnt);
  return 0;
}
