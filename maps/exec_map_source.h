// Exec (program) maps: `prog KEY` prints the entry for KEY on its standard
// output (amd/info_exec.c). Run with an empty environment, standard input
// and error on /dev/null, in a process group of its own, and killed after
// exec_map_timeout seconds, or as soon as the lookup is abandoned. Its output is read until it
// holds a whole entry (or ends); then every process left in the group is killed, so a background
// child can neither hold the answer back nor outlive it. Where systemd delegated a cgroup to amd
// (Delegate=yes), the program also runs in a cgroup of its own, killed whole when the run ends: a
// child that left the process group (setsid) goes too.
//
// The first non-blank line of the output (comments removed, '\'
// continuations joined) is the entry. If its first word is KEY it is
// removed (programs written for the original print "KEY value"; the
// original then used the whole line, key included, by a bug); otherwise the
// whole line is the value, as autofs program maps print it.
//
// Threading: worker threads; searches may run concurrently (ConcurrentSearch).
// Ownership: results are the caller's.
#ifndef AMD_MAPS_EXEC_MAP_SOURCE_H_
#define AMD_MAPS_EXEC_MAP_SOURCE_H_

#include "maps/map_source.h"

namespace amd::maps {

class ExecMapSource : public MapSource {
 public:
  ExecMapSource(std::string name, int timeout_s) : name_(std::move(name)), timeout_s_(timeout_s) {}

  std::string_view type() const override { return "exec"; }
  const std::string& name() const override { return name_; }
  std::string_view DefaultCacheMode() const override { return "inc"; }
  bool CanReadAll() const override { return false; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics*) override { return nullptr; }
  SearchResult Search(const std::string& key, Diagnostics* diag) override;
  SearchResult SearchUntil(const std::string& key, Diagnostics* diag,
                           const std::atomic<bool>& cancel) override;
  bool MayBlock() const override { return true; }
  bool ConcurrentSearch() const override { return true; }  // nothing shared
  std::optional<int64_t> Stamp() override;

 private:
  std::string name_;
  int timeout_s_;
};

// Runs `program arg` as described above and returns what it printed (at
// most 64 KiB), or an error message. When `cancel` (if given) becomes true
// the program's group is killed within 100 ms and the run fails.
struct ProgramOutput {
  bool ok = false;
  std::string output;
  std::string error;
};
ProgramOutput RunMapProgram(const std::string& program, const std::string& arg, int timeout_s,
                            const std::atomic<bool>* cancel = nullptr);

// Whether `output` holds a whole entry: a line that is neither blank nor
// a comment, ended by a newline that no '\' continues.
bool HasCompleteEntry(const std::string& output);

// The entry in a program's output for `key`; nullopt when there is none.
std::optional<std::string> ParseExecOutput(const std::string& output, const std::string& key);

}  // namespace amd::maps

#endif  // AMD_MAPS_EXEC_MAP_SOURCE_H_
