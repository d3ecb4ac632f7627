// This host's IPv4 interfaces, as the unit-test machine has them: at least
// lo with 127.0.0.1/8.
#include <catch2/catch.hpp>

#include "base/interfaces.h"

namespace amd {
namespace {

TEST_CASE("interfaces: lo is listed with its network, and loopback addresses are local",
          "[unit][base]") {
  bool lo = false;
  for (const auto& i : Ipv4Interfaces()) {
    if (i.address != 0x7f000001) continue;
    lo = true;
    CHECK(i.loopback);
    CHECK(i.netmask == 0xff000000);
    CHECK(i.OnNetwork(0x7f000102));
    CHECK_FALSE(i.OnNetwork(0x0a000001));
  }
  CHECK(lo);
  CHECK(IsLocalAddress(0x7f000001));
  CHECK(IsLocalAddress(0x7f123456));        // all of 127/8
  CHECK_FALSE(IsLocalAddress(0xc0000201));  // 192.0.2.1, TEST-NET-1
  CHECK(Ipv4ToString(0x0a4d0001) == "10.77.0.1");
  Ipv4Interface none;
  CHECK_FALSE(none.OnNetwork(0));  // no netmask: on no network
}

}  // namespace
}  // namespace amd
