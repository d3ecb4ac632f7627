// Password-file maps (amd/info_passwd.c): the map name /etc/passwd, or
// /etc/passwd:TEMPLATE. A key is a user name; a home directory
// /anydir/.../domN/user becomes
//   var0:=anydir;var1:=domN;var2:=user;var3:=/anydir/.../domN/user;TEMPLATE
// with the default template
//   type:=nfs;rfs:=/${var0}/${var1};rhost:=${var1};sublink:=${var2};fs:=${autodir}${var3}
// and /defaults is type:=nfs. Homes with fewer than three components give
// no entry. User records come from a PasswdLookup so tests can supply them.
//
// Threading: one worker thread at a time (map_source.h). Ownership: results
// are the caller's.
#ifndef AMD_MAPS_PASSWD_MAP_SOURCE_H_
#define AMD_MAPS_PASSWD_MAP_SOURCE_H_

#include <functional>

#include "maps/map_source.h"

namespace amd::maps {

// Returns the home directory of a user, or nullopt when there is no such user.
using PasswdLookup = std::function<std::optional<std::string>(const std::string& user)>;

// getpwnam_r().
std::optional<std::string> SystemHomeDirectory(const std::string& user);

class PasswdMapSource : public MapSource {
 public:
  PasswdMapSource(std::string name, PasswdLookup lookup);

  std::string_view type() const override { return "passwd"; }
  const std::string& name() const override { return name_; }
  std::string_view DefaultCacheMode() const override { return "inc"; }
  bool CanReadAll() const override { return false; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics*) override { return nullptr; }
  SearchResult Search(const std::string& key, Diagnostics* diag) override;
  std::optional<int64_t> Stamp() override { return std::nullopt; }

  static bool IsPasswdMapName(std::string_view name);

 private:
  std::string name_;
  std::string template_;
  PasswdLookup lookup_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_PASSWD_MAP_SOURCE_H_
