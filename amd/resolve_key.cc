// ResolveKey; see resolve_key.h.
#include "amd/resolve_key.h"

namespace amd {

EvalFlags EvalFlagsOf(const conf::GlobalSettings& global) {
  EvalFlags f;
  f.selectors_in_defaults = global.selectors_in_defaults;
  f.normalize_slashes = global.normalize_slashes;
  f.normalize_hostnames = global.normalize_hostnames;
  f.domain_strip = global.domain_strip;
  return f;
}

maps::EvalContext EvalContextOf(const EvalFlags& flags, const maps::HostFacts* facts,
                                maps::World* world) {
  maps::EvalContext ctx;
  ctx.facts = facts;
  ctx.world = world;
  ctx.normalize_slashes = flags.normalize_slashes;
  ctx.normalize_hostnames = flags.normalize_hostnames;
  ctx.domain_strip = flags.domain_strip;
  return ctx;
}

KeyResolution ResolveKey(maps::Map& map, std::mutex& lock, const KeyQuery& q, maps::EvalContext ctx,
                         const std::atomic<bool>* cancel, Diagnostics* diag, bool locate,
                         const EntryEvaluator& evaluate) {
  KeyResolution out;
  std::optional<std::string> slash_defaults;
  if (locate && diag) diag->SetLocation(map.source().Describe(), 0);
  {
    std::unique_lock<std::mutex> held(lock);
    maps::LookupControl ctl{&held, cancel};
    out.lookup = map.Lookup(q.key, diag, ctl);
    if (out.lookup.found()) {
      auto d = map.Find("/defaults", diag, ctl);
      if (d.found()) slash_defaults = d.value;
    }
  }
  if (!out.lookup.found()) return out;
  ctx.key = q.key;
  ctx.map = q.map_name;
  ctx.path = q.node_path;
  out.defaults = maps::ComputeMapDefaults(q.parent_defaults, q.map_defaults, slash_defaults,
                                          q.selectors_in_defaults, ctx, diag);
  if (locate && diag) {
    diag->SetLocation(map.source().Describe(), static_cast<int>(out.lookup.line));
  }
  out.entry = evaluate ? evaluate(out.lookup, out.defaults, ctx, diag)
                       : maps::EvaluateEntry(out.lookup.value, out.defaults, ctx, diag);
  return out;
}

}  // namespace amd
