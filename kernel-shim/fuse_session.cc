// The FUSE session over libfuse3's low-level API; see fuse_session.h.
#define FUSE_USE_VERSION 312
#include "kernel-shim/fuse_session.h"

#include <fuse_lowlevel.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <fstream>

#include "kernel-shim/mountinfo.h"

namespace amd::kernel {
namespace {

fuse_req_t Req(void* r) { return static_cast<fuse_req_t>(r); }
FuseFs* Fs(fuse_req_t req) { return static_cast<FuseFs*>(fuse_req_userdata(req)); }

void OnInit(void*, fuse_conn_info* conn) {
  conn->max_readahead = conn->max_readahead ? conn->max_readahead : (1u << 20);
  conn->max_background = 64;
  conn->congestion_threshold = 48;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
}

void OnLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Fs(req)->Lookup(FuseRequest(req), parent, name);
}
void OnForget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  Fs(req)->Forget(ino, n);
  fuse_reply_none(req);
}
void OnForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) Fs(req)->Forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}
void OnGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  Fs(req)->Getattr(FuseRequest(req), ino);
}
void OnReadlink(fuse_req_t req, fuse_ino_t ino) { Fs(req)->Readlink(FuseRequest(req), ino); }
void OnOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Fs(req)->Open(FuseRequest(req), ino, fi->flags);
}
void OnRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Fs(req)->Read(FuseRequest(req), ino, fi->fh, size, off);
}
void OnRelease(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Fs(req)->Release(FuseRequest(req), ino, fi->fh);
}
void OnOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  Fs(req)->Opendir(FuseRequest(req), ino);
}
void OnReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Fs(req)->Readdir(FuseRequest(req), ino, fi->fh, size, off);
}
void OnReleasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Fs(req)->Releasedir(FuseRequest(req), ino, fi->fh);
}
void OnStatfs(fuse_req_t req, fuse_ino_t ino) { Fs(req)->Statfs(FuseRequest(req), ino); }

const fuse_lowlevel_ops kOps = [] {
  fuse_lowlevel_ops o{};
  o.init = OnInit;
  o.lookup = OnLookup;
  o.forget = OnForget;
  o.forget_multi = OnForgetMulti;
  o.getattr = OnGetattr;
  o.readlink = OnReadlink;
  o.open = OnOpen;
  o.read = OnRead;
  o.release = OnRelease;
  o.opendir = OnOpendir;
  o.readdir = OnReaddir;
  o.releasedir = OnReleasedir;
  o.statfs = OnStatfs;
  return o;
}();

}  // namespace

FuseRequest& FuseRequest::operator=(FuseRequest&& o) noexcept {
  if (this != &o) {
    if (req_) fuse_reply_err(Req(req_), EIO);
    req_ = o.req_;
    o.req_ = nullptr;
  }
  return *this;
}

FuseRequest::~FuseRequest() {
  if (req_) fuse_reply_err(Req(req_), EIO);
}

void FuseRequest::Entry(uint64_t ino, const struct stat& st, double timeout) {
  fuse_entry_param e{};
  e.ino = ino;
  e.generation = 1;
  e.attr = st;
  e.attr_timeout = timeout;
  e.entry_timeout = timeout;
  fuse_reply_entry(Req(req_), &e);
  req_ = nullptr;
}

void FuseRequest::Attr(const struct stat& st, double timeout) {
  fuse_reply_attr(Req(req_), &st, timeout);
  req_ = nullptr;
}

void FuseRequest::Open(uint64_t fh, bool keep_cache) {
  fuse_file_info fi{};
  fi.fh = fh;
  fi.keep_cache = keep_cache;
  fi.cache_readdir = 0;
  fuse_reply_open(Req(req_), &fi);
  req_ = nullptr;
}

void FuseRequest::Data(std::span<const uint8_t> data) {
  fuse_reply_buf(Req(req_), reinterpret_cast<const char*>(data.data()), data.size());
  req_ = nullptr;
}

void FuseRequest::Readlink(const std::string& target) {
  fuse_reply_readlink(Req(req_), target.c_str());
  req_ = nullptr;
}

void FuseRequest::Statfs(const struct statvfs& st) {
  fuse_reply_statfs(Req(req_), &st);
  req_ = nullptr;
}

void FuseRequest::Error(int err) {
  fuse_reply_err(Req(req_), err);
  req_ = nullptr;
}

bool FuseRequest::Interrupted() const { return req_ && fuse_req_interrupted(Req(req_)); }

bool FuseRequest::AddDirEntry(std::vector<uint8_t>* buf, size_t size, const std::string& name,
                              uint64_t ino, mode_t type, off_t next) const {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = type;
  size_t need = fuse_add_direntry(Req(req_), nullptr, 0, name.c_str(), nullptr, 0);
  size_t at = buf->size();
  if (at + need > size) return false;
  buf->resize(at + need);
  fuse_add_direntry(Req(req_), reinterpret_cast<char*>(buf->data() + at), need, name.c_str(), &st,
                    next);
  return true;
}

Result<std::unique_ptr<FuseSession>> FuseSession::Mount(const std::string& mountpoint,
                                                        const Options& o, FuseFs* fs) {
  std::string opts =
      "ro,default_permissions,allow_other,fsname=" + o.fsname + ",subtype=" + o.subtype;
  const char* argv[] = {"amd-relay", "-o", opts.c_str()};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  fuse_session* se = fuse_session_new(&args, &kOps, sizeof kOps, fs);
  fuse_opt_free_args(&args);
  if (!se) return Status::Error("fuse_session_new(" + mountpoint + ") failed", std::errc::io_error);
  if (fuse_session_mount(se, mountpoint.c_str()) != 0) {
    fuse_session_destroy(se);
    return Status::Error("mount FUSE on " + mountpoint + " failed (is /dev/fuse there?)",
                         std::errc::io_error);
  }
  std::unique_ptr<FuseSession> s(new FuseSession());
  s->se_ = se;
  s->threads_ = o.threads;
  // Not stat(2): the kernel would ask this very session, not yet served.
  if (auto table = ReadMountInfo(); table.ok()) {
    for (const auto& m : *table) {
      if (m.mount_point == mountpoint && m.fstype == "fuse." + o.subtype) {
        s->dev_ = makedev(m.major, m.minor);
      }
    }
  }
  if (o.readahead_kb && s->dev_) {
    // The kernel's read-ahead window for the mount (128 KiB unless set):
    // wider windows keep more READs in flight on a sequential reader.
    std::ofstream("/sys/class/bdi/" + std::to_string(major(s->dev_)) + ":" +
                  std::to_string(minor(s->dev_)) + "/read_ahead_kb")
        << o.readahead_kb << "\n";
  }
  return s;
}

FuseSession::~FuseSession() {
  auto* se = static_cast<fuse_session*>(se_);
  fuse_session_unmount(se);
  fuse_session_destroy(se);
}

Status FuseSession::Run() {
  auto* se = static_cast<fuse_session*>(se_);
  fuse_loop_config* cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(cfg, static_cast<unsigned>(threads_));
  fuse_loop_cfg_set_idle_threads(cfg, 8);
  bool handlers = fuse_set_signal_handlers(se) == 0;  // SIGTERM, SIGINT, SIGHUP: leave
  int rc = fuse_session_loop_mt(se, cfg);
  if (handlers) fuse_remove_signal_handlers(se);
  fuse_loop_cfg_destroy(cfg);
  if (rc < 0) return Status::FromErrno("FUSE session", -rc);
  return {};
}

void FuseSession::Exit() { fuse_session_exit(static_cast<fuse_session*>(se_)); }

}  // namespace amd::kernel
