// The relays of replicated volumes, as amq sees them; see relays.h.
#include "amd/relays.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "amd/fs_types/types.h"
#include "relay/control.h"

namespace amd {
namespace {

using std::chrono::seconds;

// Each relay's state, parsed, with its socket.
std::vector<std::pair<std::string, nlohmann::json>> Relays(const std::string& path) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(RelayDirectory(), ec)) {
    if (e.path().extension() != ".sock") continue;
    auto answer = relay::AskRelay(e.path().string(), "status", seconds(3));
    if (!answer.ok()) continue;  // gone (its socket is left behind), or hung
    auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (!path.empty() && j.value("mountpoint", "") != path && j.value("volume", "") != path)
      continue;
    out.emplace_back(e.path().string(), std::move(j));
  }
  return out;
}

}  // namespace

std::string RelayStates(const std::string& path) {
  nlohmann::json all = nlohmann::json::array();
  for (auto& [socket, state] : Relays(path)) all.push_back(std::move(state));
  return all.dump();
}

Result<std::string> SwitchRelay(const std::string& path, const std::string& replica) {
  auto relays = Relays(path);
  if (relays.empty()) {
    return Status::Error("no replicated volume is mounted at " + path,
                         std::errc::no_such_file_or_directory);
  }
  if (relays.size() > 1) {
    return Status::Error(path + " names " + std::to_string(relays.size()) +
                         " mounts; give a mount point");
  }
  auto answer = relay::AskRelay(relays[0].first, replica.empty() ? "switch" : "switch " + replica,
                                seconds(30));
  if (!answer.ok()) return answer.status();
  if (answer->starts_with("error ")) return Status::Error(answer->substr(6));
  return answer->starts_with("ok ") ? answer->substr(3) : *answer;
}

std::vector<std::pair<std::string, std::string>> ReloadRelays() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [socket, state] : Relays("")) {
    auto answer = relay::AskRelay(socket, "reload", seconds(5));
    out.emplace_back(state.value("mountpoint", socket),
                     answer.ok() ? *answer : "error " + answer.status().ToString());
  }
  return out;
}

}  // namespace amd
