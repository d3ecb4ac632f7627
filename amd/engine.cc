// The engine's life: construction, start-up, reconfiguration, map
// reloads, shutdown, and the one tick that drives its timers. See engine.h.
#include "amd/engine.h"

#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <set>

#include "amd/engine_state.h"
#include "amd/mount_swap.h"
#include "amd/section_maps.h"

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

void LogDiagnostics(spdlog::logger& log, const Diagnostics& d) {
  for (const auto& item : d.items()) {
    if (item.severity >= Severity::kError) {
      log.error("{}", item.ToString(false));
    } else if (item.severity == Severity::kWarning) {
      log.warn("{}", item.ToString(false));
    }
  }
}

void Engine::ApplyGlobalSettings() {
  const conf::GlobalSettings& g = config_->settings;
  ++eval_generation_;
  MountContext mc;
  mc.use_lofs = g.autofs_use_lofs;
  mc.nfs_vers = g.nfs_vers;
  mc.nfs_proto = g.nfs_proto;
  mc.world = &world_;
  mount_context_ = std::make_shared<const MountContext>(mc);
  // A direct mount point is a directory amd mounts over: never a symlink.
  mc.use_lofs = true;
  direct_mount_context_ = std::make_shared<const MountContext>(mc);
  mc.link_into_autodir = true;
  mc.shared = shared_mounts_;
  link_mount_context_ = std::make_shared<const MountContext>(std::move(mc));
  global_maps_ = std::make_shared<const MapSettings>(MapSettingsOf(g.maps));
  eval_flags_ = EvalFlagsOf(g);
}

Engine::Engine(boost::asio::io_context& io, kernel::Kernel& kernel, WorkerPool& pool,
               maps::World& world, maps::HostFacts facts,
               std::shared_ptr<const conf::Config> config, std::shared_ptr<spdlog::logger> log,
               Options options, Watcher watcher)
    : io_(io),
      kernel_(kernel),
      pool_(pool),
      world_(world),
      facts_(std::move(facts)),
      config_(std::move(config)),
      log_(std::move(log)),
      options_(std::move(options)),
      watcher_(std::move(watcher)),
      autofs_(kernel, options_.pgrp, std::exchange(options_.held_pipes, {})),
      tick_timer_(io) {
  front_ends_[std::string(autofs_.name())] = &autofs_;
  for (FrontEnd* fe : options_.front_ends) front_ends_[std::string(fe->name())] = fe;
  ApplyGlobalSettings();
}

Engine::~Engine() { expire_threads_.join(); }

bool Engine::Busy() const {
  for (const auto& [id, point] : points_) {
    for (const auto& [name, node] : point->nodes) {
      if (node.state == Node::State::kMounting || node.state == Node::State::kUnmounting)
        return true;
    }
  }
  return false;
}

std::vector<std::string> Engine::MountPoints() const {
  std::vector<std::string> out;
  for (const auto& [id, p] : points_) out.push_back(p->path);
  return out;
}

int Engine::CreatePoint(FrontEnd& fe, std::unique_ptr<kernel::AutofsEndpoint> endpoint,
                        std::shared_ptr<MapHandle> map, std::string pref,
                        std::string parent_defaults, std::optional<std::string> map_defaults,
                        int parent, bool created_dir) {
  Status t = endpoint->SetTimeout(static_cast<unsigned long>(config_->settings.cache_duration));
  if (!t.ok()) log_->warn("{}", t.ToString());
  auto p = std::make_unique<Point>();
  p->id = next_point_id_++;
  p->path = endpoint->path();
  p->kind = endpoint->kind();
  p->front_end = &fe;
  p->endpoint = std::move(endpoint);
  p->map = std::move(map);
  p->pref = std::move(pref);
  p->parent_defaults = std::move(parent_defaults);
  p->map_defaults = std::move(map_defaults);
  p->parent = parent;
  p->created_dir = created_dir;
  int id = p->id;
  int fd = p->endpoint->pipe_fd();
  std::string path = p->path;
  points_[id] = std::move(p);
  if (watcher_.added) watcher_.added(id, fd, path);
  return id;
}

