// Evaluation of map entries; see the header. The order of the steps is the
// original's, because observable results depend on it:
//  1. selector pass over the defaults string and over the location;
//  2. assignments of the defaults; then the location's selectors (their
//     right-hand sides and function arguments get the option pass, seeing
//     only the defaults' assignments); then the location's assignments;
//  3. rhost (default ${host}) expanded, canonicalised, domain-stripped;
//  4. sublink, rfs, fs, opts, remopts, mount, unmount, umount, cachedir,
//     addopts expanded in that order, each in place, so a reference sees the
//     already expanded value of an option before it in this list and the
//     raw value of one after it;
//  5. fs loses trailing slashes; opts loses a leading '-'; addopts is merged
//     into opts and remopts; a relative sublink is made ${fs}/sublink; the
//     type's own requirements are checked.
#include "maps/location_evaluator.h"

#include <algorithm>

#include "base/strings.h"
#include "maps/expander.h"
#include "maps/mount_options.h"
#include "maps/mount_types.h"
#include "maps/network_match.h"

namespace amd::maps {

SelectorValues MakeSelectorValues(const EvalContext& ctx) {
  SelectorValues s;
  const HostFacts& f = *ctx.facts;
  s.Set(Selector::kHost, f.host);
  s.Set(Selector::kHostd, f.hostd);
  s.Set(Selector::kArch, f.arch);
  s.Set(Selector::kKarch, f.karch);
  s.Set(Selector::kOs, f.os);
  s.Set(Selector::kOsver, f.osver);
  s.Set(Selector::kFullOs, f.full_os);
  s.Set(Selector::kVendor, f.vendor);
  s.Set(Selector::kByte, f.byte);
  s.Set(Selector::kDomain, f.domain);
  s.Set(Selector::kCluster, f.cluster);
  s.Set(Selector::kAutodir, f.autodir);
  s.Set(Selector::kKey, ctx.key);
  s.Set(Selector::kMap, ctx.map);
  s.Set(Selector::kPath, ctx.path);
  s.Set(Selector::kUid, ctx.uid);
  s.Set(Selector::kGid, ctx.gid);
  std::string_view key = ctx.key;
  size_t dot = key.find('.');
  if (dot == std::string_view::npos) {
    s.Set(Selector::kDotKey, "<NULL>");
    s.Set(Selector::kKeyDot, key);
  } else {
    std::string_view after = key.substr(dot + 1);
    s.Set(Selector::kDotKey, after.empty() ? std::string_view("<NULL>") : after);
    s.Set(Selector::kKeyDot, key.substr(0, dot));
  }
  return s;
}

namespace {

class LocationEvaluator {
 public:
  // Evaluates into `out` (built in place: a LocationResult is large).
  LocationEvaluator(const EvalContext& ctx, Diagnostics* diag, LocationResult* out)
      : ctx_(ctx), diag_(diag), selectors_(MakeSelectorValues(ctx)), result_(*out) {
    scope_.selectors = &selectors_;
    scope_.options = &result_.options;
    scope_.world = ctx.world;
    scope_.normalize_slashes = ctx.normalize_slashes;
    scope_.taint = ctx.taint;
  }

  void Run(std::string_view location, std::string_view defaults);
  // For selectors_in_defaults: whether a /defaults token matches as the
  // original's ops_match() decides, its selectors holding and its type
  // given and known.
  bool DefaultsTokenMatches(std::string_view token);

 private:
  bool Fail(std::string reason) {
    if (result_.reason.empty()) result_.reason = std::move(reason);
    return false;
  }
  std::string ExpandOrEmpty(std::string_view text, ExpandPass pass, size_t limit = kMaxExpansion) {
    auto v = Expand(text, pass, scope_, diag_, limit);
    if (!v) {
      expansion_failed_ = true;
      return std::string();
    }
    return *std::move(v);
  }
  // A location's fields, split and classified once for both passes.
  struct Classified {
    Field field;
    ParsedField parsed;
  };
  static std::vector<Classified> Classify(std::string_view fields);
  static bool IsAssignment(const ParsedField& p) {
    return p.kind == ParsedField::Kind::kAssign || p.kind == ParsedField::Kind::kOldAssign;
  }
  bool Assign(std::vector<Classified>& fields);
  bool CheckSelectors(const std::vector<Classified>& fields);
  bool CheckOne(const ParsedField& p, const std::string& text);
  bool CallFunction(SelectorFunction fn, const std::string& arg);
  void ExpandOption(Option o, const char* default_value);
  void NormalizeRhost();
  void FinishOptions();
  // A replicated location (volume:=) is nfs, and its datapath:= known.
  bool CheckReplicated(const std::string& type);

