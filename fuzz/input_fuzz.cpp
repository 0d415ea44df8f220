// Input datagrams as a hostile client sends them, and input scripts as
// anyone wrote them: decode; what decodes must encode back byte for byte,
// and text cut into events must read back whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/input/events.hpp"
#include "pf/input/script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pf::Bytes bytes(data, size);
  if (const auto events = pf::input::decode_packet(bytes)) {
    std::vector<std::uint8_t> out;
    if (!pf::input::encode_packet(*events, out)) {
      std::abort();
    }
    const auto again = pf::input::decode_packet(out);
    if (!again || *again != *events) {
      std::abort();
    }
  }
  // Text cut into events reads back as the same text.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto events = pf::input::text_events(text)) {
    std::string joined;
    for (const auto& e : *events) {
      joined += pf::input::text_of(e);
    }
    if (joined != text) {
      std::abort();
    }
  }
  (void)pf::input::parse_script(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
