// libnfs_probe: libnfs (Debian's user-space NFS client) as an independent
// client of amd's NFS front end, for the integration tests.
//
//   libnfs_probe URL ls            entries of the export root: "NAME TYPE"
//   libnfs_probe URL readlink PATH the target of a symbolic link
//   libnfs_probe URL lstat PATH    "TYPE MODE SIZE"
//
// URL is nfs://HOST/EXPORT?nfsport=P&mountport=P&version=3. Exit status 0,
// or 1 with libnfs's error on standard error.
#include <nfsc/libnfs-raw-nfs.h>
#include <nfsc/libnfs.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

const char* TypeName(uint32_t type_or_mode, bool is_mode) {
  if (is_mode) {
    switch (type_or_mode & 0170000) {
      case 0040000:
        return "dir";
      case 0120000:
        return "lnk";
      case 0100000:
        return "reg";
      default:
        return "other";
    }
  }
  switch (type_or_mode) {
    case NF3DIR:
      return "dir";
    case NF3LNK:
      return "lnk";
    case NF3REG:
      return "reg";
    default:
      return "other";
  }
}

int Fail(nfs_context* nfs, const char* what) {
  std::fprintf(stderr, "libnfs_probe: %s: %s\n", what, nfs_get_error(nfs));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: libnfs_probe URL ls|readlink PATH|lstat PATH\n");
    return 2;
  }
  nfs_context* nfs = nfs_init_context();
  if (nfs == nullptr) return 1;
  nfs_set_timeout(nfs, 10000);
  nfs_url* url = nfs_parse_url_dir(nfs, argv[1]);
  if (url == nullptr) return Fail(nfs, "URL");
  if (nfs_mount(nfs, url->server, url->path) != 0) return Fail(nfs, "mount");
  std::string cmd = argv[2];
  int rc = 0;
  if (cmd == "ls") {
    nfsdir* dir = nullptr;
    if (nfs_opendir(nfs, "/", &dir) != 0) return Fail(nfs, "opendir");
    std::vector<std::string> lines;
    while (nfsdirent* e = nfs_readdir(nfs, dir)) {
      std::string name = e->name;
      if (name == "." || name == "..") continue;
      lines.push_back(name + " " + TypeName(e->type, false));
    }
    nfs_closedir(nfs, dir);
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
  } else if (cmd == "readlink" && argc > 3) {
    char buf[4096] = {};
    if (nfs_readlink(nfs, argv[3], buf, sizeof buf - 1) != 0) return Fail(nfs, "readlink");
    std::printf("%s\n", buf);
  } else if (cmd == "lstat" && argc > 3) {
    struct nfs_stat_64 st {};
    if (nfs_lstat64(nfs, argv[3], &st) != 0) return Fail(nfs, "lstat");
    std::printf("%s %o %llu\n", TypeName(static_cast<uint32_t>(st.nfs_mode), true),
                static_cast<unsigned>(st.nfs_mode & 07777),
                static_cast<unsigned long long>(st.nfs_size));
  } else {
    std::fprintf(stderr, "libnfs_probe: unknown command %s\n", cmd.c_str());
    rc = 2;
  }
  nfs_destroy_url(url);
  nfs_destroy_context(nfs);
  return rc;
}
