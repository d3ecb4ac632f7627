// amd's entry point: --print-config, --explain, -v, or the daemon.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "amd/daemon.h"
#include "amd/explain.h"
#include "amd/system_world.h"
#include "amd/version.h"
#include "base/files.h"
#include "conf/command_line.h"
#include "conf/config.h"

namespace {

constexpr char kDefaultConf[] = "/etc/amd.conf";

void PrintDiagnostics(const amd::Diagnostics& d) {
  for (const auto& item : d.items()) {
    if (item.severity >= amd::Severity::kWarning) std::cerr << "amd: " << item.ToString() << "\n";
  }
}

int Run(const std::vector<std::string>& args) {
  amd::conf::ParsedArgs parsed = amd::conf::ParseAmdArgs(args);
  if (parsed.usage) {
    std::cerr << amd::conf::kAmdUsage;
    return 1;
  }
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) std::cerr << "amd: " << e << "\n";
    std::cerr << amd::conf::kAmdUsage;
    return 1;
  }
  std::optional<std::string> conf_text;
  std::string conf_file = parsed.cmd.conf_file.value_or(kDefaultConf);
  if (amd::conf::ReadsConfFile(parsed)) {
    std::string error;
    conf_text = amd::ReadWholeFile(conf_file, &error);
    if (!conf_text) {
      std::cerr << "amd: cannot read configuration: " << error << "\n";
      return 1;
    }
  }
  amd::Diagnostics diag;
  auto config =
      amd::conf::BuildConfig(conf_text, conf_file, parsed.cmd, amd::HostOptionDefaults(), &diag);
  PrintDiagnostics(diag);
  if (!config) return 1;
  amd::maps::HostFacts facts = amd::MakeHostFacts(*config);
  amd::SystemWorld world;
  if (parsed.print_version) {
    std::cerr << amd::VersionString(facts, &world);
    return 0;
  }
  if (parsed.print_config) {
    std::cout << amd::conf::PrintConfig(*config);
    return 0;
  }
  if (!parsed.explain_path.empty()) {
    amd::Explanation e = amd::Explain(*config, facts, &world, parsed.explain_path);
    std::cout << (parsed.json ? amd::ExplanationJson(e) : amd::ExplanationText(e));
    return e.selected ? 0 : 2;
  }
  if (config->maps.empty()) {
    std::cerr << "amd: No work to do - quitting\n";
    return 1;
  }
  return amd::RunDaemon(parsed, config);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return Run(args);
  } catch (const std::exception& ex) {
    std::cerr << "amd: internal error: " << ex.what() << "\n";
    return 70;
  }
}
