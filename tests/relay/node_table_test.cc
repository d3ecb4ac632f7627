// The relay's inode table and the NFSv3 client codecs it reads replies
// with.
#include "relay/node_table.h"

#include <catch2/catch.hpp>

#include "rpc/nfs3_client.h"

namespace amd::relay {
namespace {

nfs3::Fattr File(uint64_t size, uint32_t mtime, nfs3::Ftype type = nfs3::Ftype::kReg) {
  nfs3::Fattr a;
  a.type = type;
  a.size = size;
  a.mtime.seconds = mtime;
  return a;
}

TEST_CASE("node table: a node is a path, its handle kept per replica and found again by path",
          "[unit][relay]") {
  NodeTable t(File(0, 1, nfs3::Ftype::kDir), 0, {1});
  Node* dir = t.Found(kRootIno, "sub", File(0, 5, nfs3::Ftype::kDir), 0, {2});
  REQUIRE(dir);
  Node* f = t.Found(dir->ino, "f", File(10, 7), 0, {3});
  REQUIRE(f);
  uint64_t ino = f->ino;
  CHECK(t.Path(ino) == "sub/f");
  CHECK(t.Handle(*f, 0));
  CHECK_FALSE(t.Handle(*f, 1));
  // The same name found again is the same node; on another replica, its
  // handle there is added.
  CHECK(t.Found(dir->ino, "f", File(10, 7), 1, {9})->ino == ino);
  CHECK(*t.Handle(*t.Get(ino), 1) == nfs3::Fh{9});
  // Another copy (size or mtime differ): not this node.
  CHECK(t.Found(dir->ino, "f", File(11, 7), 2, {8}) == nullptr);
  CHECK(t.Differs(*t.Get(ino), 2));
  // A directory's size and mtime may differ between copies.
  CHECK(SameFile(File(0, 5, nfs3::Ftype::kDir), File(4096, 9, nfs3::Ftype::kDir)));
  CHECK_FALSE(SameFile(File(0, 5, nfs3::Ftype::kDir), File(0, 5, nfs3::Ftype::kReg)));
  // A restarted server: handles of that replica forgotten, the node kept.
  t.ForgetReplica(1);
  CHECK_FALSE(t.Handle(*t.Get(ino), 1));
}

TEST_CASE("node table: open nodes outlive the kernel's references, parents their children",
          "[unit][relay]") {
  NodeTable t(File(0, 1, nfs3::Ftype::kDir), 0, {1});
  Node* dir = t.Found(kRootIno, "d", File(0, 1, nfs3::Ftype::kDir), 0, {2});
  uint64_t d = dir->ino;
  Node* f = t.Found(d, "f", File(1, 1), 0, {3});
  uint64_t ino = f->ino;
  t.Open(f);
  CHECK(t.OpenNodes() == std::vector<uint64_t>{ino});
  t.Forget(d, 1);
  t.Forget(ino, 1);
  CHECK(t.Get(ino));  // open
  CHECK(t.Get(d));    // its child lives
  t.Close(ino);
  CHECK_FALSE(t.Get(ino));
  CHECK_FALSE(t.Get(d));
  CHECK(t.size() == 1);
}

TEST_CASE("nfs3 client: results decode strictly", "[unit][relay]") {
  std::vector<uint8_t> b;
  rpc::XdrWriter w(&b);
  w.U32(nfs3::kOk);
  w.Opaque(std::vector<uint8_t>{1, 2, 3});
  w.Bool(true);
  nfs3::Fattr a = File(42, 3);
  nfs3::PutFattr(w, a);
  w.Bool(false);
  auto r = nfs3::DecodeLookup(b);
  REQUIRE(r.ok());
  CHECK(r->fh == nfs3::Fh{1, 2, 3});
  REQUIRE(r->attr);
  CHECK(r->attr->size == 42);
  // Truncated: an error, never a guess.
  b.pop_back();
  CHECK_FALSE(nfs3::DecodeLookup(b).ok());
  std::vector<uint8_t> read;
  rpc::XdrWriter rw(&read);
  rw.U32(nfs3::kOk);
  rw.Bool(false);
  rw.U32(5);
  rw.Bool(true);
  rw.Opaque(std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'});
  auto rr = nfs3::DecodeRead(read);
  REQUIRE(rr.ok());
  CHECK(rr->eof);
  CHECK(std::string(rr->data.begin(), rr->data.end()) == "hello");
  // A count that disagrees with the data.
  read[11] = 6;
  CHECK_FALSE(nfs3::DecodeRead(read).ok());
  std::vector<uint8_t> fail;
  rpc::XdrWriter fw(&fail);
  fw.U32(nfs3::kNoent);
  fw.Bool(false);
  auto fr = nfs3::DecodeLookup(fail);
  REQUIRE(fr.ok());
  CHECK(fr->stat == nfs3::kNoent);
  CHECK(nfs3::ErrnoFromStat(nfs3::kStale) == ESTALE);
}

}  // namespace
}  // namespace amd::relay
