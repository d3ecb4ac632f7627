// amq's output formats against text written from the reference (6.3).
#include "amq/amq_format.h"

#include <catch2/catch.hpp>
#include <cstring>

namespace amd::amq {
namespace {

amq_mount_tree Node(const char* dir, const char* type, const char* info, const char* mp) {
  amq_mount_tree t;
  std::memset(&t, 0, sizeof t);
  t.mt_directory = const_cast<char*>(dir);
  t.mt_type = const_cast<char*>(type);
  t.mt_mountinfo = const_cast<char*>(info);
  t.mt_mountpoint = const_cast<char*>(mp);
  return t;
}

TEST_CASE("amq format: the tree in the original's order and widths", "[amq]") {
  // root -> a (children a1, a2), b. A node, then its later siblings (each
  // with what is below it), then its children: root, a, b, a1, a2.
  amq_mount_tree root = Node("", "root", "\"root\"", "sky:(pid75,port1023)");
  amq_mount_tree a = Node("/a", "toplvl", "amd.a", "/a");
  amq_mount_tree b = Node("/b", "toplvl", "amd.b", "/b");
  amq_mount_tree a1 = Node("/a/x", "nfs", "charm:/home/charm", "/a/x");
  amq_mount_tree a2 = Node("/a/y", "lofs", "/src/y", "/a/y");
  root.mt_child = &a;
  a.mt_next = &b;
  a.mt_child = &a1;
  a1.mt_next = &a2;
  amq_mount_tree_p top = &root;
  amq_mount_tree_list list{1, &top};
  CHECK(FormatTree(list) ==
        // widths: directory 4+1, type 6+1, mount info 17+1
        "/     root    \"root\"             sky:(pid75,port1023)\n"
        "/a    toplvl  amd.a              /a\n"
        "/b    toplvl  amd.b              /b\n"
        "/a/x  nfs     charm:/home/charm  /a/x\n"
        "/a/y  lofs    /src/y             /a/y\n");
  CHECK(TranslatePath(list, "/a/x/sub") == "/a/x/sub");  // mount point is its own path
  amq_mount_tree l = Node("/l", "link", "/real", "/real");
  b.mt_next = &l;
  CHECK(TranslatePath(list, "/real/dir") == "/l/dir");
}

TEST_CASE("amq format: -m, -s and -i", "[amq]") {
  amq_mount_info mi[2] = {{const_cast<char*>("nfs"), const_cast<char*>("/a/x"),
                           const_cast<char*>("charm:/h"), const_cast<char*>("charm"), ENOENT, 1, 0},
                          {const_cast<char*>("toplvl"), const_cast<char*>("/a"),
                           const_cast<char*>("amd.a"), const_cast<char*>("localhost"), -1, 2, -1}};
  amq_mount_info_list ml{2, mi};
  CHECK(FormatMounts(ml) ==
        // widths: mount info 8+1, mount point 4+1, type 6+1; the
        // original's "%s is %s " leaves a space before the newline, and
        // two before an error.
        "charm:/h  /a/x  nfs     1   charm is down  (No such file or directory)\n"
        "amd.a     /a    toplvl  2   localhost is starting  (in progress)\n");
  amq_mount_stats st{1, 2, 3, 4, 5};
  CHECK(FormatGlobalStats(st) ==
        "requests  stale     mount     mount     unmount\n"
        "deferred  fhandles  ok        failed    failed\n"
        "1         2         3         4         5        \n");
  amq_map_info maps[1] = {
      {const_cast<char*>("amd.a"), const_cast<char*>(""), 0, 0x100, 3, 1, 2, -1}};
  amq_map_info_list mapl{1, maps};
  std::string out = FormatMaps(mapl);
  // No wildcard anywhere: the Wild column is empty (its header cut to
  // nothing), as in the original.
  // Name is 5+1 wide; Wild 0.
  CHECK(out.rfind("Name    Flags    Refcnt  Entries Reloads Stat Modified\n"
                  "amd.a   100      2       3       1       root ",
                  0) == 0);
}

TEST_CASE("amq format: --mount-stats adds each NFS mount's response times", "[amq]") {
  amq2_mount_stats m{};
  m.ms_path = const_cast<char*>("/home/alice");
  m.ms_type = const_cast<char*>("nfs");
  m.ms_mountinfo = const_cast<char*>("srv:/e/alice");
  m.ms_server = const_cast<char*>("srv");
  amq2_mount_stats_list list{1, &m};
  amq2_nfs_stats n{};
  n.ns_path = const_cast<char*>("/home/alice");
  n.ns_mount_point = const_cast<char*>("/home/alice");
  n.ns_device = const_cast<char*>("srv:/e/alice");
  n.ns_health = const_cast<char*>("up");
  n.ns_measured = 1 | 8;
  n.ns_short_usec = 1250;
  n.ns_probe_usec = 300;
  n.ns_ops_milli_per_s = 12500;
  n.ns_retrans = 3;
  amq2_nfs_stats_list nfs{1, &n};
  std::string without = FormatMountStats(list);
  std::string with = FormatMountStats(list, &nfs);
  CHECK(with.starts_with(without));  // the first table as it was
  CHECK(with.find("\nNFS mount   Device       Health   Short ms  Long ms   Read ms/KiB Probe ms"
                  "  Ops/s") != std::string::npos);
  CHECK(with.find("\n/home/alice srv:/e/alice up       1.250     -         -           0.300 "
                  "    12.500    0.000     0.000     3        0        0\n") != std::string::npos);
  std::string json = MountStatsJson(list, &nfs);
  CHECK(json.find("\"short_usec\": 1250") != std::string::npos);
  CHECK(json.find("\"long_usec\": null") != std::string::npos);
  CHECK(json.find("\"health\": \"up\"") != std::string::npos);
  CHECK(MountStatsJson(list).find("\"nfs\":") == std::string::npos);
}

}  // namespace
}  // namespace amd::amq
