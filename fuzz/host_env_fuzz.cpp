// host.env text → parse → validate against the host's schema.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/config/env_file.hpp"
#include "pf/config/host_config.hpp"
#include "pf/config/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lines = pf::config::parse_env(text, "host.env");
  if (!lines) {
    return 0;
  }
  pf::config::Layer layer{pf::config::Source::host_env, {}};
  for (auto& line : *lines) {
    if (line.key.empty() || line.line == 0) {
      std::abort();  // a parsed line always has a key and a line number
    }
    layer.settings.push_back({line.key, line.value, "host.env"});
  }
  const pf::config::Layer layers[] = {layer};
  auto loaded = pf::config::load<pf::config::HostSettings>(pf::config::host_keys(), layers);
  if (loaded && loaded->effective.size() != pf::config::host_keys().size()) {
    std::abort();
  }
  return 0;
}
