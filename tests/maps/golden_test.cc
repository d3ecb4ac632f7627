// Golden tests: each tests/golden/maps/*.golden file gives host facts, a
// world, configuration flags, a map and keys; the expected section is what
// the evaluator must produce for each key (the map key that matched, the
// defaults, every location's verdict and expanded options, the cut).
// AMD_UPDATE_GOLDEN=1 rewrites the expected sections (review the diff!).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "maps/location_evaluator.h"
#include "maps/map.h"
#include "maps/network_match.h"
#include "tests/fakes/fake_world.h"

namespace amd::maps {
namespace {

// A source over the golden file's map text.
class TextSource : public MapSource {
 public:
  explicit TextSource(std::string text) : text_(std::move(text)) {}
  std::string_view type() const override { return "file"; }
  const std::string& name() const override { return name_; }
  std::string_view DefaultCacheMode() const override { return "all"; }
  bool CanReadAll() const override { return true; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics* d) override {
    return MapText::Parse(text_, "amd.golden", d);
  }
  SearchResult Search(const std::string& key, Diagnostics* d) override {
    auto t = MapText::Parse(text_, "amd.golden", d);
    for (const auto& e : t->entries()) {
      if (e.key == key) return SearchResult::Found(std::string(e.value), e.line);
    }
    return SearchResult::NotFound();
  }
  std::optional<int64_t> Stamp() override { return 1; }

 private:
  std::string name_ = "amd.golden";
  std::string text_;
};

struct Golden {
  std::map<std::string, std::string> sections;
  std::vector<std::string> order;
};

Golden ReadGolden(const std::string& text) {
  Golden g;
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("== ", 0) == 0) {
      current = line.substr(3);
      g.order.push_back(current);
      g.sections[current];
      continue;
    }
    if (current.empty()) continue;
    g.sections[current] += line + "\n";
  }
  return g;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  for (std::string_view l : SplitOn(s, '\n')) {
    l = TrimSpace(l);
    if (!l.empty() && l[0] != '#') out.emplace_back(l);
  }
  return out;
}

std::string Dump(const Golden& g) {
  HostFacts facts = testing::SkyFacts();
  testing::FakeWorld world;
  EvalContext ctx;
  bool selectors_in_defaults = false;
  std::optional<std::string> cache;
  for (const auto& l : Lines(g.sections.count("facts") ? g.sections.at("facts") : "")) {
    auto eq = l.find('=');
    std::string k(TrimSpace(l.substr(0, eq))), v(TrimSpace(l.substr(eq + 1)));
    if (k == "host") facts.host = v;
    if (k == "hostd") facts.hostd = v;
    if (k == "domain") facts.domain = v;
    if (k == "arch") facts.arch = v;
    if (k == "karch") facts.karch = v;
    if (k == "os") facts.os = v;
    if (k == "byte") facts.byte = v;
    if (k == "cluster") facts.cluster = v;
    if (k == "autodir") facts.autodir = v;
    if (k == "uid") ctx.uid = v;
    if (k == "gid") ctx.gid = v;
    if (k == "selectors_in_defaults") selectors_in_defaults = v == "yes";
    if (k == "normalize_slashes") ctx.normalize_slashes = v == "yes";
    if (k == "normalize_hostnames") ctx.normalize_hostnames = v == "yes";
    if (k == "domain_strip") ctx.domain_strip = v == "yes";
    if (k == "cache") cache = v;
  }
  for (const auto& l : Lines(g.sections.count("world") ? g.sections.at("world") : "")) {
    auto sp = l.find(' ');
    std::string verb = l.substr(0, sp), arg = l.substr(sp + 1);
    if (verb == "exists") world.files.insert(arg);
    if (verb == "netgroup") world.netgroups.insert(arg);
    if (verb == "env") world.env[arg.substr(0, arg.find('='))] = arg.substr(arg.find('=') + 1);
    if (verb == "host") {
      auto parts = SplitOn(arg, ' ');
      for (size_t i = 1; i < parts.size(); ++i)
        world.hosts[std::string(parts[0])].emplace_back(parts[i]);
    }
    if (verb == "network") {  // a.b.c.d/len [name]
      auto parts = SplitOn(arg, ' ');
      auto slash = parts[0].find('/');
      LocalNetwork n;
      n.address = *ParsePartialQuad(parts[0].substr(0, slash));
      int bits = static_cast<int>(*ParseInteger(parts[0].substr(slash + 1)));
      n.netmask = bits == 0 ? 0 : ~0u << (32 - bits);
      if (parts.size() > 1) n.name = std::string(parts[1]);
      world.networks.push_back(n);
    }
  }
  ctx.facts = &facts;
  ctx.world = &world;
  ctx.map = "amd.golden";
  Diagnostics load;
  Map map(std::make_unique<TextSource>(g.sections.at("map")), cache, false, &load);
  map.Load(&load);
  std::string out;
  for (const auto& d : load.items()) out += "load: " + d.ToString() + "\n";
  for (const auto& key : Lines(g.sections.at("lookups"))) {
    out += "lookup " + key + "\n";
    Diagnostics diag;
    LookupResult r = map.Lookup(key, &diag);
    if (!r.found()) {
      out += "  not found\n";
      continue;
    }
    out += "  matched " + r.matched_key + " (line " + std::to_string(r.line) + ")\n";
    ctx.key = key;
    ctx.path = "/golden/" + key;
    auto sd = map.Find("/defaults", &diag);
    std::optional<std::string> slash_defaults;
    if (sd.found()) slash_defaults = sd.value;
    std::string defaults =
        ComputeMapDefaults("", std::nullopt, slash_defaults, selectors_in_defaults, ctx, &diag);
    out += "  defaults " + defaults + "\n";
    EntryResult e = EvaluateEntry(r.value, defaults, ctx, &diag);
    int n = 0;
    for (const auto& st : e.steps) {
      if (!st.location) continue;
      const LocationResult& l = *st.location;
      out += "  [" + std::to_string(++n) + "] ";
      out += l.selected ? "selected " + l.effective_type + " " + l.mount_info
                        : "not selected: " + l.reason;
      out += "\n     ";
      l.options.ForEachSet([&out](Option o, std::string_view v) {
        if (o != Option::kMountType) out += " " + std::string(OptionName(o)) + "=" + std::string(v);
      });
      out += "\n";
    }
    if (e.cut_step >= 0) out += "  cut after [" + std::to_string(n) + "]\n";
    for (const auto& d : diag.items()) {
      if (d.severity >= Severity::kWarning) out += "  " + d.ToString() + "\n";
    }
  }
  return out;
}

TEST_CASE("golden map evaluations", "[unit]") {
  std::filesystem::path dir = std::filesystem::path(AMD_TEST_DATA_DIR) / "golden" / "maps";
  bool update = std::getenv("AMD_UPDATE_GOLDEN") != nullptr;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".golden") continue;
    ++files;
    std::ifstream f(entry.path());
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    Golden g = ReadGolden(text);
    std::string got = Dump(g);
    INFO(entry.path().filename().string());
    if (update) {
      std::string head = text.substr(0, text.find("== expect"));
      std::ofstream(entry.path()) << head << "== expect\n" << got;
      continue;
    }
    CHECK(got == g.sections["expect"]);
  }
  CHECK(files > 0);
}

}  // namespace
}  // namespace amd::maps
