// FUSE (the kernel's user-space file system interface) through libfuse3's
// low-level API, as the relay serves a read-only volume: a session mounted
// on a directory, its requests handed to a FuseFs in plain C++ terms, and
// each request answered exactly once through a move-only FuseRequest (an
// unanswered request is answered EIO when its token dies). libfuse stays
// inside this file pair: nothing else includes its headers.
//
// Threading: Run serves requests on up to Options::threads threads; a
// FuseFs method may keep its FuseRequest and answer it from any thread.
// Ownership: the session owns the mount; the FuseFs is the caller's and
// must outlive Run.
#ifndef AMD_KERNEL_SHIM_FUSE_SESSION_H_
#define AMD_KERNEL_SHIM_FUSE_SESSION_H_

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace amd::kernel {

class FuseRequest {
 public:
  explicit FuseRequest(void* req) : req_(req) {}
  FuseRequest(FuseRequest&& o) noexcept : req_(o.req_) { o.req_ = nullptr; }
  FuseRequest& operator=(FuseRequest&& o) noexcept;
  FuseRequest(const FuseRequest&) = delete;
  FuseRequest& operator=(const FuseRequest&) = delete;
  ~FuseRequest();

  // Answers (each consumes the request).
  void Entry(uint64_t ino, const struct stat& st, double timeout);
  void Attr(const struct stat& st, double timeout);
  // OPEN and OPENDIR: the handle; `keep_cache`: the page cache of an
  // earlier open stays valid (the volume is read-only).
  void Open(uint64_t fh, bool keep_cache);
  void Data(std::span<const uint8_t> data);
  void Readlink(const std::string& target);
  void Statfs(const struct statvfs& st);
  void Error(int err);  // 0: success with nothing to say
  bool answered() const { return req_ == nullptr; }
  // Whether the caller gave up (a signal): its answer is then moot.
  bool Interrupted() const;
  // One READDIR entry appended to `buf` if it fits in `size` bytes in
  // all; false when it does not.
  bool AddDirEntry(std::vector<uint8_t>* buf, size_t size, const std::string& name, uint64_t ino,
                   mode_t type, off_t next) const;

 private:
  void* req_;
};

class FuseFs {
 public:
  virtual ~FuseFs() = default;
  virtual void Lookup(FuseRequest r, uint64_t parent, std::string name) = 0;
  virtual void Forget(uint64_t ino, uint64_t nlookup) = 0;
  virtual void Getattr(FuseRequest r, uint64_t ino) = 0;
  virtual void Readlink(FuseRequest r, uint64_t ino) = 0;
  virtual void Open(FuseRequest r, uint64_t ino, int flags) = 0;
  virtual void Read(FuseRequest r, uint64_t ino, uint64_t fh, size_t size, off_t off) = 0;
  virtual void Release(FuseRequest r, uint64_t ino, uint64_t fh) = 0;
  virtual void Opendir(FuseRequest r, uint64_t ino) = 0;
  virtual void Readdir(FuseRequest r, uint64_t ino, uint64_t fh, size_t size, off_t off) = 0;
  virtual void Releasedir(FuseRequest r, uint64_t ino, uint64_t fh) = 0;
  virtual void Statfs(FuseRequest r, uint64_t ino) = 0;
};

class FuseSession {
 public:
  struct Options {
    std::string fsname;   // the mount's source, as mountinfo shows it
    std::string subtype;  // its type is fuse.<subtype>
    size_t max_read = 1 << 20;
    size_t readahead_kb = 4096;  // 0: the kernel's default
    int threads = 64;
  };
  // Mounts a read-only FUSE file system on `mountpoint` served by `fs`.
  static Result<std::unique_ptr<FuseSession>> Mount(const std::string& mountpoint, const Options& o,
                                                    FuseFs* fs);
  ~FuseSession();
  FuseSession(const FuseSession&) = delete;
  FuseSession& operator=(const FuseSession&) = delete;
  // Serves requests until the file system is unmounted or Exit is called.
  Status Run();
  void Exit();
  // The kernel's device number of the mount (its bdi is "major:minor").
  dev_t device() const { return dev_; }

 private:
  FuseSession() = default;
  void* se_ = nullptr;
  int threads_ = 64;
  dev_t dev_ = 0;
};

}  // namespace amd::kernel

#endif  // AMD_KERNEL_SHIM_FUSE_SESSION_H_
