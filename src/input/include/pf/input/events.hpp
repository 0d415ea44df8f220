// Input events on the wire, sans-I/O.
//
// A client's input travels on the data plane's feedback stream (client →
// host, AES-GCM sealed, sequence numbered: the receiver drops duplicates
// and replays before anything here sees them). A feedback payload's first
// byte says what it is:
//
//   0  keep-alive: u64 client send time (ns)
//   1  input:      u8 version (1) · u16 count · count × 16-byte events
//
// Event (little-endian, 16 bytes):
//   u8 kind · u8 flags (bit 0: pressed) · u16 code · i32 x · i32 y · u32 extra
//
//   key             code = evdev scancode (KEY_A = 30), authoritative: the
//                   host's layout gives it its symbol, as for a keyboard
//                   plugged into the host; x = the client's X keysym for it
//                   (0 = unknown; a receiver types the keysym when code is
//                   0); y = layout hint, the client's XKB layout name in up
//                   to 4 ASCII bytes (little-endian, "de" = 0x6564; 0 =
//                   unknown); extra = modifiers (Modifier bits)
//   mouse_move      x, y = relative motion in display pixels
//   mouse_position  x, y = absolute position in display pixels
//   mouse_button    code = 1 left, 2 middle, 3 right, 8 back, 9 forward
//   scroll          x, y = horizontal, vertical in 1/120 notches (+y = up)
//   text            code = bytes used (1-12); the UTF-8 bytes fill x, y,
//                   extra in wire order; a code point never straddles two
//                   events (text_events() cuts a string so)
//   touch           code = contact id (0-9); flags bit 0 = touching (down
//                   or moving), clear = lifted; x, y = absolute position in
//                   display pixels
//   pad_arrival     x = pad index (0-15); flags bit 0 = connected, clear =
//                   removed; code = pad type (PadType); extra = PadCaps bits
//   pad_button      x = pad index; code = the evdev button an Xbox 360 pad
//                   reports under the kernel's xpad driver: BTN_A 0x130,
//                   BTN_B 0x131, BTN_X 0x133, BTN_Y 0x134, BTN_TL/TR,
//                   BTN_SELECT, BTN_START, BTN_MODE 0x13c, BTN_THUMBL/R
//                   (0x13d/0x13e); pressed or released
//   pad_axis        x = pad index; code = evdev axis: ABS_X/Y (0/1) and
//                   ABS_RX/RY (3/4) sticks −32768…32767 (+y down), ABS_Z /
//                   ABS_RZ (2/5) left/right trigger 0…255, ABS_HAT0X/Y
//                   (16/17) the d-pad −1…1; y = value
//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::input {

inline constexpr std::uint8_t kKeepAlivePayload = 0;
inline constexpr std::uint8_t kInputPayload = 1;
inline constexpr std::uint8_t kWireVersion = 1;
inline constexpr std::size_t kEventBytes = 16;
inline constexpr std::size_t kPacketHeaderBytes = 4;
inline constexpr std::size_t kMaxEventsPerPacket = 64;
inline constexpr std::int32_t kScrollNotch = 120;

enum class EventKind : std::uint8_t {
  unset = 0,
  key = 1,
  mouse_move = 2,
  mouse_position = 3,
  mouse_button = 4,
  scroll = 5,
  text = 6,
  touch = 7,
  pad_arrival = 8,
  pad_button = 9,
  pad_axis = 10,
};

/// Modifier bits of a key event's `extra`.
enum Modifier : std::uint32_t {
  kModShift = 1U << 0,
  kModCtrl = 1U << 1,
  kModAlt = 1U << 2,
  kModSuper = 1U << 3,
  kModCapsLock = 1U << 4,
  kModNumLock = 1U << 5,
  kModAltGr = 1U << 6,
};

enum class PadType : std::uint16_t { unset = 0, xbox360 = 1 };
/// pad_arrival's `extra`: what the client's pad can do.
enum PadCaps : std::uint32_t { kPadRumble = 1U << 0 };

inline constexpr std::size_t kTextBytesPerEvent = 12;
inline constexpr std::uint32_t kMaxPads = 16;
inline constexpr std::uint16_t kMaxTouchContacts = 10;

struct Event {
  EventKind kind = EventKind::unset;
  std::uint8_t flags = 0;  ///< bit 0: pressed (key, mouse_button)
  std::uint16_t code = 0;
  std::int32_t x = 0;
  std::int32_t y = 0;
  std::uint32_t extra = 0;
  [[nodiscard]] bool pressed() const noexcept { return (flags & 1U) != 0; }
  friend bool operator==(const Event&, const Event&) = default;
};

/// Cuts UTF-8 text into text events, never splitting a code point.
/// malformed: not valid UTF-8 (overlong forms, surrogates and code points
/// past U+10FFFF included).
[[nodiscard]] Result<std::vector<Event>> text_events(std::string_view utf8);
/// A text event's bytes (empty when code is 0 or over kTextBytesPerEvent).
[[nodiscard]] std::string text_of(const Event& e);
/// Decodes UTF-8 into code points; nullopt when it is not valid UTF-8.
[[nodiscard]] std::optional<std::vector<char32_t>> code_points(std::string_view utf8);

/// "de" → 0x6564: a layout name of 1-4 ASCII letters as a key event's y; 0
/// otherwise.
[[nodiscard]] std::uint32_t layout_hint(std::string_view name) noexcept;
[[nodiscard]] std::string layout_name(std::uint32_t hint);

/// Appends one input payload (type byte included). invalid_argument beyond
/// kMaxEventsPerPacket.
[[nodiscard]] Status encode_packet(std::span<const Event> events, std::vector<std::uint8_t>& out);

/// Decodes an input payload (type byte included). malformed: wrong type or
/// version, a count the bytes do not hold, more than kMaxEventsPerPacket.
[[nodiscard]] Result<std::vector<Event>> decode_packet(Bytes payload);

/// Writes/reads the 16-byte record (also the agent link's encoding).
void write_event(SpanWriter& w, const Event& e) noexcept;
[[nodiscard]] Event read_event(SpanReader& r) noexcept;

}  // namespace pf::input
