// Settings: the amd.conf options the daemon reads, as typed structs built
// once per configuration (BuildConfig), after every value was validated
// against the option table (config.h). Code reads fields, not strings: a
// misspelled option name is a compile error, not a silent "".
//
// MapSettingsSection is what a map section says about its map and its
// point (each option resolved through [global], as Section::Get does);
// [global] has one too, for sub-maps and map defaults. GlobalSettings is
// [global] as a whole.
//
// Immutable once built; any thread.
#ifndef AMD_CONF_SETTINGS_H_
#define AMD_CONF_SETTINGS_H_

#include <cstdint>
#include <string>

namespace amd::conf {

class Section;

struct MapSettingsSection {
  std::string map_name;
  std::string map_type;           // "" when unset (a file map, or maptype:=)
  std::string map_options;        // cache:=, type:=direct, maptype:=...
  std::string map_defaults;       // what overrides the map's /defaults
  bool map_defaults_set = false;  // map_defaults given here or in [global]
  std::string mount_type;         // "autofs" or "nfs" (the front end)
  std::string browsable_dirs;     // "no", "yes", "full"
  std::string search_path;        // colon-separated directories
  int exec_map_timeout = 10;      // seconds
  bool sun_map_syntax = false;

  static MapSettingsSection From(const Section& section);
};

struct GlobalSettings {
  // The host's facts (selectors); defaults are the running host's.
  std::string arch, karch, os, osver, full_os, vendor;
  std::string local_domain;  // "" : from the host name
  std::string cluster;       // "" : the domain
  std::string auto_dir;
  // Mounting.
  bool autofs_use_lofs = true;
  std::string nfs_vers, nfs_proto;  // "" : the kernel's choice
  long cache_duration = 300;        // seconds a mount stays unused
  long dismount_interval = 120;     // seconds before a failed unmount is retried
  long nfs_stats_interval = 5;  // seconds between two readings of NFS mounts' statistics; 0: off
  bool unmount_on_exit = false;
  // Evaluation.
  bool selectors_in_defaults = false;
  bool normalize_slashes = true;
  bool normalize_hostnames = false;
  bool domain_strip = true;
  // The process.
  std::string log_file, log_options;
  bool print_pid = false;
  std::string pid_file;
  bool plock = false;
  // The classic NFS front end.
  std::string localhost_address;
  bool nfs_allow_insecure_port = false;
  bool nfs_allow_any_interface = false;
  long auto_attrcache = 0;
  std::string nfs_retry_interval_toplvl, nfs_retransmit_counter_toplvl;  // "" : unset
  // AMQ.
  std::string amq_listen_address;
  uint16_t preferred_amq_port = 0;
  uint32_t portmap_program = 300019;
  // [global]'s map options (sub-maps, map_defaults).
  MapSettingsSection maps;

  static GlobalSettings From(const Section& global);
};

}  // namespace amd::conf

#endif  // AMD_CONF_SETTINGS_H_
