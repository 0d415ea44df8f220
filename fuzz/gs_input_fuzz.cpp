// GameStream input packets as a hostile client sends them, through one
// session's translator. The input is a display size selector and then
// packets, each preceded by a length byte. Aborts on any inconsistency it
// can see: too many events for one packet, events appended by a refused
// packet, events outside the display or the pad/contact ranges, decoded
// packets that do not encode back stably, state left after release_all.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/gamestream/input.hpp"

namespace {

using pf::input::Event;
using pf::input::EventKind;

constexpr pf::gamestream::DisplaySize kDisplays[] = {{1920, 1080}, {1, 1},         {0, 0},
                                                     {3840, 2160}, {65536, 65536}, {65537, 1}};

void check_event(const Event& e, pf::gamestream::DisplaySize display) {
  const auto inside = [&](std::int32_t x, std::int32_t y) {
    return x >= 0 && y >= 0 && static_cast<std::uint32_t>(x) < display.width_px &&
           static_cast<std::uint32_t>(y) < display.height_px;
  };
  switch (e.kind) {
    case EventKind::key:
      if (e.code == 0 || e.code > 0x2ff) {
        std::abort();
      }
      break;
    case EventKind::mouse_position:
      if (!inside(e.x, e.y)) {
        std::abort();
      }
      break;
    case EventKind::touch:
      if (!inside(e.x, e.y) || e.code >= pf::input::kMaxTouchContacts) {
        std::abort();
      }
      break;
    case EventKind::mouse_button:
      if (e.code != 1 && e.code != 2 && e.code != 3 && e.code != 8 && e.code != 9) {
        std::abort();
      }
      break;
    case EventKind::text:
      if (e.code == 0 || e.code > pf::input::kTextBytesPerEvent) {
        std::abort();
      }
      break;
    case EventKind::pad_arrival:
    case EventKind::pad_button:
    case EventKind::pad_axis:
      if (e.x < 0 || e.x >= pf::gamestream::kMaxGamepads) {
        std::abort();
      }
      if (e.kind == EventKind::pad_axis && (e.y < -32768 || e.y > 32767)) {
        std::abort();
      }
      break;
    case EventKind::mouse_move:
    case EventKind::scroll: break;
    default: std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto display = kDisplays[data[0] % std::size(kDisplays)];
  pf::gamestream::InputTranslator translator;
  std::vector<Event> events;
  std::size_t pos = 1;
  while (pos < size) {
    const std::size_t len = std::min<std::size_t>(data[pos], size - pos - 1);
    const pf::Bytes packet(data + pos + 1, len);
    pos += 1 + len;

    const std::size_t before = events.size();
    const auto result = translator.translate(packet, display, events);
    const std::size_t added = events.size() - before;
    if (added > pf::gamestream::kMaxEventsPerInputPacket) {
      std::abort();
    }
    if (!result) {
      if (added != 0 || result.error().message.empty()) {
        std::abort();
      }
    } else if (result->outcome == pf::gamestream::InputOutcome::unsupported) {
      if (added != 0 || result->what.empty()) {
        std::abort();
      }
    } else if (result->outcome != pf::gamestream::InputOutcome::events) {
      std::abort();
    }
    for (std::size_t i = before; i < events.size(); ++i) {
      check_event(events[i], display);
    }
    // What decodes encodes back stably: encode(decode(encode(p))) == encode(p).
    if (const auto parsed = pf::gamestream::parse_input(packet)) {
      std::vector<std::uint8_t> once;
      pf::gamestream::append_input(*parsed, once);
      const auto again = pf::gamestream::parse_input(once);
      if (!again) {
        std::abort();
      }
      std::vector<std::uint8_t> twice;
      pf::gamestream::append_input(*again, twice);
      if (once != twice) {
        std::abort();
      }
    }
  }
  std::vector<Event> released;
  translator.release_all(released);
  for (const Event& e : released) {
    if ((e.kind != EventKind::pad_arrival && e.kind != EventKind::touch) || e.pressed()) {
      std::abort();
    }
  }
  released.clear();
  translator.release_all(released);
  if (!released.empty()) {
    std::abort();
  }
  for (std::uint16_t i = 0; i < pf::gamestream::kMaxGamepads; ++i) {
    if (translator.pad_connected(i)) {
      std::abort();
    }
  }
  return 0;
}
