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
//   key            code = evdev scancode (KEY_A = 30); extra = modifiers
//   mouse_move     x, y = relative motion in display pixels
//   mouse_position x, y = absolute position in display pixels
//   mouse_button   code = 1 left, 2 middle, 3 right, 8 back, 9 forward
//   scroll         x, y = horizontal, vertical in 1/120 notches (+y = up)
//
// Kinds are only ever appended; an event of a kind this version does not
// know is decoded (kind kept) and left to the receiver to count.
#pragma once

#include <cstdint>
#include <span>
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
};

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
