// display-settings.json as the console (or anyone with the file) wrote it:
// parse, and what parses must render and parse back to the same settings.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/vdisplay/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = pf::vdisplay::parse_display_settings(text);
  if (parsed) {
    const auto again = pf::vdisplay::parse_display_settings(pf::vdisplay::render_display_settings(*parsed));
    if (!again || !(*again == *parsed)) {
      std::abort();
    }
  }
  static_cast<void>(pf::vdisplay::parse_keep_alive(text));
  return 0;
}
