// OpenMapSource: map type resolution. With a map_type only that source is
// tried; otherwise passwd, union, file and exec are tried in that order (the
// original's order among the types this amd has; exec after file, so an
// executable map is recognised as a program only when it is not readable as
// a file or map_type = exec says so).
#include "maps/exec_map_source.h"
#include "maps/file_map_source.h"
#include "maps/passwd_map_source.h"
#include "maps/union_map_source.h"

namespace amd::maps {

namespace {
constexpr std::string_view kKnownTypes[] = {"file",    "exec", "passwd", "union", "nis",
                                            "nisplus", "ldap", "hesiod", "ndbm"};
constexpr std::string_view kSupportedTypes[] = {"file", "exec", "passwd", "union"};

std::unique_ptr<MapSource> OpenFile(const MapSourceSpec& spec, Diagnostics* diag, bool quiet) {
  auto path = FileMapSource::Resolve(spec.name, spec.search_path);
  if (!path) {
    if (!quiet && diag) diag->Error("map " + spec.name + ": no readable file (search_path tried)");
    return nullptr;
  }
  return std::make_unique<FileMapSource>(spec.name, *path);
}

std::unique_ptr<MapSource> OpenExec(const MapSourceSpec& spec, Diagnostics* diag, bool quiet) {
  if (auto bad = CheckExecMapProgram(spec.name)) {
    if (!quiet && diag) diag->Error("exec map " + spec.name + ": " + *bad);
    return nullptr;
  }
  return std::make_unique<ExecMapSource>(spec.name, spec.exec_map_timeout_s);
}

}  // namespace

bool IsKnownMapType(std::string_view type) {
  for (auto t : kKnownTypes) {
    if (t == type) return true;
  }
  return false;
}

bool IsSupportedMapType(std::string_view type) {
  for (auto t : kSupportedTypes) {
    if (t == type) return true;
  }
  return false;
}

std::unique_ptr<MapSource> OpenMapSource(const MapSourceSpec& spec, Diagnostics* diag) {
  if (spec.map_type) {
    const std::string& t = *spec.map_type;
    if (t == "file") return OpenFile(spec, diag, false);
    if (t == "exec") return OpenExec(spec, diag, false);
    if (t == "passwd") {
      if (!PasswdMapSource::IsPasswdMapName(spec.name)) {
        if (diag) diag->Error("passwd map must be named /etc/passwd or /etc/passwd:TEMPLATE");
        return nullptr;
      }
      return std::make_unique<PasswdMapSource>(spec.name, SystemHomeDirectory);
    }
    if (t == "union") {
      if (!UnionMapSource::IsUnionMapName(spec.name)) {
        if (diag) diag->Error("union map must be named union:/dir1:/dir2...");
        return nullptr;
      }
      return std::make_unique<UnionMapSource>(spec.name);
    }
    if (diag) {
      diag->Error("map " + spec.name + ": map type \"" + t +
                  "\" is not available in this amd (file, exec, passwd and union are)");
    }
    return nullptr;
  }
  if (PasswdMapSource::IsPasswdMapName(spec.name)) {
    return std::make_unique<PasswdMapSource>(spec.name, SystemHomeDirectory);
  }
  if (UnionMapSource::IsUnionMapName(spec.name)) return std::make_unique<UnionMapSource>(spec.name);
  if (auto s = OpenFile(spec, diag, true)) return s;
  if (auto s = OpenExec(spec, diag, true)) return s;
  if (diag) {
    diag->Error("map " + spec.name +
                ": not found (no readable file on the search_path, not an exec map)");
  }
  return nullptr;
}

}  // namespace amd::maps