Status Engine::Start() {
  const conf::Config& cfg = *config_;
  int started = 0;
  Status last;
  auto table_result = kernel_.MountTable();
  std::vector<kernel::MountInfoEntry> table =
      table_result.ok() ? *table_result : std::vector<kernel::MountInfoEntry>{};
  // What an earlier amd mounted for keys that share a file system.
  for (const auto& [name, fe] : front_ends_) fe->FindShared(table, facts_.autodir, *shared_mounts_);
  for (const auto& m : cfg.maps) {
    Status st = StartSection(m, table);
    if (st.ok()) {
      ++started;
    } else {
      last = st;
      log_->error("{}", st.ToString());
    }
  }
  // What was kept for adoption (pipes of mounts that are gone) goes.
  for (const auto& [name, fe] : front_ends_) fe->StartDone();
  if (started == 0) return last.ok() ? Status::Error("no automount points configured") : last;
  next_expire_ = Now() + ExpireInterval();
  if (options_.own_ticks) ScheduleTick();
  return {};
}

void Engine::ScheduleTick() {
  auto interval =
      std::min<std::chrono::milliseconds>(std::chrono::seconds(1), options_.mount_timeout / 2);
  tick_timer_.expires_after(interval);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    Tick(Now());
    ScheduleTick();
  });
}

void Engine::Tick(Clock::time_point now) {
  if (stopping_) return;
  SweepMounts(now);
  if (now >= next_expire_) {
    ExpireNow(false);
    next_expire_ = now + ExpireInterval();
  }
}

bool Engine::OnPipeClosed(int id) {
  auto it = points_.find(id);
  if (it != points_.end() && !stopping_) {
    log_->warn(
        "{}: the kernel closed this automount point's pipe (another amd took it over, or it "
        "was unmounted); letting it go with its mounts",
        it->second->path);
    for (auto& [name, node] : it->second->nodes) FailWaiters(node);
    RemovePoint(id);
  }
  return points_.empty();
}

void Engine::RemovePoint(int id) {
  auto it = points_.find(id);
  if (it == points_.end()) return;
  if (watcher_.removed) watcher_.removed(id);
  for (auto& [name, node] : it->second->nodes) RemoveKernelVolume(node);
  points_.erase(it);
}

void Engine::ReloadMaps(bool force) {
  std::set<MapHandle*> seen;
  for (auto& [id, point] : points_) {
    std::shared_ptr<MapHandle> map = point->map;
    if (!seen.insert(map.get()).second) continue;
    pool_.Submit("", [this, map, force] {
      Diagnostics diag;
      {
        std::lock_guard<std::mutex> lock(map->mu);
        map->map->Reload(force, &diag);
      }
      boost::asio::post(io_, [this, diag = std::move(diag)] { LogDiagnostics(*log_, diag); });
    });
  }
}

// Everyone waiting for the node gets ENOENT.
void Engine::FailWaiters(Node& node) {
  if (node.cancel && node.state == Node::State::kMounting) node.cancel->store(true);
  if (node.first) node.first->TryFail(ENOENT);
  for (auto& waiter : node.waiters) waiter.Fail(ENOENT);
  node.waiters.clear();
  for (auto& done : std::exchange(node.unmount_when_mounted, {})) {
    done(Status::Error("amd is letting this mount go", std::errc::operation_canceled));
  }
}

void Engine::Shutdown(std::function<void()> done, OnExit on_exit) {
  if (stopping_) {
    if (done) boost::asio::post(io_, std::move(done));
    return;
  }
  stopping_ = true;
  expiry_halted_ = true;
  tick_timer_.cancel();
  AfterExpiry(
      [this, done = std::move(done), on_exit]() mutable { Finish(std::move(done), on_exit); },
      Now() + std::chrono::seconds(10));
}

