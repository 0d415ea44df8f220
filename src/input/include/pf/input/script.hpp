// Scripted input for tests and demos (punktfunk-client --input-script):
// one event per line, at a time relative to the first decoded picture.
//
//   # comment
//   <ms> key <scancode> down|up      evdev scancode (30 = A)
//   <ms> move <dx> <dy>              relative, display pixels
//   <ms> position <x> <y>            absolute, display pixels
//   <ms> button <n> down|up          1 left, 2 middle, 3 right, 8 back, 9 forward
//   <ms> scroll <dx> <dy>            1/120 notches (+dy = up)
//   <ms> text <anything>             the rest of the line as UTF-8 ('#' included)
//   <ms> touch <id> <x> <y> down|move|up
//   <ms> pad <index> connect|disconnect
//   <ms> pad-button <index> <evdev code> down|up    (BTN_SOUTH = 304)
//   <ms> pad-axis <index> <evdev code> <value>      (ABS_X = 0, ABS_RZ = 5)
//
// Errors name the line. At most kMaxScriptEvents events.
#pragma once

#include <string_view>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/input/events.hpp"

namespace pf::input {

inline constexpr std::size_t kMaxScriptEvents = 100'000;

struct ScriptedEvent {
  Nanos at{};
  Event event;
  friend bool operator==(const ScriptedEvent&, const ScriptedEvent&) = default;
};

/// Parses a script; the events come out sorted by time (stable).
[[nodiscard]] Result<std::vector<ScriptedEvent>> parse_script(std::string_view text);

}  // namespace pf::input
