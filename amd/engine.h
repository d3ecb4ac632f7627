// Engine: the mount tree and its state machine. It owns the automount
// points (top-level maps, direct keys, type:=auto sub-maps), each opened
// through the front end its section's mount_type names (front_end.h:
// autofs, or the classic NFS server), and for each key below them a Node
// that is mounting, mounted, unmounting or failed. Requests for one key
// are coalesced: the first starts a mount, later ones wait, and all are
// answered when it ends. Its timers are one tick (Tick) on its clock.
// The implementation is in engine*.cc and mount_job.cc (see README,
// Layout).
//
// Threading: every method runs on the io_context's thread, which owns all
// state. Blocking work (map look-ups, evaluation, mount(2), programs, the
// kernel's expire ioctl) runs on the WorkerPool and posts its result back.
// The engine reaches the kernel only through kernel::Kernel and its front
// ends, so tests run it against fakes. Ownership: the engine owns its
// points and nodes; views it returns (Tree, Maps) are the caller's copies.
#ifndef AMD_AMD_ENGINE_H_
#define AMD_AMD_ENGINE_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "amd/autofs_points.h"
#include "amd/autofs_reply.h"
#include "amd/front_end.h"
#include "amd/inflight.h"
#include "amd/kernel_volumes.h"
#include "amd/mounter.h"
#include "amd/resolve_key.h"
#include "amd/section_maps.h"
#include "amd/worker_pool.h"
#include "conf/config.h"
#include "kernel-shim/autofs_packet.h"
#include "kernel-shim/kernel.h"
#include "maps/host_facts.h"
#include "maps/map.h"
#include "maps/world.h"

namespace spdlog {
class logger;
}

namespace amd {

struct EngineStats {
  uint64_t mounts_ok = 0;        // amq -s "mount ok"
  uint64_t mounts_failed = 0;    // "mount failed"
  uint64_t unmounts_failed = 0;  // "unmount failed"
};

class Engine {
 public:
  struct Options {
    pid_t pgrp = 0;  // the process group whose accesses never trigger
    std::chrono::milliseconds mount_timeout{std::chrono::seconds(40)};
    // How long a failed key stays failed: the original's 5 s, and 17 s
    // after ETIMEDOUT, EWOULDBLOCK or EIO.
    std::chrono::milliseconds negative_ttl{std::chrono::seconds(5)};
    std::chrono::milliseconds long_negative_ttl{std::chrono::seconds(17)};
    // Where requests are recorded until answered (supervised daemon only).
    InflightTable* inflight = nullptr;
    // Pipes of autofs mounts (by path) that an earlier engine process of
    // this daemon left, to be adopted without losing waiting requests.
    std::map<std::string, int> held_pipes;
    // Front ends besides autofs (which the engine always has), by their
    // name(): an amd.conf section's mount_type picks one. Not owned; they
    // outlive the engine.
    std::vector<FrontEnd*> front_ends;
    // The engine thread's clock (deadlines, negative caching, the
    // dismount interval); steady_clock when unset. Tests inject one.
    std::function<std::chrono::steady_clock::time_point()> clock;
    // False: the engine arms no timer, and its user calls Tick (tests,
    // with `clock`).
    bool own_ticks = true;
  };
  // Called when an automount point is created (watch its pipe; -1 when it
  // has none) or removed.
  struct Watcher {
    std::function<void(int id, int pipe_fd, const std::string& path)> added;
    std::function<void(int id)> removed;
  };

  Engine(boost::asio::io_context& io, kernel::Kernel& kernel, WorkerPool& pool, maps::World& world,
         maps::HostFacts facts, std::shared_ptr<const conf::Config> config,
         std::shared_ptr<spdlog::logger> log, Options options, Watcher watcher);
  ~Engine();

