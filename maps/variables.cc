// The name table of the Amd map language. The entries and their case rules
// follow the original's opt_fields[] (amd/opts.c); see amd-maps(5).
#include "maps/variables.h"

namespace amd::maps {
namespace {

using K = VariableKind;
constexpr Option kNoOpt = Option::kCount;
constexpr Selector kNoSel = Selector::kCount;

constexpr VariableInfo kVariables[] = {
    {"opts", K::kOption, false, Option::kOpts, kNoSel},
    {"host", K::kSelector, true, kNoOpt, Selector::kHost},
    {"hostd", K::kSelector, true, kNoOpt, Selector::kHostd},
    {"type", K::kOption, false, Option::kType, kNoSel},
    {"rhost", K::kOption, true, Option::kRhost, kNoSel},
    {"rfs", K::kOption, false, Option::kRfs, kNoSel},
    {"fs", K::kOption, false, Option::kFs, kNoSel},
    {"key", K::kSelector, false, kNoOpt, Selector::kKey},
    {"map", K::kSelector, false, kNoOpt, Selector::kMap},
    {"sublink", K::kOption, false, Option::kSublink, kNoSel},
    {"arch", K::kSelector, true, kNoOpt, Selector::kArch},
    {"dev", K::kOption, false, Option::kDev, kNoSel},
    {"pref", K::kOption, false, Option::kPref, kNoSel},
    {"path", K::kSelector, false, kNoOpt, Selector::kPath},
    {"autodir", K::kSelector, false, kNoOpt, Selector::kAutodir},
    {"delay", K::kOption, false, Option::kDelay, kNoSel},
    {"domain", K::kSelector, true, kNoOpt, Selector::kDomain},
    {"karch", K::kSelector, true, kNoOpt, Selector::kKarch},
    {"cluster", K::kSelector, true, kNoOpt, Selector::kCluster},
    {"wire", K::kNetwork, true, kNoOpt, kNoSel},
    {"network", K::kNetwork, true, kNoOpt, kNoSel},
    {"netnumber", K::kNetwork, true, kNoOpt, kNoSel},
    {"byte", K::kSelector, true, kNoOpt, Selector::kByte},
    {"os", K::kSelector, true, kNoOpt, Selector::kOs},
    {"osver", K::kSelector, true, kNoOpt, Selector::kOsver},
    {"full_os", K::kSelector, true, kNoOpt, Selector::kFullOs},
    {"vendor", K::kSelector, true, kNoOpt, Selector::kVendor},
    {"remopts", K::kOption, false, Option::kRemopts, kNoSel},
    {"mount", K::kOption, false, Option::kMount, kNoSel},
    {"unmount", K::kOption, false, Option::kUnmount, kNoSel},
    {"umount", K::kOption, false, Option::kUmount, kNoSel},
    {"cache", K::kOption, false, Option::kCache, kNoSel},
    {"user", K::kOption, false, Option::kUser, kNoSel},
    {"group", K::kOption, false, Option::kGroup, kNoSel},
    {".key", K::kSelector, false, kNoOpt, Selector::kDotKey},
    {"key.", K::kSelector, false, kNoOpt, Selector::kKeyDot},
    {"maptype", K::kOption, false, Option::kMaptype, kNoSel},
    {"cachedir", K::kOption, false, Option::kCachedir, kNoSel},
    {"addopts", K::kOption, false, Option::kAddopts, kNoSel},
    {"uid", K::kSelector, false, kNoOpt, Selector::kUid},
    {"gid", K::kSelector, false, kNoOpt, Selector::kGid},
    {"mount_type", K::kOption, false, Option::kMountType, kNoSel},
    {"dollar", K::kDollar, false, kNoOpt, kNoSel},
    {"var0", K::kOption, false, Option::kVar0, kNoSel},
    {"var1", K::kOption, false, Option::kVar1, kNoSel},
    {"var2", K::kOption, false, Option::kVar2, kNoSel},
    {"var3", K::kOption, false, Option::kVar3, kNoSel},
    {"var4", K::kOption, false, Option::kVar4, kNoSel},
    {"var5", K::kOption, false, Option::kVar5, kNoSel},
    {"var6", K::kOption, false, Option::kVar6, kNoSel},
    {"var7", K::kOption, false, Option::kVar7, kNoSel},
    {"volume", K::kOption, false, Option::kVolume, kNoSel},
    {"datapath", K::kOption, false, Option::kDatapath, kNoSel},
    {"policy", K::kOption, false, Option::kPolicy, kNoSel},
};

constexpr std::string_view kOptionNames[] = {
    "type",       "rhost",    "rfs",     "fs",     "sublink", "dev",      "opts",   "remopts",
    "addopts",    "mount",    "unmount", "umount", "delay",   "pref",     "cache",  "maptype",
    "mount_type", "cachedir", "user",    "group",  "volume",  "datapath", "policy", "var0",
    "var1",       "var2",     "var3",    "var4",   "var5",    "var6",     "var7",
};
static_assert(std::size(kOptionNames) == kOptionCount);

}  // namespace

std::string_view OptionName(Option option) { return kOptionNames[static_cast<size_t>(option)]; }

const VariableInfo* FindVariable(std::string_view name) {
  for (const auto& v : kVariables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::optional<SelectorFunction> FindFunction(std::string_view name) {
  if (name == "in_network") return SelectorFunction::kInNetwork;
  if (name == "xhost") return SelectorFunction::kXhost;
  if (name == "netgrp") return SelectorFunction::kNetgrp;
  if (name == "netgrpd") return SelectorFunction::kNetgrpd;
  if (name == "exists") return SelectorFunction::kExists;
  if (name == "false") return SelectorFunction::kFalse;
  if (name == "true") return SelectorFunction::kTrue;
  return std::nullopt;
}

}  // namespace amd::maps
