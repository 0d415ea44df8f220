// apps.json as anyone with the file wrote it: parse, and what parses must
// render and parse back to the same catalog.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/vdisplay/apps.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = pf::vdisplay::parse_apps(text);
  if (parsed) {
    const auto again = pf::vdisplay::parse_apps(pf::vdisplay::render_apps(*parsed));
    if (!again || again->entries() != parsed->entries()) {
      std::abort();
    }
  }
  return 0;
}