void Engine::AfterExpiry(std::function<void()> then, std::chrono::steady_clock::time_point limit) {
  bool busy = false;
  for (const auto& [id, point] : points_) {
    busy = busy || point->expiring > 0;
    for (const auto& [name, node] : point->nodes)
      busy = busy || node.state == Node::State::kUnmounting;
  }
  if (!busy || Now() >= limit) {
    if (busy) log_->warn("expiry still under way after 10 s; going on without it");
    then();
    return;
  }
  tick_timer_.expires_after(std::chrono::milliseconds(20));
  tick_timer_.async_wait(
      [this, then = std::move(then), limit](const boost::system::error_code&) mutable {
        AfterExpiry(std::move(then), limit);
      });
}

void Engine::Finish(std::function<void()> done, OnExit on_exit) {
  if (!retiring_.empty() || replicas_area_used_) {
    replicas_area_used_ = false;
    // The old replicas' mounts left by switches go first, whatever
    // unmount_on_exit says: they are amd's own, out of every path.
    std::vector<std::pair<std::string, bool>> left;
    for (const auto& [dir, from] : retiring_) {
      left.emplace_back(dir, kernel_volumes_.Down(from.first, from.second));
    }
    retiring_.clear();
    for (auto& t : retire_timers_) t->cancel();
    pool_.Submit("", [this, left, done = std::move(done), on_exit]() mutable {
      for (const auto& [dir, dead] : left) {
        auto how = Retire(kernel_, dir, dead);
        if (!how.ok()) log_->warn("{}: {}", dir, how.status().ToString());
        kernel_.RemoveDir(dir);
      }
      kernel_.Unmount(ReplicasArea(), MNT_DETACH);  // its bind mount on itself
      boost::asio::post(io_, [this, done = std::move(done), on_exit]() mutable {
        Finish(std::move(done), on_exit);
      });
    });
    return;
  }
  if (on_exit == OnExit::kUnmount) {
    UnmountAll(std::move(done));
    return;
  }
  // Each front end leaves its points as the next amd can take them over
  // (autofs: catatonic, with what is mounted below) or takes them down
  // (nfs: nobody would answer them; what is under ${autodir} stays).
  struct Left {
    FrontEnd* front_end;
    std::shared_ptr<kernel::AutofsEndpoint> endpoint;
    bool top_level;
  };
  std::vector<Left> points;
  for (auto& [id, point] : points_) {
    for (auto& [name, node] : point->nodes) FailWaiters(node);
    points.push_back({point->front_end, point->endpoint, point->parent < 0});
  }
  pool_.Submit("", [this, points = std::move(points), done = std::move(done)]() mutable {
    size_t stay = 0;
    for (const auto& p : points) {
      auto left = p.front_end->Leave(*p.endpoint, p.top_level);
      if (!left.ok()) log_->warn("{}", left.status().ToString());
      stay += left.ok() && *left;
    }
    log_->info("leaving {} automount points and their mounts in place (unmount_on_exit = no)",
               stay);
    boost::asio::post(io_, std::move(done));
  });
}

void Engine::UnmountAll(std::function<void()> done) {
  std::vector<int> ids;
  for (auto& [id, point] : points_) ids.push_back(id);
  UnmountPoints(ids, std::move(done));
}

