// libnfs_stat: the direct baseline of relay_bench's metadata figure: a
// libnfs client (no cache) that stats files SERVER:EXPORT/PREFIX0 ..
// PREFIX<N-1> (a LOOKUP and a GETATTR each, synchronously) and prints the
// seconds it took.
//
//   libnfs_stat SERVER EXPORT PREFIX N
#include <nfsc/libnfs.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: libnfs_stat SERVER EXPORT PREFIX N\n");
    return 2;
  }
  nfs_context* nfs = nfs_init_context();
  if (!nfs || nfs_mount(nfs, argv[1], argv[2]) != 0) {
    std::fprintf(stderr, "libnfs_stat: mount %s:%s: %s\n", argv[1], argv[2],
                 nfs ? nfs_get_error(nfs) : "no context");
    return 1;
  }
  int n = std::atoi(argv[4]);
  auto t0 = std::chrono::steady_clock::now();
  int failed = 0;
  for (int i = 0; i < n; ++i) {
    nfs_stat_64 st;
    std::string path = std::string("/") + argv[3] + std::to_string(i);
    if (nfs_stat64(nfs, path.c_str(), &st) != 0) ++failed;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.6f %d\n", s, failed);
  nfs_destroy_context(nfs);
  return failed ? 1 : 0;
}
