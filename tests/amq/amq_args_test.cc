// amq's command line: the original's flags, clustered or apart, values
// attached or following, and when amq prints its usage instead.
#include "amq/amq_args.h"

#include <catch2/catch.hpp>

namespace amd::amq {
namespace {

TEST_CASE("amq args: flags cluster, values attach or follow", "[unit]") {
  auto a = ParseAmqArgs(
      {"-ms", "-h", "fserv", "-P300020", "-Dtrace", "-x", "all", "/home/a", "/home/b"});
  REQUIRE(a);
  CHECK(a->minfo);
  CHECK(a->stats);
  CHECK(a->nodefault);
  CHECK(a->server == "fserv");
  CHECK(a->program == 300020);
  CHECK(a->debug_opts == std::optional<std::string>("trace"));
  CHECK(a->xlog == std::optional<std::string>("all"));
  CHECK(a->dirs == std::vector<std::string>{"/home/a", "/home/b"});
  CHECK(a->tcp);
  CHECK(a->udp);
}

TEST_CASE("amq args: no flags is the default listing, -T or -U pick one transport", "[unit]") {
  auto plain = ParseAmqArgs({});
  REQUIRE(plain);
  CHECK_FALSE(plain->nodefault);
  CHECK(plain->server == "localhost");
  auto tcp = ParseAmqArgs({"-T", "-p"});
  REQUIRE(tcp);
  CHECK(tcp->tcp);
  CHECK_FALSE(tcp->udp);
  auto udp = ParseAmqArgs({"-U"});
  REQUIRE(udp);
  CHECK_FALSE(udp->tcp);
  CHECK(udp->udp);
  CHECK_FALSE(udp->nodefault);  // -T and -U alone still list the tree
}

TEST_CASE("amq args: -uu counts, --json, --port and --mount-stats, and -- ends the flags",
          "[unit]") {
  auto a = ParseAmqArgs({"--json", "--port", "4000", "-uu", "--", "-odd-dir"});
  REQUIRE(a);
  CHECK(a->json);
  CHECK(a->port == std::optional<uint16_t>(4000));
  CHECK(a->unmount == 2);
  CHECK(a->dirs == std::vector<std::string>{"-odd-dir"});
  auto m = ParseAmqArgs({"--mount-stats"});
  REQUIRE(m);
  CHECK(m->mount_stats);
  CHECK(m->nodefault);
  auto w = ParseAmqArgs({"-wq"});
  REQUIRE(w);
  CHECK(w->pwd);
  CHECK(w->quiet);
  CHECK_FALSE(w->nodefault);
}

TEST_CASE("amq args: usage for -H, an unknown flag, a missing value, -u without a directory",
          "[unit]") {
  CHECK_FALSE(ParseAmqArgs({"-H"}));
  CHECK_FALSE(ParseAmqArgs({"-z"}));
  CHECK_FALSE(ParseAmqArgs({"-h"}));
  CHECK_FALSE(ParseAmqArgs({"-l"}));
  CHECK_FALSE(ParseAmqArgs({"-u"}));
  CHECK(ParseAmqArgs({"-u", "/home/a"}));
}

TEST_CASE("amq args: --replicas [DIR], --switch DIR [--to REPLICA]", "[unit]") {
  auto r = ParseAmqArgs({"--replicas", "--json", "/home/dist"});
  REQUIRE(r);
  CHECK(r->replicas);
  CHECK(r->json);
  CHECK(r->nodefault);
  CHECK(r->dirs == std::vector<std::string>{"/home/dist"});
  auto s = ParseAmqArgs({"--switch", "/home/dist", "--to", "nfs2"});
  REQUIRE(s);
  CHECK(s->switch_replica);
  CHECK(s->switch_dir == "/home/dist");
  CHECK(s->to == "nfs2");
  auto best = ParseAmqArgs({"--switch", "/home/dist"});
  REQUIRE(best);
  CHECK(best->to.empty());
  CHECK_FALSE(ParseAmqArgs({"--switch"}));
  CHECK_FALSE(ParseAmqArgs({"--to", "nfs2"}));
}

}  // namespace
}  // namespace amd::amq