// Takes the given automount points out of service (the engine forgets
// them at once), then on a worker unmounts what is mounted below them and
// their autofs mounts, deepest first, lazily where busy.
void Engine::UnmountPoints(const std::vector<int>& ids, std::function<void()> done) {
  struct Work {
    std::string path;
    std::shared_ptr<kernel::AutofsEndpoint> endpoint;
    std::vector<std::pair<std::string, MountRecord>> records;
    bool remove_dir = false;
  };
  std::vector<Work> work;
  for (int id : ids) {
    auto it = points_.find(id);
    if (it == points_.end()) continue;
    Point& point = *it->second;
    Work w;
    w.path = point.path;
    w.endpoint = point.endpoint;
    w.remove_dir = point.created_dir;
    for (auto& [name, node] : point.nodes) {
      FailWaiters(node);
      if (node.state == Node::State::kMounted && node.child_point < 0) {
        w.records.emplace_back(name, std::move(node.record));
      }
    }
    work.push_back(std::move(w));
  }
  for (int id : ids) RemovePoint(id);
  std::sort(work.begin(), work.end(),
            [](const Work& a, const Work& b) { return a.path.size() > b.path.size(); });
  pool_.Submit("", [this, work = std::move(work), done = std::move(done)]() mutable {
    for (auto& w : work) {
      for (auto& [name, rec] : w.records) {
        Status s = UnmountRecord(&rec, kernel_, false);
        if (!s.ok()) {
          log_->warn("{}: {} (detaching)", w.path + "/" + name, s.ToString());
          UnmountRecord(&rec, kernel_, true);
        }
      }
      Status s = w.endpoint->Unmount(false);
      if (!s.ok()) {
        log_->warn("{} (detaching)", s.ToString());
        w.endpoint->Unmount(true);
      }
      if (w.remove_dir) kernel_.RemoveDir(w.path);
    }
    if (done) boost::asio::post(io_, std::move(done));
  });
}

// The ids of a point and of every sub-map point below it.
std::vector<int> Engine::Subtree(int id) const {
  std::vector<int> out = {id};
  for (size_t i = 0; i < out.size(); ++i) {
    auto it = points_.find(out[i]);
    if (it == points_.end()) continue;
    for (const auto& [name, node] : it->second->nodes) {
      if (node.child_point >= 0) out.push_back(node.child_point);
    }
  }
  return out;
}

void Engine::Reconfigure(std::shared_ptr<const conf::Config> config) {
  config_ = std::move(config);
  const conf::Config& cfg = *config_;
  ApplyGlobalSettings();
  std::map<std::string, const conf::MapSection*> wanted;
  for (const auto& m : cfg.maps) wanted[m.dir] = &m;
  // Sections that are gone, or whose map changed, go; the map of an
  // indirect point whose map changed is replaced in place instead, so its
  // mounts stay.
  std::vector<int> remove;
  std::set<std::string> keep;
  for (auto& [id, point] : points_) {
    if (point->parent >= 0 || point->section.empty()) continue;
    auto w = wanted.find(point->section);
    if (w != wanted.end() && point->map_spec == MapSpecOf(w->second->settings)) {
      keep.insert(point->section);
      continue;
    }
    if (w != wanted.end() && point->kind == kernel::AutofsKind::kIndirect &&
        !IsDirectSection(w->second->settings)) {
      const conf::MapSettingsSection& sec = w->second->settings;
      Diagnostics diag;
      auto loaded = LoadSectionMap(sec, &diag);
      LogDiagnostics(*log_, diag);
      if (loaded) {
        auto handle = std::make_shared<MapHandle>();
        handle->map = std::move(loaded);
        handle->name = SectionMapName(sec);
        point->map = handle;
        point->map_spec = MapSpecOf(sec);
        log_->info("{}: now serving map {}", point->path, handle->name);
      } else {
        log_->error("{}: map {} cannot be read; keeping {}", point->path, sec.map_name,
                    point->map->name);
      }
      keep.insert(point->section);
      continue;
    }
    for (int sub : Subtree(id)) remove.push_back(sub);
  }
  if (!remove.empty()) {
    for (int id : remove) {
      if (points_.count(id) && points_[id]->parent < 0)
        log_->info("{}: no longer configured; unmounting", points_[id]->path);
    }
    UnmountPoints(remove, nullptr);
  }
  auto table_result = kernel_.MountTable();
  std::vector<kernel::MountInfoEntry> table =
      table_result.ok() ? *table_result : std::vector<kernel::MountInfoEntry>{};
  for (const auto& m : cfg.maps) {
    if (keep.count(m.dir)) continue;
    Status s = StartSection(m, table);
    if (!s.ok()) log_->error("{}", s.ToString());
  }
  unsigned long timeout = static_cast<unsigned long>(cfg.settings.cache_duration);
  for (auto& [id, point] : points_) point->endpoint->SetTimeout(timeout);
  ReloadMaps(true);
}

}  // namespace amd
