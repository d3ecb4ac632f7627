#include "maps/map.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace amd::maps {
namespace {

// An in-memory source that counts searches.
class MemorySource : public MapSource {
 public:
  explicit MemorySource(std::string text, bool whole = true) : whole_(whole) {
    *text_ = std::move(text);
  }
  std::string_view type() const override { return "file"; }
  const std::string& name() const override { return name_; }
  std::string Describe() const override { return "mem"; }
  std::string_view DefaultCacheMode() const override { return "all"; }
  bool CanReadAll() const override { return whole_; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics* d) override {
    ++reads;
    return MapText::Parse(*text_, "mem", d);
  }
  SearchResult Search(const std::string& key, Diagnostics* d) override {
    ++searches;
    auto parsed = MapText::Parse(*text_, "mem", d);
    for (const auto& e : parsed->entries()) {
      if (e.key == key) return SearchResult::Found(std::string(e.value), e.line, e.value_column);
    }
    return SearchResult::NotFound();
  }
  std::optional<int64_t> Stamp() override { return *stamp_; }

  std::shared_ptr<std::string> text_handle() { return text_; }
  std::shared_ptr<int64_t> stamp_handle() { return stamp_; }
  int reads = 0;
  int searches = 0;

 private:
  std::string name_ = "amd.mem";
  std::shared_ptr<std::string> text_ = std::make_shared<std::string>();
  std::shared_ptr<int64_t> stamp_ = std::make_shared<int64_t>(1);
  bool whole_;
};

std::unique_ptr<MemorySource> Source(const char* text) {
  return std::make_unique<MemorySource>(text);
}

TEST_CASE("cache option parsing", "[unit]") {
  CHECK(CacheSpecName(ParseCacheOption("inc", "all", nullptr)) == "inc");
  CHECK(CacheSpecName(ParseCacheOption("mapdefault", "all", nullptr)) == "all");
  CHECK(CacheSpecName(ParseCacheOption("default", "inc", nullptr)) == "inc");
  CHECK(CacheSpecName(ParseCacheOption("all,sync", "inc", nullptr)) == "all,sync");
  CHECK(CacheSpecName(ParseCacheOption("re", "all", nullptr)) == "regexp");
  CHECK(CacheSpecName(ParseCacheOption("inc,nosync", "all", nullptr)) == "inc");
  Diagnostics d;
  CHECK(CacheSpecName(ParseCacheOption("inc,all", "all", &d)) == "inc");
  CHECK(d.items().size() == 1);
}

TEST_CASE("wildcard look-up order", "[unit]") {
  Map m(Source("* star\nhome/* home-star\nhome/dylan/* dylan-star\nexact e\n/defaults d\n"),
        std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  CHECK(m.Lookup("home/dylan/dk2", nullptr).matched_key == "home/dylan/*");
  CHECK(m.Lookup("home/jsp", nullptr).matched_key == "home/*");
  CHECK(m.Lookup("home/jsp/x/y", nullptr).matched_key == "home/*");
  CHECK(m.Lookup("other", nullptr).value == "star");
  CHECK(m.Lookup("exact", nullptr).value == "e");
  CHECK(m.Lookup("/defaults", nullptr).value == "d");
  CHECK_FALSE(m.Lookup("/other", nullptr).found());  // no wildcards for '/' keys
}

TEST_CASE("duplicate keys: all keeps the last, inc the first", "[unit]") {
  const char* text = "k first\nk second\n";
  Map all(Source(text), std::string("all"), false, nullptr);
  all.Load(nullptr);
  CHECK(all.Find("k", nullptr).value == "second");
  Map inc(Source(text), std::string("inc"), false, nullptr);
  inc.Load(nullptr);
  CHECK(inc.Find("k", nullptr).value == "first");
}

TEST_CASE("inc caches found entries, none asks every time", "[unit]") {
  auto src = Source("a 1\n");
  auto* raw = src.get();
  Map inc(std::move(src), std::string("inc"), false, nullptr);
  inc.Load(nullptr);
  inc.Find("a", nullptr);
  inc.Find("a", nullptr);
  CHECK(raw->searches == 1);
  CHECK(inc.entry_count() == 1);
  auto src2 = Source("a 1\n");
  auto* raw2 = src2.get();
  Map none(std::move(src2), std::string("none"), false, nullptr);
  none.Find("a", nullptr);
  none.Find("a", nullptr);
  CHECK(raw2->searches == 2);
}

TEST_CASE("all-mode reload keeps old data on failure and follows the stamp", "[unit]") {
  auto src = Source("a 1\n");
  auto text = src->text_handle();
  auto stamp = src->stamp_handle();
  auto* raw = src.get();
  Map m(std::move(src), std::nullopt, false, nullptr);
  m.Load(nullptr);
  *text = "a 2\n";
  CHECK(m.Reload(false, nullptr));  // stamp unchanged: not re-read
  CHECK(m.Find("a", nullptr).value == "1");
  *stamp = 2;
  CHECK(m.Reload(false, nullptr));
  CHECK(m.Find("a", nullptr).value == "2");
  CHECK(m.reloads() == 1);
  CHECK(raw->reads == 2);
}

TEST_CASE("sync re-reads on every look-up when the stamp moved", "[unit]") {
  auto src = Source("a 1\n");
  auto text = src->text_handle();
  auto stamp = src->stamp_handle();
  Map m(std::move(src), std::string("all,sync"), false, nullptr);
  m.Load(nullptr);
  *text = "a 3\n";
  *stamp = 5;
  CHECK(m.Find("a", nullptr).value == "3");
}

TEST_CASE("regexp keys: anchored, case-insensitive, basic RE, no wildcards", "[unit]") {
  Map m(Source("x86.* one\nab[0-9]* two\n* star\n"), std::string("regexp"), false, nullptr);
  m.Load(nullptr);
  CHECK(m.Lookup("X86_64", nullptr).value == "one");
  CHECK(m.Lookup("ab123", nullptr).value == "two");
  CHECK(m.Lookup("xab1", nullptr).value == "");  // anchored; "*" is not a wildcard here
  CHECK_FALSE(m.Lookup("zzz", nullptr).found());
}

TEST_CASE("a source that cannot be read whole falls back to inc", "[unit]") {
  Diagnostics d;
  Map m(std::make_unique<MemorySource>("a 1\n", false), std::string("all"), false, &d);
  CHECK(m.cache().mode == CacheMode::kInc);
  CHECK(d.items().size() == 1);
}

TEST_CASE("sun syntax maps are converted, multi-mount offsets found", "[unit]") {
  Map all(Source("src -ro / srv:/src /doc srv:/doc\njsp charm:/home/&\n"), std::nullopt, true,
          nullptr);
  all.Load(nullptr);
  CHECK(all.Find("jsp", nullptr).value == "type:=nfs;rhost:=charm;rfs:=/home/jsp");
  CHECK(all.Find("src/doc", nullptr).value == "type:=nfs;opts:=ro;rhost:=srv;rfs:=/doc");
  Map inc(Source("src -ro / srv:/src /doc srv:/doc\n"), std::string("inc"), true, nullptr);
  CHECK(inc.Find("src/doc", nullptr).value == "type:=nfs;opts:=ro;rhost:=srv;rfs:=/doc");
}

TEST_CASE("bad lines are reported with file, line and column, good keys still served", "[unit]") {
  Diagnostics d;
  Map m(Source("good type:=link;fs:=/g\nbad type:=link;bogus:=1;host:=x\nlonely\nok "
               "type:=link;fs:=/o\n"),
        std::nullopt, false, &d);
  REQUIRE(m.Load(&d));
  REQUIRE(d.items().size() == 3);
  CHECK(d.items()[0].ToString() ==
        "mem:3: warning: key \"lonely\" has no value field; line skipped");
  CHECK(d.items()[1].ToString() == "mem:2:16: warning: unrecognized option \"bogus\" (ignored)");
  CHECK(d.items()[2].line == 2);
  CHECK(d.items()[2].column == 25);
  CHECK(m.Find("good", nullptr).found());
  CHECK(m.Find("ok", nullptr).found());
  CHECK(m.Find("bad", nullptr).found());  // served; the location will not be selected
  // inc maps check entries as they are found.
  Diagnostics di;
  Map inc(Source("bad type:=link;frob(1)\n"), std::string("inc"), false, &di);
  inc.Load(&di);
  inc.Find("bad", &di);
  REQUIRE(di.items().size() == 1);
  CHECK(di.items()[0].line == 1);
}

TEST_CASE("a large map loads and looks up", "[unit]") {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "key" + std::to_string(i) + " type:=link;fs:=/x\n";
  auto src = std::make_unique<MemorySource>("");
  *src->text_handle() = text;
  Map m(std::move(src), std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  CHECK(m.entry_count() == 100000);
  CHECK(m.Find("key99999", nullptr).found());
  CHECK_FALSE(m.Find("key100000", nullptr).found());
}

// A source like a map program: each search takes a while, and searches
// may run at once. Counts them, by key, and the most at once.
class SlowSource : public MapSource {
 public:
  std::string_view type() const override { return "exec"; }
  const std::string& name() const override { return name_; }
  std::string_view DefaultCacheMode() const override { return "inc"; }
  bool CanReadAll() const override { return false; }
  std::shared_ptr<const MapText> ReadAll(Diagnostics*) override { return nullptr; }
  bool MayBlock() const override { return true; }
  bool ConcurrentSearch() const override { return true; }
  SearchResult Search(const std::string& key, Diagnostics* d) override {
    std::atomic<bool> never{false};
    return SearchUntil(key, d, never);
  }
  SearchResult SearchUntil(const std::string& key, Diagnostics*,
                           const std::atomic<bool>& cancel) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++searches[key];
      most = std::max(most, ++running);
    }
    for (int i = 0; i < 30 && !cancel; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(mu);
    --running;
    if (cancel) return SearchResult::Error("abandoned");
    if (key == "*") return SearchResult::NotFound();
    return SearchResult::Found("type:=link;fs:=/" + key);
  }
  std::optional<int64_t> Stamp() override { return std::nullopt; }

  std::mutex mu;
  std::map<std::string, int> searches;
  int running = 0;
  int most = 0;

 private:
  std::string name_ = "/prog";
};

TEST_CASE(
    "a map program's lookups run at once, without the map's lock, and one key is searched once",
    "[unit]") {
  auto* src = new SlowSource;
  Map m(std::unique_ptr<MapSource>(src), std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  std::mutex map_lock;  // the caller's lock on the map, as the engine holds it
  std::atomic<int> found{0};
  std::atomic<int> quick{0};
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::unique_lock<std::mutex> lock(map_lock);
      LookupControl ctl{&lock, nullptr};
      // Half the lookups are of one key.
      std::string key = i % 2 ? "same" : "k" + std::to_string(i);
      if (m.Lookup(key, nullptr, ctl).value == "type:=link;fs:=/" + key) ++found;
    });
  }
  // Meanwhile the map's lock is free most of the time.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 0; i < 10; ++i) {
    auto a = std::chrono::steady_clock::now();
    { std::lock_guard<std::mutex> lock(map_lock); }
    if (std::chrono::steady_clock::now() - a < std::chrono::milliseconds(100)) ++quick;
  }
  for (auto& t : threads) t.join();
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(found == 8);
  CHECK(quick == 10);
  CHECK(src->searches["same"] == 1);  // four lookups, one search
  CHECK(src->most >= 5);              // k0 k2 k4 k6 and "same" at once
  CHECK(took < std::chrono::milliseconds(8 * 300));
}

TEST_CASE("a cancelled lookup of a map program stops, and a lookup waiting on it searches itself",
          "[unit]") {
  auto* src = new SlowSource;
  Map m(std::unique_ptr<MapSource>(src), std::nullopt, false, nullptr);
  REQUIRE(m.Load(nullptr));
  std::mutex map_lock;
  std::atomic<bool> cancel{false};
  LookupResult abandoned, waiting;
  std::thread first([&] {
    std::unique_lock<std::mutex> lock(map_lock);
    abandoned = m.Find("k", nullptr, LookupControl{&lock, &cancel});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread second([&] {
    std::unique_lock<std::mutex> lock(map_lock);
    waiting = m.Find("k", nullptr, LookupControl{&lock, nullptr});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  cancel = true;
  first.join();
  second.join();
  CHECK(abandoned.status == LookupResult::Status::kError);
  CHECK(waiting.found());
  CHECK(src->searches["k"] == 2);
}

}  // namespace
}  // namespace amd::maps
