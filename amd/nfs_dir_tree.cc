// The NFS front end's directories and keys; see nfs_dir_tree.h.
#include "amd/nfs_dir_tree.h"

#include <algorithm>

namespace amd {

namespace nfs3 = rpc::nfs3;

namespace {

bool Later(const nfs3::Time& a, const nfs3::Time& b) {
  return a.seconds > b.seconds || (a.seconds == b.seconds && a.nseconds > b.nseconds);
}

// Names a browsable directory can list (the engine chose which keys:
// wildcards only for browsable_dirs = full or opts:=fullybrowsable).
bool Listable(const std::string& k) {
  return !k.empty() && k != "/defaults" && k.find('/') == std::string::npos && k != "." &&
         k != "..";
}

}  // namespace

nfs3::Time NfsNow() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return {static_cast<uint32_t>(ns / 1000000000), static_cast<uint32_t>(ns % 1000000000)};
}

void NfsDirTree::Add(const std::string& path, bool top_level, ListKeys browsable) {
  auto d = std::make_unique<Dir>();
  d->path = path;
  d->hash = PathHash(path);
  d->top_level = top_level;
  d->browsable = std::move(browsable);
  d->mtime = NfsNow();
  std::string parent = path.substr(0, path.rfind('/'));
  auto pit = dirs_.find(PathHash(parent));
  if (!top_level && pit != dirs_.end()) {
    d->parent = pit->second->hash;
    d->fsid = pit->second->fsid;
    Touch(*pit->second);
  } else {
    d->parent = d->hash;
    d->fsid = d->hash;
  }
  dirs_[d->hash] = std::move(d);
}

void NfsDirTree::Remove(const std::string& path) {
  uint64_t h = PathHash(path);
  auto it = dirs_.find(h);
  if (it == dirs_.end()) return;
  auto pit = dirs_.find(it->second->parent);
  if (pit != dirs_.end() && pit->first != h) Touch(*pit->second);
  dirs_.erase(it);
}

NfsDirTree::Dir* NfsDirTree::Find(uint64_t hash) {
  auto it = dirs_.find(hash);
  return it == dirs_.end() ? nullptr : it->second.get();
}

NfsDirTree::Dir* NfsDirTree::Child(const Dir& d, const std::string& name) {
  Dir* c = Find(PathHash(d.path + "/" + name));
  return c != nullptr && c->parent == d.hash && c != &d ? c : nullptr;
}

void NfsDirTree::SetTarget(const std::string& path, const std::string& name,
                           const std::string& target) {
  Dir* d = FindPath(path);
  if (d == nullptr) return;
  if (target.empty()) {
    d->keys.erase(name);
  } else {
    Key& k = d->keys[name];
    k.target = target;
    k.changed = NfsNow();
    k.last_used = Clock::now();
    k.expiring = false;
    if (name.size() > kMaxNameInHandle) d->long_names[PathHash(name)] = name;
  }
  Touch(*d);
}

void NfsDirTree::Touch(Dir& d) {
  nfs3::Time t = NfsNow();
  if (!Later(t, d.mtime))
    t = {d.mtime.seconds + (d.mtime.nseconds == 999999999 ? 1u : 0u),
         d.mtime.nseconds == 999999999 ? 0u : d.mtime.nseconds + 1};
  d.mtime = t;
}

nfs3::Fattr NfsDirTree::DirAttr(const Dir& d) const {
  nfs3::Fattr a;
  a.type = nfs3::Ftype::kDir;
  a.mode = 0555;
  a.nlink = 2;
  a.size = 4096;
  a.used = 4096;
  a.fsid = d.fsid;
  a.fileid = d.hash;
  a.atime = a.mtime = a.ctime = d.mtime;
  return a;
}

nfs3::Fattr NfsDirTree::KeyAttr(const Dir& d, const std::string& name, const Key* key) const {
  nfs3::Fattr a;
  a.type = nfs3::Ftype::kLnk;
  a.mode = 0777;
  a.nlink = 1;
  a.size = key != nullptr ? key->target.size() : 0;
  a.used = a.size;
  a.fsid = d.fsid;
  a.fileid = PathHash(name, PathHash("/", d.hash));
  a.atime = a.mtime = a.ctime = key != nullptr ? key->changed : d.mtime;
  return a;
}

