// Entry templates; see entry_template.h.
#include "maps/entry_template.h"

#include "maps/mount_types.h"

namespace amd::maps {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '+' || c == '-';
}

// Types whose selection looks only at the options (not nfsl, linkx, host:
// they ask the world, or enumerate a server).
bool PureType(std::string_view type) {
  if (type == "nfs" || type == "lofs" || type == "link") return true;
  const MountTypeInfo* info = FindMountType(type);
  return info != nullptr && (info->flags & kTypeDevice) != 0;
}

void Replace(std::string* s, std::string_view from, std::string_view to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

}  // namespace

bool KeyFitsTemplate(std::string_view key) {
  if (key.empty() || key.size() > 64 || key.front() == '.' || key.front() == '_' ||
      key.front() == '+' || key.front() == '-') {
    return false;
  }
  for (char c : key) {
    if (!IsKeyChar(c)) return false;
  }
  return true;
}

std::shared_ptr<const EntryTemplate> EntryTemplate::Make(std::string_view value,
                                                         std::string_view defaults,
                                                         const EvalContext& ctx) {
  EvalContext probe = ctx;
  size_t slash = probe.path.rfind('/');
  if (slash == std::string::npos || std::string_view(probe.path).substr(slash + 1) != ctx.key)
    return nullptr;
  probe.path.replace(slash + 1, std::string::npos, kKeyStandIn);
  probe.key = std::string(kKeyStandIn);
  KeyTaint taint;
  probe.taint = &taint;
  Diagnostics diag;
  auto t = std::shared_ptr<EntryTemplate>(new EntryTemplate());
  t->result_ = EvaluateEntry(value, defaults, probe, &diag);
  if (taint.unsafe || !diag.items().empty()) return nullptr;
  for (const EntryStep& step : t->result_.steps) {
    if (!step.location) continue;
    const OptionTable& o = step.location->options;
    std::string_view type = o.Value(Option::kType);
    // (No type: its selectors failed before any check of the type.)
    if ((!type.empty() && !PureType(type)) || type.find(kKeyStandIn) != std::string_view::npos)
      return nullptr;
    bool too_long = false;
    o.ForEachSet([&](Option, std::string_view v) { too_long = too_long || v.size() > 2048; });
    if (too_long) return nullptr;  // a long key could reach kMaxExpansion
  }
  return t;
}

EntryResult EntryTemplate::Instantiate(std::string_view key) const {
  EntryResult out = result_;
  for (EntryStep& step : out.steps) {
    if (!step.location) continue;
    LocationResult& l = *step.location;
    for (int i = 0; i < static_cast<int>(kOptionCount); ++i) {
      auto& v = l.options.Mutable(static_cast<Option>(i));
      if (v) Replace(&*v, kKeyStandIn, key);
    }
    Replace(&l.mount_info, kKeyStandIn, key);
    Replace(&l.reason, kKeyStandIn, key);
  }
  return out;
}

}  // namespace amd::maps