  // Opens every configured section's automount point through its front
  // end (creating missing directories). Fails only if none could be.
  Status Start();
  // A packet from automount point `id` (the front end decoded it).
  void OnPacket(int id, const kernel::AutofsPacket& packet);
  // Nobody waits any more for request `token` of automount point `id`
  // (its NFS callers closed their connections). When it was the last
  // request a mount attempt had, the attempt is abandoned: its work stops
  // where it can (a map program is killed), and the key is left to be
  // asked for again (no negative caching).
  void OnAbandoned(int id, uint32_t token);
  // Serves requests an earlier engine process read and never answered
  // (InflightTable::TakeAll), by the path of their automount point.
  void Replay(const std::vector<std::pair<std::string, kernel::AutofsPacket>>& requests);
  // The kernel let go of point `id`'s pipe: another amd took the mount
  // over (or it was unmounted). The point is forgotten, its mounts left
  // alone. True when no point is left to serve.
  bool OnPipeClosed(int id);
  // Asks the kernel to expire unused mounts of every point now.
  void ExpireNow(bool immediate);
  // What is due at `now`: attempts past mount_timeout fail, and the
  // expire loops start when their interval has passed. The engine's own
  // timer calls it (about once a second) unless Options::own_ticks is off.
  void Tick(std::chrono::steady_clock::time_point now);
  // What Shutdown does with the mounts (amd.conf unmount_on_exit).
  enum class OnExit {
    kUnmount,  // everything amd mounted, then its autofs mounts (lazily where busy)
    kLeave,    // every mount stays; autofs mounts turn catatonic, for the next amd to adopt
  };
  // New lookups fail from now on, and so do those waiting; the expire
  // loops running are stopped and their requests answered (an expire
  // ioctl whose request is never answered blocks its thread until the
  // process dies: catatonic mode does not wake it); then the mounts are
  // unmounted or left per `on_exit`, and `done` is called. A second call
  // only calls `done`.
  void Shutdown(std::function<void()> done, OnExit on_exit = OnExit::kUnmount);
  // Re-reads maps whose source changed (all when `force`).
  void ReloadMaps(bool force);
  // A new configuration (SIGHUP): automount points of sections that are
  // gone are unmounted, new sections are mounted, a changed map is
  // replaced (its mounts stay), global settings apply to what comes next,
  // and every map is re-read.
  void Reconfigure(std::shared_ptr<const conf::Config> config);

  const EngineStats& stats() const { return stats_; }

  // What amq lists: a node of the mount tree. The root is the daemon
  // itself; below it the automount points ("toplvl", "direct"), below
  // those what is mounted (sub-maps are "auto" nodes with their own).
  struct AmqNode {
    std::string path;         // the node's path ("" for the root)
    std::string type;         // root, toplvl, direct, auto, or the mount's type
    std::string mount_info;   // the map's name, or what is mounted (host:/path...)
    std::string mount_point;  // where it is reached: its path, or a link's target
    std::string server;       // the file server, or "localhost"
    std::chrono::system_clock::time_point mounted_at;
    std::chrono::microseconds mount_time{0};
    uint64_t requests = 0;
    std::vector<AmqNode> children;
  };
  AmqNode Tree() const;
  struct AmqMap {
    std::string name;
    std::string wildcard;  // the value of its "*" entry, or ""
    int64_t modified = 0;  // seconds since the epoch
    size_t entries = 0;
    int reloads = 0;
    int refs = 0;  // automount points using it
  };
  std::vector<AmqMap> Maps() const;
  // Unmounts the mount at `path` now (amq -u); `done` gets the outcome
  // (EINVAL: no such mount; EBUSY: in use, it stays).
  void UnmountPath(const std::string& path, std::function<void(Status)> done);
  // Whether some key is being mounted or unmounted right now.
  bool Busy() const;

  // Replicated volumes on kernel mounts (datapath:=kernel; kernel_volumes.h),
  // driven by the engine process once a second: the interval figures of
  // an NFS mount, the probes due and their outcomes, the decisions (a
  // switch stacks the new replica's mount at the key; mount_swap.h).
  void OnNfsFigures(const std::string& mount_point, const kernel::IoStatFigures& f);
  std::vector<KernelVolumes::Probe> KernelVolumeProbes();
  void OnKernelVolumeProbe(int id, size_t replica, std::optional<failover::Duration> rtt,
                           bool refused);
  void TickKernelVolumes();
  // amq --replicas: their states (a JSON array, as the relays').
  std::string KernelVolumeStates(const std::string& path) const;
  // amq --switch: false when `path` names no kernel volume; otherwise
  // `done` gets "ok ..." or "error ...".
  bool SwitchKernelVolume(const std::string& path, const std::string& replica,
                          std::function<void(std::string)> done);
  // Paths of the automount points, for logs and tests.
  std::vector<std::string> MountPoints() const;

 private:
  struct MapHandle;
  struct Point;
  struct Node;
  struct MountOutcome;
  static void FailWaiters(Node& node);
  void GiveUp(Node& node, std::chrono::steady_clock::time_point failed_until);
  struct Job;
  struct Resolved;

