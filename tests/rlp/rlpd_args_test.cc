// rlpd's command line.
#include "rlp/rlpd_args.h"

#include <catch2/catch.hpp>

#include "rlp/rlpd_config.h"

namespace amd::rlp {
namespace {

std::optional<RlpdArgs> Parse(std::vector<std::string> args, int* status = nullptr,
                              std::string* message = nullptr) {
  int s = -1;
  std::string m;
  auto out = ParseRlpdArgs(args, status ? status : &s, message ? message : &m);
  return out;
}

TEST_CASE("rlpd args: defaults, and every flag", "[unit]") {
  auto a = Parse({});
  REQUIRE(a);
  CHECK(a->config_path == kDefaultRlpdConfig);
  CHECK_FALSE(a->explicit_config);
  CHECK_FALSE(a->check);
  CHECK_FALSE(a->verbose);
  CHECK(a->port_override == 0);
  a = Parse({"-c", "/tmp/r.yaml", "-p", "3900", "-v", "--check"});
  REQUIRE(a);
  CHECK(a->config_path == "/tmp/r.yaml");
  CHECK(a->explicit_config);
  CHECK(a->port_override == 3900);
  CHECK(a->verbose);
  CHECK(a->check);
  a = Parse({"--config", "x", "--port", "1"});
  REQUIRE(a);
  CHECK(a->config_path == "x");
  CHECK(a->port_override == 1);
}

TEST_CASE("rlpd args: a bad port, an unknown flag and -h", "[unit]") {
  int status = -1;
  std::string message;
  for (const char* bad : {"0", "65536", "39x", "port"}) {
    CHECK_FALSE(Parse({"-p", bad}, &status, &message));
    CHECK(status == 2);
    CHECK(message == "rlpd: -p " + std::string(bad) + ": not a port\n");
  }
  CHECK_FALSE(Parse({"-x"}, &status, &message));
  CHECK(status == 2);
  CHECK(message == kRlpdUsage);
  CHECK_FALSE(Parse({"-c"}, &status, &message));  // no file
  CHECK(status == 2);
  CHECK_FALSE(Parse({"-h"}, &status, &message));
  CHECK(status == 0);
  CHECK(message == kRlpdUsage);
}

}  // namespace
}  // namespace amd::rlp
