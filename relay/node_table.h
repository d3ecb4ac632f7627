// NodeTable: the relay's inodes. Each is a path in the volume (its parent
// and its name), never a server's file handle: the handle is cached per
// replica and found again by path on a replica that has not seen it, which
// is what lets open files, current directories and mmaps move between
// replicas. Each node keeps its identity as first seen (type; for files and
// links also size and mtime), which every other replica's copy must match
// before it serves the node; and the kernel's lookup count and the number
// of open handles, which keep it alive.
//
// Threading: not locked; its owner (the relay) holds a mutex around it.
// Ownership: nodes are the table's; pointers stay valid until Forget
// frees the node.
#ifndef AMD_RELAY_NODE_TABLE_H_
#define AMD_RELAY_NODE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rpc/nfs3_client.h"

namespace amd::relay {

namespace nfs3 = rpc::nfs3;

constexpr uint64_t kRootIno = 1;

struct Node {
  uint64_t ino = 0;
  uint64_t parent = 0;  // 0 for the root
  std::string name;
  nfs3::Fattr identity;          // as first seen
  nfs3::Fattr attr;              // as last seen
  std::vector<nfs3::Fh> fh;      // by replica; empty: not known there
  std::vector<uint8_t> differs;  // by replica: its copy is not this node
  uint64_t nlookup = 0;          // the kernel's references
  int open = 0;                  // open handles
  int children = 0;              // nodes whose parent this is
};

// Whether `other` is the same file as `first` (for a read-only volume):
// the same type, and for anything but a directory the same size and mtime.
bool SameFile(const nfs3::Fattr& first, const nfs3::Fattr& other);

class NodeTable {
 public:
  // The root, seen as `attr` with handle `fh` on `replica`.
  NodeTable(const nfs3::Fattr& attr, size_t replica, nfs3::Fh fh);

  Node* Get(uint64_t ino);
  // The child `name` of `parent` as a lookup on `replica` found it: the
  // node (made when new), its lookup count up by one. Null when the
  // child is known and `attr` is not the same file (another copy).
  Node* Found(uint64_t parent, const std::string& name, const nfs3::Fattr& attr, size_t replica,
              nfs3::Fh fh);
  void Forget(uint64_t ino, uint64_t n);
  void Open(Node* n) { ++n->open; }
  void Close(uint64_t ino);
  // The handle of `n` on `replica`, if known.
  const nfs3::Fh* Handle(const Node& n, size_t replica) const;
  void SetHandle(Node* n, size_t replica, nfs3::Fh fh);
  void MarkDiffers(Node* n, size_t replica);
  bool Differs(const Node& n, size_t replica) const;
  // The path of `ino` from the root ("" for the root itself, else
  // "a/b/c").
  std::string Path(uint64_t ino) const;
  // Every open node.
  std::vector<uint64_t> OpenNodes() const;
  // Drops every handle of `replica` (its server restarted, or it was
  // found again after being down): they are found again by path.
  void ForgetReplica(size_t replica);
  size_t size() const { return nodes_.size(); }

 private:
  void MaybeFree(uint64_t ino);
  static std::string Key(uint64_t parent, const std::string& name) {
    return std::to_string(parent) + "/" + name;
  }

  std::unordered_map<uint64_t, Node> nodes_;
  std::unordered_map<std::string, uint64_t> by_name_;
  uint64_t next_ino_ = kRootIno + 1;
};

}  // namespace amd::relay

#endif  // AMD_RELAY_NODE_TABLE_H_