  Job MakeJob(const Point& point, const std::string& name) const;
  // Derives from config_ what every mount needs (mount_context_,
  // global_maps_, eval_flags_), once per configuration.
  void ApplyGlobalSettings();
  // Where a node is mounted: below its point, or (direct) the point itself.
  static std::string NodePath(const Point& point, const std::string& name);
  // Now, on options_.clock.
  std::chrono::steady_clock::time_point Now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
  }
  Status StartSection(const conf::MapSection& m, const std::vector<kernel::MountInfoEntry>& table);
  // The front end that serves section `m` (its mount_type; autofs when
  // that one is missing or cannot serve the section).
  FrontEnd& FrontEndFor(const conf::MapSection& m);
  Status StartIndirect(FrontEnd& fe, const conf::MapSection& m, std::shared_ptr<MapHandle> map,
                       const std::optional<std::string>& map_defaults,
                       const std::vector<kernel::MountInfoEntry>& table);
  Status StartDirect(FrontEnd& fe, const conf::MapSection& m, std::shared_ptr<MapHandle> map,
                     const std::optional<std::string>& map_defaults,
                     const std::vector<kernel::MountInfoEntry>& table);
  // Takes over the node of a direct point an earlier amd left mounted.
  // (`autofs` is its autofs mount in `table`.)
  void AdoptDirect(Point& point, const kernel::MountInfoEntry& autofs,
                   const std::vector<kernel::MountInfoEntry>& table);
  std::optional<Resolved> Resolve(Job& job, Diagnostics& diag, Status* error) const;
  static maps::EntryResult FromTemplate(Job& job, const std::string& matched_key,
                                        const std::string& value, const std::string& defaults,
                                        Diagnostics* diag);
  std::shared_ptr<MapHandle> SubMap(const Job& job, const maps::LocationResult& loc,
                                    Diagnostics& diag) const;
  static std::string SubMapPref(const Job& job, const maps::LocationResult& loc);
  // What a browsable directory of the NFS front end lists (see engine.cc).
  static std::function<std::vector<std::string>()> BrowsableKeys(std::shared_ptr<MapHandle> handle,
                                                                 std::string pref, bool full);
  // A sub-map directory's listing when its location says opts:=browsable
  // or fullybrowsable; null otherwise.
  static std::function<std::vector<std::string>()> SubMapKeys(
      const std::shared_ptr<MapHandle>& submap, const Job& job, const maps::LocationResult& loc);
  std::optional<std::string> RunJob(Job& job, MountOutcome& outcome);
  bool OpenSubMapPoint(Job& job, const maps::LocationResult& loc, MountOutcome& outcome);
  bool MountOne(Job& job, const maps::LocationResult& loc, MountOutcome& outcome);
  void DriveJob(Job job, MountOutcome outcome, int point_id, const std::string& name,
                uint64_t generation);
  // Takes over what an earlier daemon left below `point`.
  void AdoptBelow(Point& point, const std::vector<kernel::MountInfoEntry>& table);
  void AdoptSubMapNode(Point& point, const std::string& name, const Job& job,
                       const maps::LocationResult* loc, const kernel::MountInfoEntry& top,
                       const std::vector<kernel::MountInfoEntry>& table);
  void AdoptMountedNode(Point& point, const std::string& name, const maps::LocationResult* loc,
                        const std::vector<const kernel::MountInfoEntry*>& entries,
                        const std::vector<kernel::MountInfoEntry>& table);
  void AdoptLinks(Point& point);

