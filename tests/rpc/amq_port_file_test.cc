// The AMQ port file: written, read back, rejected when malformed, removed
// only by the amd that wrote it.
#include "rpc/amq_port_file.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/fakes/temp_dir.h"

namespace amd::rpc {
namespace {

struct RuntimeDir {
  RuntimeDir() { ::setenv("AMD_RUNTIME_DIR", (dir.path() + "/run").c_str(), 1); }
  ~RuntimeDir() { ::unsetenv("AMD_RUNTIME_DIR"); }
  testing::TempDir dir;
};

TEST_CASE("the AMQ port file round-trips and names its program", "[unit]") {
  RuntimeDir run;
  CHECK(AmqPortFile(300019) == run.dir.path() + "/run/amq-300019");
  CHECK_FALSE(ReadAmqPortFile(300019));
  REQUIRE(WriteAmqPortFile(300019, {"127.0.0.1", 4711}).ok());
  auto e = ReadAmqPortFile(300019);
  REQUIRE(e);
  CHECK(e->address == "127.0.0.1");
  CHECK(e->port == 4711);
  CHECK_FALSE(ReadAmqPortFile(300020));
  RemoveAmqPortFile(300019, 4712);  // another amd's port: stays
  CHECK(ReadAmqPortFile(300019));
  RemoveAmqPortFile(300019, 4711);
  CHECK_FALSE(ReadAmqPortFile(300019));
}

TEST_CASE("a malformed AMQ port file is ignored", "[unit]") {
  RuntimeDir run;
  for (const char* text :
       {"", "127.0.0.1\n", "127.0.0.1 0\n", "127.0.0.1 70000\n", "127.0.0.1 port\n"}) {
    CAPTURE(text);
    run.dir.Write("run/amq-300019", text);
    CHECK_FALSE(ReadAmqPortFile(300019));
  }
}

}  // namespace
}  // namespace amd::rpc
