// The NFS front end's reading of the mount table: the port of amd's own
// NFS mount left by an earlier amd.
#include <catch2/catch.hpp>

#include "amd/nfs_front_end.h"
#include "kernel-shim/mountinfo.h"

namespace amd {
namespace {

TEST_CASE("nfs front end: the port of an earlier amd's NFS mount comes from its port= option",
          "[nfs]") {
  auto table = kernel::ParseMountInfo(
      "40 1 0:50 / /home rw - nfs amd:/home "
      "rw,vers=3,mountport=711,port=40123,timeo=600,addr=127.0.0.1\n"
      "41 1 0:51 / /other rw - nfs amd:/other rw,vers=3,mountport=712,addr=127.0.0.1\n"
      "42 1 0:52 / /srv rw - nfs server:/srv rw,vers=3,port=2049\n");
  CHECK(EarlierNfsPort(table, "/home") == uint16_t{40123});  // not mountport=
  CHECK_FALSE(EarlierNfsPort(table, "/other"));              // no port= at all
  CHECK_FALSE(EarlierNfsPort(table, "/srv"));                // not amd's
  CHECK_FALSE(EarlierNfsPort(table, "/nowhere"));
}

}  // namespace
}  // namespace amd
