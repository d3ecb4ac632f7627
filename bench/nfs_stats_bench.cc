// What reading the NFS mounts' statistics costs amd (amd/nfs_stats.h):
// CPU time per reading of /proc/self/mountstats and mountinfo, parsed
// and differenced for every NFS mount, and what share of one CPU that is
// at nfs_stats_interval 1 s and 5 s.
//
//   nfs_stats_bench --proc [--polls K]
//       this machine's own NFS mounts (the kernel lab's guest with 100
//       mounts: bench/run-nfs-stats.sh); the kernel's making of the file
//       is counted, as amd pays it
//   nfs_stats_bench --synthetic N [--polls K] [--write FILE]
//       N made-up NFS records (as Linux 6.1 prints them), parsing only;
//       --write saves one copy, for nfs-utils' tools to read
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "amd/nfs_stats.h"
#include "base/files.h"
#include "kernel-shim/mountinfo.h"
#include "kernel-shim/mountstats.h"

namespace {

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string Synthetic(int mounts, int round, std::string* info) {
  static const char* kOps[] = {"NULL",   "GETATTR", "SETATTR",  "LOOKUP", "ACCESS",  "READLINK",
                               "READ",   "WRITE",   "CREATE",   "MKDIR",  "SYMLINK", "MKNOD",
                               "REMOVE", "RMDIR",   "RENAME",   "LINK",   "READDIR", "READDIRPLUS",
                               "FSSTAT", "FSINFO",  "PATHCONF", "COMMIT"};
  std::string out;
  info->clear();
  char line[512];
  for (int m = 0; m < mounts; ++m) {
    std::snprintf(line, sizeof line,
                  "device 10.0.2.2:/export/k%d mounted on /home/k%d with fstype nfs "
                  "statvers=1.1\n\topts:\tro,vers=3,rsize=1048576,wsize=1048576,namlen=255,"
                  "acregmin=3,acregmax=60,acdirmin=30,acdirmax=60,soft,nolock,proto=tcp,"
                  "port=2049,timeo=50,retrans=1,sec=sys,mountaddr=10.0.2.2,mountvers=3,"
                  "mountport=20048,mountproto=tcp,local_lock=all\n\tage:\t%d\n",
                  m, m, 100 + round);
    out += line;
    out +=
        "\tcaps:\tcaps=0x3fef,wtmult=512,dtsize=32768,bsize=0,namlen=255\n"
        "\tsec:\tflavor=1,pseudoflavor=1\n"
        "\tevents:\t3 20 0 0 2 4 26 0 0 1 0 0 0 0 1 0 0 1 0 0 0 0 0 0 0 0 0\n"
        "\tbytes:\t12 0 0 0 12 0 1 0\n"
        "\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n";
    std::snprintf(line, sizeof line, "\txprt:\ttcp 873 1 1 0 0 %d %d 0 %d %d 2 0 0\n",
                  1000 + round * 30, 1000 + round * 30, round, round);
    out += line;
    out += "\tper-op statistics\n";
    for (const char* op : kOps) {
      int n = 10 + round * 3;
      std::snprintf(line, sizeof line, "\t%12s: %d %d 0 %d %d %d %d %d 0\n", op, n, n, n * 128,
                    n * 112, n / 10, n * 2, n * 3);
      out += line;
    }
    out += "\n";
    std::snprintf(line, sizeof line,
                  "%d 22 0:%d / /home/k%d ro - nfs 10.0.2.2:/export/k%d "
                  "ro,vers=3,port=2049,addr=10.0.2.2\n",
                  50 + m, 50 + m, m, m);
    *info += line;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool proc = false;
  int synthetic = 0, polls = 200;
  std::string write;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--proc") {
      proc = true;
    } else if (a == "--synthetic" && i + 1 < argc) {
      synthetic = std::atoi(argv[++i]);
    } else if (a == "--polls" && i + 1 < argc) {
      polls = std::atoi(argv[++i]);
    } else if (a == "--write" && i + 1 < argc) {
      write = argv[++i];
    } else {
      std::fprintf(stderr, "usage: nfs_stats_bench --proc|--synthetic N [--polls K] [--write F]\n");
      return 2;
    }
  }
  if (!proc && synthetic <= 0) {
    std::fprintf(stderr, "nfs_stats_bench: --proc or --synthetic N\n");
    return 2;
  }
  amd::NfsStats stats;
  std::map<std::string, std::string> watched;
  std::string text, info;
  if (proc) {
    auto t = amd::kernel::ReadMountStats();
    if (!t.ok()) {
      std::fprintf(stderr, "nfs_stats_bench: %s\n", t.status().ToString().c_str());
      return 1;
    }
    for (const auto& m : amd::kernel::ParseMountStats(*t).mounts)
      watched[m.mount_point] = m.mount_point;
  } else {
    text = Synthetic(synthetic, 0, &info);
    for (int m = 0; m < synthetic; ++m) watched["/home/k" + std::to_string(m)] = "/k";
    if (!write.empty()) std::ofstream(write) << text;
  }
  std::string error;
  auto now = amd::failover::Clock::now();
  double cpu = 0, reading = 0;
  size_t bytes = 0;
  for (int p = 0; p < polls; ++p) {
    if (!proc) text = Synthetic(synthetic, p + 1, &info);  // not timed
    double start = CpuSeconds();
    if (proc) {
      auto t = amd::kernel::ReadMountStats();
      text = t.ok() ? *t : "";
      info = amd::ReadWholeFile("/proc/self/mountinfo", &error).value_or("");
      reading += CpuSeconds() - start;
    }
    stats.Update(text, info, watched, now + std::chrono::seconds(p));
    cpu += CpuSeconds() - start;
    bytes = text.size();
  }
  double per = cpu / polls;
  std::printf("NFS mounts measured: %zu (mountstats %zu bytes)\n", stats.Views().size(), bytes);
  std::printf("CPU per reading: %.1f us over %d readings (%s)\n", per * 1e6, polls,
              proc ? "read from /proc and parsed" : "parsed, text made up");
  if (proc) {
    std::printf(
        "  of which reading the two files (the kernel making them): %.1f us, parsing: %.1f us\n",
        reading / polls * 1e6, (cpu - reading) / polls * 1e6);
  }
  std::printf("share of one CPU: %.4f%% at nfs_stats_interval = 1 s, %.4f%% at 5 s (the default)\n",
              per * 100, per * 100 / 5);
  return 0;
}
