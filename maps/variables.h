// The names an Amd map can use: selector variables (${host}, key==...),
// location options (type:=, rfs:=...), and the pseudo-variables wire, network
// and netnumber, exactly as the original's opt_fields[] table lists them,
// with its case rules.
//
// OptionTable holds the value of every location option while one location
// is evaluated. Everything here is immutable data or a plain value type.
//
// Threading: the tables are immutable (any thread); an OptionTable belongs to
// one evaluation. Ownership: values.
#ifndef AMD_MAPS_VARIABLES_H_
#define AMD_MAPS_VARIABLES_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace amd::maps {

// Location options, in the order `amd --explain` prints them.
enum class Option {
  kType,
  kRhost,
  kRfs,
  kFs,
  kSublink,
  kDev,
  kOpts,
  kRemopts,
  kAddopts,
  kMount,
  kUnmount,
  kUmount,
  kDelay,
  kPref,
  kCache,
  kMaptype,
  kMountType,
  kCachedir,
  kUser,
  kGroup,
  kVolume,    // a replicated volume's name (this amd's, see amd-maps(5))
  kDatapath,  // relay or kernel
  kPolicy,    // the failover policy's volume section
  kVar0,
  kVar1,
  kVar2,
  kVar3,
  kVar4,
  kVar5,
  kVar6,
  kVar7,
  kCount
};
constexpr size_t kOptionCount = static_cast<size_t>(Option::kCount);

std::string_view OptionName(Option option);

// Selector variables: set per host or per lookup, never assignable.
enum class Selector {
  kHost,
  kHostd,
  kKey,
  kMap,
  kPath,
  kArch,
  kAutodir,
  kDomain,
  kKarch,
  kCluster,
  kByte,
  kOs,
  kOsver,
  kFullOs,
  kVendor,
  kDotKey,  // ${.key}: the key after its first '.'; "<NULL>" when none
  kKeyDot,  // ${key.}: the key before its first '.'
  kUid,
  kGid,
  kCount
};
constexpr size_t kSelectorCount = static_cast<size_t>(Selector::kCount);

enum class VariableKind {
  kOption,    // assignable with := (and readable as ${name})
  kSelector,  // comparable with == / != (and readable as ${name})
  kNetwork,   // wire, network, netnumber: X==N means in_network(N)
  kDollar,    // ${dollar}: a literal '$', read-only
};

struct VariableInfo {
  std::string_view name;
  VariableKind kind;
  bool case_insensitive;  // for == and != comparisons
  Option option;          // valid when kind == kOption
  Selector selector;      // valid when kind == kSelector
};

// Looks a name up in the table; nullptr when unknown. Case-sensitive.
const VariableInfo* FindVariable(std::string_view name);

// Selector functions usable as name(arg) or !name(arg).
enum class SelectorFunction { kInNetwork, kXhost, kNetgrp, kNetgrpd, kExists, kFalse, kTrue };
std::optional<SelectorFunction> FindFunction(std::string_view name);

class OptionTable {
 public:
  const std::optional<std::string>& Get(Option o) const { return values_[Index(o)]; }
  std::optional<std::string>& Mutable(Option o) { return values_[Index(o)]; }
  void Set(Option o, std::string v) { values_[Index(o)] = std::move(v); }
  void Clear(Option o) { values_[Index(o)].reset(); }
  bool Has(Option o) const { return values_[Index(o)].has_value(); }
  // The value or "" when unset.
  std::string_view Value(Option o) const {
    const auto& v = values_[Index(o)];
    return v ? std::string_view(*v) : std::string_view();
  }
  // Calls fn(option, value) for every option that is set, in Option order.
  template <typename Fn>
  void ForEachSet(Fn fn) const {
    for (size_t i = 0; i < kOptionCount; ++i) {
      if (values_[i]) fn(static_cast<Option>(i), std::string_view(*values_[i]));
    }
  }

 private:
  static size_t Index(Option o) { return static_cast<size_t>(o); }
  std::array<std::optional<std::string>, kOptionCount> values_;
};

// Values of the selector variables for one lookup.
// The values of the selectors for one evaluation. They are views: the
// strings they come from (the host facts and the evaluation context) must
// outlive this object; nothing is copied per evaluation.
class SelectorValues {
 public:
  std::string_view Get(Selector s) const { return values_[static_cast<size_t>(s)]; }
  void Set(Selector s, std::string_view v) { values_[static_cast<size_t>(s)] = v; }

 private:
  std::array<std::string_view, kSelectorCount> values_;
};

}  // namespace amd::maps

#endif  // AMD_MAPS_VARIABLES_H_
