// A wildcard entry evaluated once and reused for every key it serves.
//
// A map's "*" entry is evaluated anew for each key, though for most maps
// the result differs from key to key only where ${key} or ${path} is copied
// into an option (rfs:=/home/${key}). An EntryTemplate is that entry
// evaluated for a stand-in key (kKeyStandIn), and Instantiate puts the real
// key where the stand-in is. It is made only when that is provably the same
// as evaluating the entry for the key (EvaluateEntry): the evaluation
// recorded no use of the key other than whole ${key} and ${path}
// references (no ${.key}, ${key/}, key== selectors, functions of the world,
// environment variables, host name look-ups), no diagnostics, and only
// types whose checks look at nothing but the options; and only keys whose
// characters cannot change how an option is read use it (KeyFitsTemplate).
//
// Threading: a template is immutable once made and shared between workers.
// Ownership: Make returns a shared_ptr<const>; Instantiate returns the
// caller's value.
#ifndef AMD_MAPS_ENTRY_TEMPLATE_H_
#define AMD_MAPS_ENTRY_TEMPLATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "maps/location_evaluator.h"

namespace amd::maps {

// A key made only of letters, digits and "._+-", starting with a letter or
// digit, at most 64 characters long.
bool KeyFitsTemplate(std::string_view key);

class EntryTemplate {
 public:
  // `ctx` is the context of a key's evaluation; its key and path are
  // replaced by the stand-in (the path's last component is the key).
  // nullptr when the entry cannot be templated.
  static std::shared_ptr<const EntryTemplate> Make(std::string_view value,
                                                   std::string_view defaults,
                                                   const EvalContext& ctx);

  // EvaluateEntry(value, defaults, ctx) for a ctx with this key (which
  // must fit, KeyFitsTemplate).
  EntryResult Instantiate(std::string_view key) const;

 private:
  EntryResult result_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_ENTRY_TEMPLATE_H_
