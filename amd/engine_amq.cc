// What amq sees of the engine: the mount tree and the maps. See engine.h.
#include <spdlog/spdlog.h>

#include "amd/engine_state.h"

namespace amd {

using Clock = std::chrono::steady_clock;
using maps::Option;

Engine::AmqNode Engine::Tree() const {
  // Points by id, children in path order (std::map keeps nodes sorted).
  std::function<AmqNode(const Point&, const std::string&)> point_node =
      [&](const Point& p, const std::string& type) {
        AmqNode out;
        out.path = p.path;
        out.type = type;
        out.mount_info = p.map ? p.map->name : "";
        out.mount_point = p.path;
        out.server = "localhost";
        out.mounted_at = p.created_at;
        for (const auto& [name, node] : p.nodes) {
          if (node.state != Node::State::kMounted && node.state != Node::State::kUnmounting)
            continue;
          if (node.child_point >= 0) {
            auto cit = points_.find(node.child_point);
            if (cit != points_.end()) out.children.push_back(point_node(*cit->second, "auto"));
            continue;
          }
          AmqNode c;
          c.path = NodePath(p, name);
          c.type = node.record.type;
          c.mount_info = node.record.mount_info;
          bool linked = false;
          for (const auto& a : node.record.actions)
            linked |= a.kind == MountAction::Kind::kSymlinked;
          c.mount_point = linked || p.front_end->shows() == FrontEnd::Shows::kLinkIntoAutodir
                              ? node.record.target
                              : c.path;
          auto colon = c.mount_info.find(":/");
          c.server = (c.type == "nfs" || c.type == "nfsl" || c.type == "host") &&
                             colon != std::string::npos
                         ? c.mount_info.substr(0, colon)
                         : "localhost";
          c.mounted_at = node.record.mounted_at;
          c.mount_time = node.record.mount_time;
          c.requests = node.record.requests;
          out.children.push_back(std::move(c));
        }
        return out;
      };
  AmqNode root;
  root.type = "root";
  root.mount_info = "\"root\"";
  root.server = "localhost";
  for (const auto& [id, point] : points_) {
    if (point->parent >= 0) continue;
    root.children.push_back(
        point_node(*point, point->kind == kernel::AutofsKind::kDirect ? "direct" : "toplvl"));
  }
  return root;
}

std::vector<Engine::AmqMap> Engine::Maps() const {
  std::vector<AmqMap> out;
  std::map<const MapHandle*, size_t> index;
  for (const auto& [id, point] : points_) {
    const MapHandle* h = point->map.get();
    if (h == nullptr) continue;
    auto [it, fresh] = index.emplace(h, out.size());
    if (!fresh) {
      ++out[it->second].refs;
      continue;
    }
    AmqMap m;
    m.name = h->name;
    m.refs = 1;
    {
      std::lock_guard<std::mutex> lock(point->map->mu);
      m.entries = h->map->entry_count();
      m.reloads = h->map->reloads();
      m.modified = h->map->modify_time();
      auto wild = h->map->Find("*", nullptr);
      if (wild.found()) m.wildcard = wild.value;
    }
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace amd