std::string NfsDirTree::KeyName(const Dir& d, const NfsHandle& h) {
  if (h.kind == NfsHandleKind::kKey) return std::string(h.name);
  auto it = d.long_names.find(h.name_hash);
  return it == d.long_names.end() ? "" : it->second;
}

const NfsDirTree::Dir& NfsDirTree::Top(const Dir& d, std::string* rel) {
  const Dir* t = &d;
  for (int depth = 0; depth < 64 && !t->top_level && t->parent != t->hash; ++depth) {
    const Dir* up = Find(t->parent);
    if (up == nullptr) break;
    t = up;
  }
  *rel = t == &d ? "" : d.path.substr(std::min(d.path.size(), t->path.size() + 1));
  return *t;
}

std::vector<uint8_t> NfsDirTree::DirHandleOf(const Dir& d) {
  std::string rel;
  const Dir& top = Top(d, &rel);
  if (rel.empty() || rel.size() > kMaxNameInHandle)
    return MakeNfsHandle(NfsHandleKind::kDir, d.hash);
  return MakeNfsHandle(NfsHandleKind::kSubDir, top.hash, rel);
}

std::vector<uint8_t> NfsDirTree::KeyHandleOf(const Dir& d, const std::string& name) {
  std::string rel;
  const Dir& top = Top(d, &rel);
  std::string path = rel.empty() ? name : rel + "/" + name;
  if (path.size() <= kMaxNameInHandle) return MakeNfsHandle(NfsHandleKind::kKey, top.hash, path);
  return MakeNfsHandle(
      name.size() <= kMaxNameInHandle ? NfsHandleKind::kKey : NfsHandleKind::kLongKey, d.hash,
      name);
}

NfsDirTree::Resolved NfsDirTree::Resolve(const NfsHandle& h) {
  Resolved r;
  Dir* base = Find(h.dir);
  if (base == nullptr) return r;
  if (h.kind == NfsHandleKind::kDir) {
    r.dir = base;
    return r;
  }
  if (h.kind == NfsHandleKind::kLongKey) {
    r.is_dir = false;
    r.name = KeyName(*base, h);
    if (!r.name.empty()) r.dir = base;
    return r;
  }
  std::vector<std::string> parts;
  for (size_t at = 0; at <= h.name.size();) {
    size_t slash = std::min(h.name.find('/', at), h.name.size());
    parts.emplace_back(h.name.substr(at, slash - at));
    if (parts.back().empty() || parts.back() == "." || parts.back() == "..") return r;
    at = slash + 1;
  }
  r.is_dir = h.kind == NfsHandleKind::kSubDir;
  size_t dirs = r.is_dir ? parts.size() : parts.size() - 1;
  Dir* at = base;
  for (size_t i = 0; i < dirs; ++i) {
    Dir* next = Child(*at, parts[i]);
    if (next == nullptr) {
      r.missing_in = at;
      r.missing = parts[i];
      return r;
    }
    at = next;
  }
  r.dir = at;
  if (!r.is_dir) r.name = parts.back();
  return r;
}

std::shared_ptr<const std::vector<std::string>> NfsDirTree::Listing(const Dir& d) {
  std::vector<std::string> names;
  for (const auto& [hash, c] : dirs_) {
    if (c->parent == d.hash && c.get() != &d) names.push_back(c->path.substr(d.path.size() + 1));
  }
  for (const auto& [name, key] : d.keys) names.push_back(name);
  if (d.browsable) {
    for (auto& k : d.browsable()) {
      if (Listable(k)) names.push_back(std::move(k));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  auto all = std::make_shared<std::vector<std::string>>();
  all->reserve(names.size() + 2);
  all->push_back(".");
  all->push_back("..");
  for (auto& n : names) all->push_back(std::move(n));
  return all;
}

}  // namespace amd