  // Serves `endpoint` (opened by `fe`) as a point; returns its id.
  int CreatePoint(FrontEnd& fe, std::unique_ptr<kernel::AutofsEndpoint> endpoint,
                  std::shared_ptr<MapHandle> map, std::string pref, std::string parent_defaults,
                  std::optional<std::string> map_defaults, int parent, bool created_dir);
  AutofsReply ReplyTo(const Point& point, const kernel::AutofsPacket& p);
  void OnMissing(Point& point, const kernel::AutofsPacket& p);
  void OnExpire(Point& point, const kernel::AutofsPacket& p);
  void StartMount(Point& point, const std::string& name, Node& node);
  void FinishMount(int point_id, const std::string& name, uint64_t generation,
                   MountOutcome outcome);
  void UndoLate(MountOutcome outcome);
  void FailNode(Point& point, const std::string& name, Node& node, const MountOutcome& outcome);
  void FinishUnmount(int point_id, const std::string& name, AutofsReply reply, MountRecord record,
                     Status status);
  void RemovePoint(int id);
  void ScheduleTick();
  // The time between two rounds of expire loops.
  std::chrono::seconds ExpireInterval() const;
  void SweepMounts(std::chrono::steady_clock::time_point now);
  void UnmountAll(std::function<void()> done);
  // Kernel volumes: one mounted at a node, one gone, a switch.
  void AddKernelVolume(Point& point, const std::string& name, Node& n);
  void RemoveKernelVolume(Node& n);
  void StartSwitch(const KernelVolumes::Order& o, std::function<void(std::string)> done = {});
  void FinishSwitch(const KernelVolumes::Order& o, Status status, std::optional<uint64_t> revision,
                    const std::string& retired, std::function<void(std::string)> done);
  // The retired mount at `retired` goes after `delay`; `forced`: the
  // times it was forced while busy.
  void RetireAfter(const std::string& retired, failover::Duration delay, int forced);
  Node* KernelVolumeNode(int id);
  // Where switches stage new replicas' mounts and keep old ones: a
  // private mount (mount_swap.h), made at the first switch.
  std::string ReplicasArea() const;
  std::string VolumeName(int id) const;
  // Shutdown's second half: the mounts unmounted or left.
  void Finish(std::function<void()> done, OnExit on_exit);
  // Calls `then` on the engine's thread once no expire loop runs and no
  // expire's unmount is under way (at most `limit` from now).
  void AfterExpiry(std::function<void()> then, std::chrono::steady_clock::time_point limit);
  void UnmountPoints(const std::vector<int>& ids, std::function<void()> done);
  std::vector<int> Subtree(int id) const;

  boost::asio::io_context& io_;
  kernel::Kernel& kernel_;
  WorkerPool& pool_;
  maps::World& world_;
  maps::HostFacts facts_;
  std::shared_ptr<const conf::Config> config_;
  std::shared_ptr<spdlog::logger> log_;
  Options options_;
  Watcher watcher_;
  // Shared, not copied, into each job: a job keeps the configuration it
  // started with across a reload.
  std::shared_ptr<const MountContext> mount_context_;
  std::shared_ptr<const MountContext> direct_mount_context_;  // use_lofs always
  std::shared_ptr<const MountContext> link_mount_context_;    // keys shown as links (nfs)
  // What keys shown as links share (the same ${fs}); kept across
  // reconfigurations.
  std::shared_ptr<SharedMounts> shared_mounts_ = std::make_shared<SharedMounts>();
  std::shared_ptr<const MapSettings> global_maps_;  // for sub-maps
  uint64_t eval_generation_ = 0;                    // bumped by each configuration (templates)
  EvalFlags eval_flags_;
  std::map<int, std::unique_ptr<Point>> points_;
  int next_point_id_ = 1;
  uint64_t next_generation_ = 1;
  bool stopping_ = false;
  AutofsPoints autofs_;
  std::map<std::string, FrontEnd*, std::less<>> front_ends_;  // by name, autofs_ included
  boost::asio::steady_timer tick_timer_;
  std::chrono::steady_clock::time_point next_expire_;
  // Threads for the kernel's expire ioctl, which blocks until amd has
  // answered the expire request it causes. Kept apart from the worker
  // pool, whose threads do those unmounts: sharing them could deadlock.
  boost::asio::thread_pool expire_threads_{16};
  std::atomic<bool> expiry_halted_{false};  // Shutdown: expire loops stop
  KernelVolumes kernel_volumes_;
  struct KernelVolumeAt {
    int point = 0;
    std::string name;
  };
  std::map<int, KernelVolumeAt> kernel_volume_nodes_;  // by KernelVolumes id
  // Mounts left by switches, unmounted after the policy's unmount_grace.
  std::vector<std::shared_ptr<boost::asio::steady_timer>> retire_timers_;
  // Those mounts' directories, with their volume and replica (for
  // whether its server is down), until retired.
  std::map<std::string, std::pair<int, size_t>> retiring_;
  bool replicas_area_used_ = false;  // ReplicasArea() made: unmounted at exit
  EngineStats stats_;
  // The shortest utimeout= of any mount so far (seconds), for the expire tick.
  long shortest_utimeout_ = std::numeric_limits<long>::max();
};

}  // namespace amd

#endif  // AMD_AMD_ENGINE_H_
