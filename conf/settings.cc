// Typed settings from validated sections; see settings.h.
#include "conf/settings.h"

#include "conf/config.h"

namespace amd::conf {

MapSettingsSection MapSettingsSection::From(const Section& s) {
  MapSettingsSection m;
  m.map_name = s.Get("map_name");
  m.map_type = s.Get("map_type");
  m.map_options = s.Get("map_options");
  m.map_defaults = s.Get("map_defaults");
  m.map_defaults_set = s.Has("map_defaults") || !m.map_defaults.empty();
  m.mount_type = s.Get("mount_type");
  m.browsable_dirs = s.Get("browsable_dirs");
  m.search_path = s.Get("search_path");
  m.exec_map_timeout = static_cast<int>(s.GetInt("exec_map_timeout"));
  m.sun_map_syntax = s.GetBool("sun_map_syntax");
  return m;
}

GlobalSettings GlobalSettings::From(const Section& g) {
  GlobalSettings o;
  o.arch = g.Get("arch");
  o.karch = g.Get("karch");
  o.os = g.Get("os");
  o.osver = g.Get("osver");
  o.full_os = g.Get("full_os");
  o.vendor = g.Get("vendor");
  o.local_domain = g.Get("local_domain");
  o.cluster = g.Get("cluster");
  o.auto_dir = g.Get("auto_dir");
  o.autofs_use_lofs = g.GetBool("autofs_use_lofs");
  o.nfs_vers = g.Get("nfs_vers");
  o.nfs_proto = g.Get("nfs_proto");
  o.cache_duration = static_cast<long>(g.GetInt("cache_duration"));
  o.dismount_interval = static_cast<long>(g.GetInt("dismount_interval"));
  o.nfs_stats_interval = static_cast<long>(g.GetInt("nfs_stats_interval"));
  o.unmount_on_exit = g.GetBool("unmount_on_exit");
  o.selectors_in_defaults = g.GetBool("selectors_in_defaults");
  o.normalize_slashes = g.GetBool("normalize_slashes");
  o.normalize_hostnames = g.GetBool("normalize_hostnames");
  o.domain_strip = g.GetBool("domain_strip");
  o.log_file = g.Get("log_file");
  o.log_options = g.Get("log_options");
  o.print_pid = g.GetBool("print_pid");
  o.pid_file = g.Get("pid_file");
  o.plock = g.GetBool("plock");
  o.localhost_address = g.Get("localhost_address");
  o.nfs_allow_insecure_port = g.GetBool("nfs_allow_insecure_port");
  o.nfs_allow_any_interface = g.GetBool("nfs_allow_any_interface");
  o.auto_attrcache = static_cast<long>(g.GetInt("auto_attrcache"));
  o.nfs_retry_interval_toplvl = g.Get("nfs_retry_interval_toplvl");
  o.nfs_retransmit_counter_toplvl = g.Get("nfs_retransmit_counter_toplvl");
  o.amq_listen_address = g.Get("amq_listen_address");
  o.preferred_amq_port = static_cast<uint16_t>(g.GetInt("preferred_amq_port"));
  o.portmap_program = static_cast<uint32_t>(g.GetInt("portmap_program"));
  o.maps = MapSettingsSection::From(g);
  return o;
}

}  // namespace amd::conf
