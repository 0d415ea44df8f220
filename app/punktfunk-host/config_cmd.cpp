// punktfunk-host config show
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace pf::host {

int run_config_show(const config::HostConfig& cfg, OutputFormat format) {
  for (const std::string& warning : cfg.warnings) {
    fmt::print(stderr, "warning: {}\n", warning);
  }
  const std::string mode = cfg.mode == config::InstallMode::system ? "system" : "user";
  if (format == OutputFormat::json) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& e : cfg.effective) {
      keys.push_back({{"key", e.key},
                      {"value", e.value},
                      {"source", config::to_string(e.source)},
                      {"origin", e.origin}});
    }
    const nlohmann::json doc = {{"mode", mode},
                                {"host_env", cfg.host_env.string()},
                                {"host_env_found", cfg.host_env_found},
                                {"keys", keys}};
    fmt::print("{}\n", doc.dump(2));
    return kExitOk;
  }
  fmt::print("mode:     {}\n", mode);
  fmt::print("host.env: {} ({})\n\n", cfg.host_env.string(),
             cfg.host_env_found ? "loaded" : "not present");
  std::size_t key_width = 3;
  std::size_t value_width = 5;
  for (const auto& e : cfg.effective) {
    key_width = std::max(key_width, e.key.size());
    value_width = std::max(value_width, e.value.size());
  }
  fmt::print("{:<{}}  {:<{}}  {}\n", "KEY", key_width, "VALUE", value_width, "SOURCE");
  for (const auto& e : cfg.effective) {
    const bool from_file = e.source == config::Source::host_env;
    fmt::print("{:<{}}  {:<{}}  {}\n", e.key, key_width, e.value, value_width,
               from_file ? e.origin : std::string(config::to_string(e.source)));
  }
  return kExitOk;
}

}  // namespace pf::host
