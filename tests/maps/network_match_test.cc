#include "maps/network_match.h"

#include <catch2/catch.hpp>

namespace amd::maps {
namespace {

std::vector<LocalNetwork> Nets() {
  return {
      {*ParsePartialQuad("192.168.1.7"), *ParsePartialQuad("255.255.255.0"), ""},
      {*ParsePartialQuad("10.2.3.4"), *ParsePartialQuad("255.0.0.0"), "campus"},
  };
}

TEST_CASE("network number strings drop trailing zero octets", "[unit]") {
  CHECK(NetworkNumberString(*ParsePartialQuad("192.168.1.0")) == "192.168.1");
  CHECK(NetworkNumberString(*ParsePartialQuad("10.0.0.0")) == "10");
  CHECK(NetworkNumberString(*ParsePartialQuad("10.0.3.0")) == "10.0.3");
  CHECK(NetworkName(Nets()[0]) == "192.168.1.0");
}

TEST_CASE("in_network by name or number", "[unit]") {
  auto n = Nets();
  CHECK(InNetwork("192.168.1", n));
  CHECK(InNetwork("192.168.1.0", n));  // the name: dotted network address
  CHECK(InNetwork("campus", n));
  CHECK(InNetwork("10", n));
  CHECK_FALSE(InNetwork("192.168", n));
  CHECK_FALSE(InNetwork("Campus", n));  // exact, case-sensitive
}

TEST_CASE("in_network with masks", "[unit]") {
  auto n = Nets();
  CHECK(InNetwork("192.168.1.0/24", n));
  CHECK(InNetwork("192.168.0.0/16", n));
  CHECK(InNetwork("192.168.1.0/255.255.255.0", n));
  CHECK(InNetwork("192.168.1.0/0xffffff00", n));
  CHECK(InNetwork("192.168.1/", n));  // each interface's own mask
  CHECK(InNetwork("campus/8", n));
  CHECK_FALSE(InNetwork("192.168.2.0/24", n));
  CHECK_FALSE(InNetwork("192.168.1.0/33", n));
  CHECK_FALSE(InNetwork("nosuch/24", n));
}

}  // namespace
}  // namespace amd::maps
