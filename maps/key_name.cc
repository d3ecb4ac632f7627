// Requested-name rules; see key_name.h.
#include "maps/key_name.h"

#include "base/strings.h"
#include "maps/expander.h"
#include "maps/location_evaluator.h"

namespace amd::maps {

std::optional<std::string> CheckKeyName(std::string_view name) {
  static constexpr std::string_view kBad = "\"'!;@ \t\n";
  size_t bad = name.find_first_of(kBad);
  if (bad == std::string_view::npos) return std::nullopt;
  return "key \"" + Printable(name) + "\" contains a disallowed character ('" +
         Printable(name.substr(bad, 1)) + "')";
}

std::string ExpandRequestedName(std::string_view name, const HostFacts& facts, World* world,
                                bool normalize_slashes, Diagnostics* diag) {
  EvalContext ctx;
  ctx.facts = &facts;
  ctx.world = world;
  SelectorValues sel = MakeSelectorValues(ctx);
  sel.Set(Selector::kDotKey, "");
  sel.Set(Selector::kKeyDot, "");
  ExpandScope scope{&sel, nullptr, world, normalize_slashes};
  auto out = Expand(name, ExpandPass::kSelectors, scope, diag);
  return out ? *out : std::string(name);
}

}  // namespace amd::maps
