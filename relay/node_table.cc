// The relay's inodes; see node_table.h.
#include "relay/node_table.h"

#include <algorithm>

namespace amd::relay {

bool SameFile(const nfs3::Fattr& first, const nfs3::Fattr& other) {
  if (first.type != other.type) return false;
  if (first.type == nfs3::Ftype::kDir) return true;
  return first.size == other.size && first.mtime.seconds == other.mtime.seconds &&
         first.mtime.nseconds == other.mtime.nseconds;
}

NodeTable::NodeTable(const nfs3::Fattr& attr, size_t replica, nfs3::Fh fh) {
  Node& root = nodes_[kRootIno];
  root.ino = kRootIno;
  root.identity = root.attr = attr;
  root.nlookup = 1;  // the kernel never forgets the root
  SetHandle(&root, replica, std::move(fh));
}

Node* NodeTable::Get(uint64_t ino) {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

Node* NodeTable::Found(uint64_t parent, const std::string& name, const nfs3::Fattr& attr,
                       size_t replica, nfs3::Fh fh) {
  auto key = Key(parent, name);
  auto it = by_name_.find(key);
  Node* n;
  if (it != by_name_.end()) {
    n = &nodes_[it->second];
    if (!SameFile(n->identity, attr)) {
      MarkDiffers(n, replica);
      return nullptr;
    }
  } else {
    uint64_t ino = next_ino_++;
    n = &nodes_[ino];
    n->ino = ino;
    n->parent = parent;
    n->name = name;
    n->identity = attr;
    by_name_.emplace(std::move(key), ino);
    ++nodes_[parent].children;
  }
  n->attr = attr;
  ++n->nlookup;
  SetHandle(n, replica, std::move(fh));
  return n;
}

void NodeTable::Forget(uint64_t ino, uint64_t n) {
  Node* node = Get(ino);
  if (!node || ino == kRootIno) return;
  node->nlookup -= std::min(n, node->nlookup);
  MaybeFree(ino);
}

void NodeTable::Close(uint64_t ino) {
  Node* node = Get(ino);
  if (!node) return;
  if (node->open > 0) --node->open;
  MaybeFree(ino);
}

void NodeTable::MaybeFree(uint64_t ino) {
  while (ino != kRootIno) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) return;
    Node& n = it->second;
    if (n.nlookup > 0 || n.open > 0 || n.children > 0) return;
    uint64_t parent = n.parent;
    by_name_.erase(Key(parent, n.name));
    nodes_.erase(it);
    auto p = nodes_.find(parent);
    if (p == nodes_.end()) return;
    --p->second.children;
    ino = parent;
  }
}

const nfs3::Fh* NodeTable::Handle(const Node& n, size_t replica) const {
  if (replica >= n.fh.size() || n.fh[replica].empty()) return nullptr;
  return &n.fh[replica];
}

void NodeTable::SetHandle(Node* n, size_t replica, nfs3::Fh fh) {
  if (n->fh.size() <= replica) n->fh.resize(replica + 1);
  n->fh[replica] = std::move(fh);
}

void NodeTable::MarkDiffers(Node* n, size_t replica) {
  if (n->differs.size() <= replica) n->differs.resize(replica + 1);
  n->differs[replica] = 1;
  if (replica < n->fh.size()) n->fh[replica].clear();
}

bool NodeTable::Differs(const Node& n, size_t replica) const {
  return replica < n.differs.size() && n.differs[replica];
}

std::string NodeTable::Path(uint64_t ino) const {
  std::vector<const std::string*> parts;
  while (ino != kRootIno) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) break;
    parts.push_back(&it->second.name);
    ino = it->second.parent;
  }
  std::string path;
  for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
    if (!path.empty()) path += '/';
    path += **p;
  }
  return path;
}

std::vector<uint64_t> NodeTable::OpenNodes() const {
  std::vector<uint64_t> open;
  for (const auto& [ino, n] : nodes_) {
    if (n.open > 0) open.push_back(ino);
  }
  return open;
}

void NodeTable::ForgetReplica(size_t replica) {
  for (auto& [ino, n] : nodes_) {
    if (ino != kRootIno && replica < n.fh.size()) n.fh[replica].clear();
    if (replica < n.differs.size()) n.differs[replica] = 0;
  }
}

}  // namespace amd::relay
