// NfsDirTree: the directories the classic NFS front end serves and the
// keys mounted in each (each key a symbolic link to where its file system
// is). It gives each directory and key its handle (nfs_handle.h) and its
// attributes, finds what a handle names, and lists a directory for
// READDIR. Directories are found by the hash of their path; sub-map
// directories hang below the key that holds them.
//
// Threading: the NFS server's thread only. Pointers to Dirs stay valid
// until Remove of that directory.
//
// Ownership: the tree owns every Dir; handles and listings returned are the
// caller's (listings shared).
#ifndef AMD_AMD_NFS_DIR_TREE_H_
#define AMD_AMD_NFS_DIR_TREE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "amd/nfs_handle.h"
#include "rpc/nfs3_protocol.h"

namespace amd {

class NfsDirTree {
 public:
  using Clock = std::chrono::steady_clock;
  // What a browsable directory lists besides its mounted keys.
  using ListKeys = std::function<std::vector<std::string>()>;
  struct Key {
    std::string target;
    rpc::nfs3::Time changed;
    Clock::time_point last_used = Clock::now();
    std::optional<unsigned long> timeout;  // its own idle time (utimeout=)
    bool expiring = false;
  };
  struct Dir {
    std::string path;
    uint64_t hash = 0;
    uint64_t fsid = 0;
    uint64_t parent = 0;  // the parent directory's hash (itself at the top)
    bool top_level = false;
    bool mounted_by_us = false;
    ListKeys browsable;
    std::map<std::string, Key> keys;                       // mounted keys
    std::unordered_map<uint64_t, std::string> long_names;  // name hash -> name, for long keys
    rpc::nfs3::Time mtime;
    unsigned long timeout = 600;
    // The listing READDIR pages through: made when a client starts at
    // cookie 0 (or finds none), dropped once a client reads to its end.
    // Without it every page would ask the map for all its keys again.
    std::shared_ptr<const std::vector<std::string>> listing;
  };
  // What a handle names: a directory, or a key in one; or the sub-map
  // directory that must be mounted first (missing, in missing_in).
  struct Resolved {
    Dir* dir = nullptr;  // null: stale (or missing, below)
    bool is_dir = true;
    std::string name;
    Dir* missing_in = nullptr;
    std::string missing;
  };

  void Add(const std::string& path, bool top_level, ListKeys browsable);
  void Remove(const std::string& path);
  Dir* Find(uint64_t hash);
  Dir* FindPath(const std::string& path) { return Find(PathHash(path)); }
  // The sub-map directory `name` of `d`, if there is one.
  Dir* Child(const Dir& d, const std::string& name);
  // What key `name` of the directory at `path` shows ("" once unmounted).
  void SetTarget(const std::string& path, const std::string& name, const std::string& target);
  // A new mtime for `d`, later than its last (a client sees it changed).
  void Touch(Dir& d);

  std::vector<uint8_t> DirHandleOf(const Dir& d);
  std::vector<uint8_t> KeyHandleOf(const Dir& d, const std::string& name);
  // Finds what `h` names, walking its path through sub-map directories.
  Resolved Resolve(const NfsHandle& h);

  rpc::nfs3::Fattr DirAttr(const Dir& d) const;
  rpc::nfs3::Fattr KeyAttr(const Dir& d, const std::string& name, const Key* key) const;
  // A directory's entries, sorted: ".", "..", sub-map directories, mounted
  // keys, and the map's keys when browsable. The cookie of entry i is i + 1.
  std::shared_ptr<const std::vector<std::string>> Listing(const Dir& d);

  const std::unordered_map<uint64_t, std::unique_ptr<Dir>>& dirs() const { return dirs_; }

 private:
  // The top-level directory `d` is in, and d's path from it ("" for itself).
  const Dir& Top(const Dir& d, std::string* rel);
  // The key a handle names, if its directory is known; "" when a long
  // key's name is not.
  std::string KeyName(const Dir& d, const NfsHandle& h);

  std::unordered_map<uint64_t, std::unique_ptr<Dir>> dirs_;
};

// Now, as NFS times are (the attributes' times).
rpc::nfs3::Time NfsNow();

}  // namespace amd

#endif  // AMD_AMD_NFS_DIR_TREE_H_