  const EvalContext& ctx_;
  Diagnostics* diag_;
  SelectorValues selectors_;
  ExpandScope scope_;
  LocationResult& result_;
  bool expansion_failed_ = false;
};

std::vector<LocationEvaluator::Classified> LocationEvaluator::Classify(std::string_view fields) {
  std::vector<Classified> out;
  for (Field& f : SplitFields(fields)) {
    ParsedField p = ClassifyField(f.text);
    out.push_back({std::move(f), std::move(p)});
  }
  return out;
}

// split_opts(): applies every assignment (taking their values); selectors
// are skipped here.
bool LocationEvaluator::Assign(std::vector<Classified>& fields) {
  for (Classified& c : fields) {
    ParsedField& p = c.parsed;
    if (!IsAssignment(p)) continue;
    const VariableInfo* var = FindVariable(p.name);
    if (var == nullptr) {
      if (diag_) diag_->Warning("key " + ctx_.key + ": unrecognized option \"" + p.name + "\"");
      continue;
    }
    if (var->kind != VariableKind::kOption) {
      return Fail("cannot assign to selector \"" + p.name + "\"");
    }
    result_.options.Set(var->option, std::move(p.value));
  }
  return true;
}

bool LocationEvaluator::CallFunction(SelectorFunction fn, const std::string& arg) {
  World* w = ctx_.world;
  switch (fn) {
    case SelectorFunction::kTrue:
      return true;
    case SelectorFunction::kFalse:
      return false;
    case SelectorFunction::kExists:
      return w != nullptr && w->Exists(arg);
    case SelectorFunction::kInNetwork:
      return w != nullptr && InNetwork(arg, w->Networks());
    case SelectorFunction::kXhost: {
      if (arg == ctx_.facts->hostd) return true;
      if (w == nullptr) return false;
      for (const std::string& n : w->HostNames(arg)) {
        if (n == ctx_.facts->hostd) return true;
      }
      return false;
    }
    case SelectorFunction::kNetgrp:
    case SelectorFunction::kNetgrpd: {
      size_t comma = arg.find(',');
      std::string group = arg.substr(0, comma);
      std::string host = comma != std::string::npos        ? arg.substr(comma + 1)
                         : fn == SelectorFunction::kNetgrp ? ctx_.facts->host
                                                           : ctx_.facts->hostd;
      return w != nullptr && w->InNetgroup(group, host);
    }
  }
  return false;
}

// One selector or function; records it. Returns false when it fails the
// location.
bool LocationEvaluator::CheckOne(const ParsedField& p, const std::string& text) {
  if (KeyTaint* t = ctx_.taint) {
    // A verdict that may differ from key to key, or from one moment to the
    // next (the world's functions and networks), cannot be reused.
    const VariableInfo* v = FindVariable(p.name);
    bool pure_function = p.name == "true" || p.name == "false";
    bool keyed = v != nullptr && v->kind == VariableKind::kSelector &&
                 (v->selector == Selector::kKey || v->selector == Selector::kPath ||
                  v->selector == Selector::kDotKey || v->selector == Selector::kKeyDot ||
                  v->selector == Selector::kUid || v->selector == Selector::kGid);
    if (text.find(kKeyStandIn) != std::string::npos || keyed ||
        (v != nullptr && v->kind == VariableKind::kNetwork) ||
        ((p.kind == ParsedField::Kind::kFunction || p.kind == ParsedField::Kind::kNotFunction) &&
         !pure_function)) {
      t->unsafe = true;
    }
  }
  SelectorCheck c;
  c.text = text;
  using K = ParsedField::Kind;
  if (p.kind == K::kFunction || p.kind == K::kNotFunction) {
    auto fn = FindFunction(p.name);
    if (!fn) {
      c.note = "unknown function";
      result_.checks.push_back(c);
      return Fail("unknown function \"" + p.name + "\" in " + text);
    }
    c.expected = ExpandOrEmpty(p.value, ExpandPass::kOptions);
    bool ok = CallFunction(*fn, c.expected);
    c.passed = (p.kind == K::kFunction) ? ok : !ok;
    result_.checks.push_back(c);
    if (!c.passed) return Fail("selector " + text + " is false");
    return true;
  }
  if (p.kind == K::kNoValue || p.kind == K::kBadFunction) {
    c.passed = true;
    c.note = p.kind == K::kNoValue ? "ignored: no value component" : "ignored: malformed function";
    result_.checks.push_back(c);
    return true;
  }
  // == or !=
  bool negate = p.kind == K::kNotEqual;
  if (negate && p.value.empty() && text.size() >= 2 && text.substr(text.size() - 2) == "!=") {
    c.passed = true;
    c.note = "ignored: empty right-hand side";
    result_.checks.push_back(c);
    return true;
  }
  const VariableInfo* var = FindVariable(p.name);
  if (var == nullptr || var->kind == VariableKind::kOption || var->kind == VariableKind::kDollar) {
    c.passed = true;
    c.note =
        var == nullptr ? "ignored: unrecognized selector" : "ignored: an option, not a selector";
    result_.checks.push_back(c);
    return true;
  }
  c.expected = ExpandOrEmpty(p.value, ExpandPass::kOptions);
  bool match;
  if (var->kind == VariableKind::kNetwork) {
    match = ctx_.world != nullptr && InNetwork(c.expected, ctx_.world->Networks());
    c.actual = "in_network(" + c.expected + ")";
  } else {
    c.actual = std::string(selectors_.Get(var->selector));
    match = var->case_insensitive ? EqualsIgnoreCase(c.actual, c.expected) : c.actual == c.expected;
  }
  c.passed = negate ? !match : match;
  result_.checks.push_back(c);
  if (!c.passed) {
    return Fail("selector " + text + " is false (" + std::string(var->name) + " is \"" + c.actual +
                "\")");
  }
  return true;
}

bool LocationEvaluator::CheckSelectors(const std::vector<Classified>& fields) {
  for (const Classified& c : fields) {
    if (IsAssignment(c.parsed)) continue;
    if (!CheckOne(c.parsed, c.field.text)) return false;
  }
  return true;
}

bool LocationEvaluator::DefaultsTokenMatches(std::string_view token) {
  auto fields = Classify(ExpandOrEmpty(token, ExpandPass::kSelectors, kMaxLocationExpansion));
  if (!CheckSelectors(fields) || !Assign(fields)) return false;
  std::string_view type = result_.options.Value(Option::kType);
  return !type.empty() && FindMountType(type) != nullptr;
}

void LocationEvaluator::ExpandOption(Option o, const char* default_value) {
  auto& slot = result_.options.Mutable(o);
  if (slot) {
    std::string raw = *slot;
    slot = ExpandOrEmpty(raw, ExpandPass::kOptions);
  } else if (default_value != nullptr) {
    std::string first = ExpandOrEmpty(default_value, ExpandPass::kSelectors);
    slot = ExpandOrEmpty(first, ExpandPass::kOptions);
  }
}

// host_normalize(): canonical name when normalize_hostnames, then the local
// domain stripped when domain_strip and both names share the domain part.
void LocationEvaluator::NormalizeRhost() {
  auto& rhost = result_.options.Mutable(Option::kRhost);
  if (!rhost || rhost->empty()) return;
  if (ctx_.taint && (ctx_.normalize_hostnames || rhost->find(kKeyStandIn) != std::string::npos)) {
    ctx_.taint->unsafe = true;  // name service, or the key's own dots
  }
  if (ctx_.normalize_hostnames && ctx_.world != nullptr) {
    auto names = ctx_.world->HostNames(*rhost);
    if (!names.empty()) rhost = names.front();
  }
  if (ctx_.domain_strip) {
    const std::string& hostd = ctx_.facts->hostd;
    size_t p1 = rhost->find('.');
    size_t p2 = hostd.find('.');
    if (p1 != std::string::npos && p2 != std::string::npos &&
        rhost->compare(p1 + 1, std::string::npos, hostd, p2 + 1) == 0) {
      rhost->resize(p1);
    }
  }
}

void LocationEvaluator::FinishOptions() {
  OptionTable& o = result_.options;
  if (auto& fs = o.Mutable(Option::kFs); fs && ctx_.normalize_slashes) Deslashify(&*fs);
  if (!o.Has(Option::kOpts)) {
    o.Set(Option::kOpts, "rw,defaults");
  } else if (!o.Value(Option::kOpts).empty() && o.Value(Option::kOpts)[0] == '-') {
    o.Set(Option::kOpts, std::string(o.Value(Option::kOpts).substr(1)));
  }
  if (o.Has(Option::kAddopts)) {
    std::string add(o.Value(Option::kAddopts));
    o.Set(Option::kOpts, MergeMountOptions(o.Value(Option::kOpts), add));
    o.Set(Option::kRemopts, MergeMountOptions(o.Value(Option::kRemopts), add));
  }
  if (!o.Has(Option::kMountType)) o.Set(Option::kMountType, "nfs");
  std::string_view sublink = o.Value(Option::kSublink);
  if (!sublink.empty() && sublink[0] != '/') {
    std::string abs = std::string(o.Value(Option::kFs)) + "/" + std::string(sublink);
    o.Set(Option::kSublink, ctx_.normalize_slashes ? NormalizeSlashes(abs) : abs);
  }
}

bool LocationEvaluator::CheckReplicated(const std::string& type) {
  const OptionTable& o = result_.options;
  std::string_view datapath = o.Value(Option::kDatapath);
  if (!o.Has(Option::kVolume)) {
    if (o.Has(Option::kDatapath) || o.Has(Option::kPolicy))
      return Fail("datapath:= and policy:= are for replicated volumes (volume:=)");
    return true;
  }
  if (o.Value(Option::kVolume).empty()) return Fail("volume:= names no volume");
  if (type != "nfs")
    return Fail("volume:= makes nfs locations replicas; this one is type:=" + type);
  if (!datapath.empty() && datapath != "relay" && datapath != "kernel")
    return Fail("datapath:=" + std::string(datapath) + ": expected relay or kernel");
  return true;
}

void LocationEvaluator::Run(std::string_view location, std::string_view defaults) {
  result_.text = std::string(location);
  result_.defaults = std::string(defaults);
  // The selector pass runs over the whole text; each option's value is
  // bounded (kMaxExpansion) when it is expanded on its own below.
  auto glob = Classify(ExpandOrEmpty(defaults, ExpandPass::kSelectors, kMaxLocationExpansion));
  auto local = Classify(ExpandOrEmpty(location, ExpandPass::kSelectors, kMaxLocationExpansion));
  bool ok = Assign(glob) && CheckSelectors(local) && Assign(local);

  ExpandOption(Option::kRhost, "${host}");
  if (ok) NormalizeRhost();
  ExpandOption(Option::kSublink, nullptr);
  ExpandOption(Option::kRfs, "${path}");
  ExpandOption(Option::kFs, "${autodir}/${rhost}${rfs}");
  ExpandOption(Option::kOpts, "rw");
  ExpandOption(Option::kRemopts, "${opts}");
  ExpandOption(Option::kMount, nullptr);
  ExpandOption(Option::kUnmount, nullptr);
  ExpandOption(Option::kUmount, nullptr);
  ExpandOption(Option::kCachedir, nullptr);
  ExpandOption(Option::kAddopts, nullptr);
  ExpandOption(Option::kVolume, nullptr);
  ExpandOption(Option::kDatapath, nullptr);
  ExpandOption(Option::kPolicy, nullptr);
  if (expansion_failed_) ok = Fail("an expansion was too long");
  FinishOptions();
  if (!ok) return;
  if (!result_.options.Has(Option::kType)) {
    Fail("no fs type specified (type:=)");
    return;
  }
  TypeMatch m = MatchMountType(result_.options, *ctx_.facts, ctx_.world);
  if (!m.ok) {
    Fail(m.reason);
    return;
  }
  if (!CheckReplicated(m.effective_type)) return;
  result_.selected = true;
  result_.reason = "selected";
  result_.mount_info = m.mount_info;
  result_.effective_type = m.effective_type;
}

// Drops the leading selectors of a location: the text from its first
// assignment on (the original's strip_selectors()).
std::string StripSelectors(std::string_view location) {
  size_t pos = 0;
  while (pos < location.size()) {
    size_t end = location.find(';', pos);
    if (end == std::string_view::npos) end = location.size();
    std::string_view field = location.substr(pos, end - pos);
    if (!field.empty()) {
      ParsedField p = ClassifyField(field);
      if (p.kind != ParsedField::Kind::kEqual && p.kind != ParsedField::Kind::kNotEqual &&
          p.kind != ParsedField::Kind::kFunction && p.kind != ParsedField::Kind::kNotFunction) {
        return std::string(location.substr(pos));
      }
    }
    pos = end + 1;
  }
  return std::string();
}

}  // namespace

LocationResult EvaluateLocation(std::string_view location, std::string_view defaults,
                                const EvalContext& ctx, Diagnostics* diag) {
  LocationResult out;
  LocationEvaluator ev(ctx, diag, &out);
  ev.Run(location, defaults);
  return out;
}

namespace {

// Every selected location of a replicated volume learns its replicas:
// the selected nfs locations of the entry with the same volume:=.
void GroupReplicas(EntryResult* out) {
  for (size_t i : out->selected) {
    LocationResult& loc = *out->steps[i].location;
    std::string_view volume = loc.options.Value(Option::kVolume);
    if (volume.empty()) continue;
    for (size_t j : out->selected) {
      const LocationResult& other = *out->steps[j].location;
      if (other.options.Value(Option::kVolume) != volume) continue;
      std::string r(other.mount_info);
      if (std::find(loc.replicas.begin(), loc.replicas.end(), r) == loc.replicas.end()) {
        loc.replicas.push_back(std::move(r));
        loc.replica_options.push_back(other.options);
      }
    }
  }
}

}  // namespace

EntryResult EvaluateEntry(std::string_view value, std::string_view map_defaults,
                          const EvalContext& ctx, Diagnostics* diag) {
  using Kind = LocationToken::Kind;
  EntryResult out;
  std::vector<LocationToken> tokens = SplitLocations(value);
  const std::string orig(map_defaults);
  // Locations before the first "-" see every "-" of the entry (the
  // original's first pass over the tokens).
  std::string defaults = orig;
  for (const auto& t : tokens) {
    if (t.kind == Kind::kDefaults) defaults += ";" + t.text;
    if (t.kind == Kind::kReset) defaults += ";";
  }
  out.steps.reserve(tokens.size());  // steps are built in place
  for (auto& t : tokens) {
    EntryStep& step = out.steps.emplace_back();
    size_t index = out.steps.size() - 1;
    switch (t.kind) {
      case Kind::kDefaults:
        defaults = orig + ";" + t.text;
        step.defaults_after = defaults;
        break;
      case Kind::kReset:
        defaults = orig;
        step.defaults_after = defaults;
        break;
      case Kind::kCut:
        if (!out.selected.empty()) {
          out.cut_step = static_cast<int>(index);
          step.token = std::move(t);
          GroupReplicas(&out);
          return out;
        }
        break;
      case Kind::kLocation:
        LocationEvaluator(ctx, diag, &step.location.emplace()).Run(t.text, defaults);
        if (step.location->selected) out.selected.push_back(index);
        break;
    }
    step.token = std::move(t);
  }
  GroupReplicas(&out);
  return out;
}

std::string ComputeMapDefaults(std::string_view parent_defaults,
                               const std::optional<std::string>& map_defaults_override,
                               const std::optional<std::string>& slash_defaults,
                               bool selectors_in_defaults, const EvalContext& ctx,
                               Diagnostics* diag) {
  std::string dflts;
  if (map_defaults_override) {
    dflts = *map_defaults_override;
  } else if (slash_defaults) {
    dflts = *slash_defaults;
  } else {
    return std::string(parent_defaults);
  }
  std::string_view d = dflts;
  if (!d.empty() && d.front() == '-') d.remove_prefix(1);
  std::vector<std::string> words;
  for (auto& t : SplitLocations(d)) {
    words.push_back(t.kind == LocationToken::Kind::kDefaults ? "-" + t.text
                    : t.kind == LocationToken::Kind::kReset  ? "-"
                                                             : t.text);
  }
  std::string chosen;
  if (selectors_in_defaults) {
    // amd/amfs_generic.c amfs_parse_defaults(): the first token that
    // ops_match() accepts (selectors hold, a known type is set), its
    // selectors stripped; when none does, the first token as it is (its
    // strsplit() cut the string after the first token in place).
    EvalContext dctx = ctx;
    dctx.key = "/defaults";
    if (!words.empty()) chosen = words.front();
    for (const auto& w : words) {
      LocationResult scratch;
      LocationEvaluator ev(dctx, nullptr, &scratch);
      if (ev.DefaultsTokenMatches(w)) {
        chosen = StripSelectors(w);
        break;
      }
    }
  } else if (!words.empty()) {
    chosen = words.front();
    if (words.size() > 1 && diag) {
      diag->Warning("more than a single value for /defaults in " + ctx.map +
                    " (only the first is used without selectors_in_defaults)");
    }
  }
  if (!parent_defaults.empty() && !chosen.empty())
    return chosen + ";" + std::string(parent_defaults);
  if (!chosen.empty()) return chosen;
  return std::string(parent_defaults);
}

}  // namespace amd::maps
