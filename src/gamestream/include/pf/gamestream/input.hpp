// GameStream input, sans-I/O: the packets a Moonlight client sends as the
// payload of control message 0x0206, decoded and translated into the
// project's own input events (pf/input/events.hpp).
//
// Each packet is NV_INPUT_HEADER {BE32 size (the bytes after this field),
// LE32 magic} and a body (moonlight-common-c Input.h, packed). What a
// client sends a host that says appversion 7.1.431.-1 (generation 7, a
// Sunshine-like host):
//
//   0x03/0x04  key down/up       u8 flags, LE16 Windows VK code (the client
//                                may set 0x80 in the high byte), u8
//                                modifiers, LE16 0
//   0x07       mouse relative    BE16 dx, BE16 dy
//   0x05       mouse absolute    BE16 x, BE16 y, BE16 0, BE16 width − 1,
//                                BE16 height − 1 (the client's reference)
//   0x08/0x09  mouse button down/up  u8 button (1 left 2 middle 3 right 4 X1 5 X2)
//   0x0A       scroll            BE16 amount, BE16 amount, BE16 0 (120 a notch, + up)
//   0x55000001 horizontal scroll BE16 amount (+ right)
//   0x17       UTF-8 text        the bytes (one code point a packet)
//   0x0C       multi-controller  LE16 0x1A, LE16 pad, LE16 active mask, LE16
//                                0x14, LE16 buttons, u8 LT, u8 RT, LE16 LX,
//                                LY, RX, RY (XInput: + up), LE16 0x9C, LE16
//                                buttons >> 16, LE16 0x55
//   0x55000002 touch             u8 event, u8 0, LE16 rotation, LE32 pointer
//                                id, LE float x, y (0..1 of the video),
//                                pressure, contact major, minor
//   0x55000004 controller arrival u8 pad, u8 type, LE16 capabilities, LE32 buttons
//   0x0D       enable haptics    LE16 1 (sent once, first)
//   0x55000003 pen, 0x55000005 controller touchpad, 0x55000006 controller
//   motion, 0x55000007 controller battery: decoded for size only.
//
// Peer input is hostile: every read is bounds-checked, the header's size
// must match the packet, and a body shorter than its struct is refused.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/input/events.hpp"

namespace pf::gamestream {

namespace input_magic {
inline constexpr std::uint32_t kKeyDown = 0x00000003;
inline constexpr std::uint32_t kKeyUp = 0x00000004;
inline constexpr std::uint32_t kMousePosition = 0x00000005;
inline constexpr std::uint32_t kMouseMove = 0x00000007;  ///< MOUSE_MOVE_REL_MAGIC_GEN5
inline constexpr std::uint32_t kMouseButtonDown = 0x00000008;
inline constexpr std::uint32_t kMouseButtonUp = 0x00000009;
inline constexpr std::uint32_t kScroll = 0x0000000A;   ///< SCROLL_MAGIC_GEN5
inline constexpr std::uint32_t kGamepad = 0x0000000C;  ///< MULTI_CONTROLLER_MAGIC_GEN5
inline constexpr std::uint32_t kEnableHaptics = 0x0000000D;
inline constexpr std::uint32_t kText = 0x00000017;
inline constexpr std::uint32_t kHScroll = 0x55000001;
inline constexpr std::uint32_t kTouch = 0x55000002;
inline constexpr std::uint32_t kPen = 0x55000003;
inline constexpr std::uint32_t kGamepadArrival = 0x55000004;
inline constexpr std::uint32_t kGamepadTouch = 0x55000005;
inline constexpr std::uint32_t kGamepadMotion = 0x55000006;
inline constexpr std::uint32_t kGamepadBattery = 0x55000007;
}  // namespace input_magic

inline constexpr std::size_t kInputHeaderBytes = 8;
/// Larger input packets are refused (the client's own stay under 128).
inline constexpr std::size_t kMaxInputPacketBytes = 512;
inline constexpr std::size_t kMaxTextBytes = 32;   ///< UTF8_TEXT_EVENT_MAX_COUNT
inline constexpr std::uint16_t kMaxGamepads = 16;  ///< bits in the active mask

/// Gamepad button bits (Limelight.h), `buttons` of a GamepadState.
namespace pad_button {
inline constexpr std::uint32_t kUp = 0x0001;
inline constexpr std::uint32_t kDown = 0x0002;
inline constexpr std::uint32_t kLeft = 0x0004;
inline constexpr std::uint32_t kRight = 0x0008;
inline constexpr std::uint32_t kStart = 0x0010;  ///< PLAY_FLAG
inline constexpr std::uint32_t kBack = 0x0020;
inline constexpr std::uint32_t kLeftStick = 0x0040;
inline constexpr std::uint32_t kRightStick = 0x0080;
inline constexpr std::uint32_t kLeftShoulder = 0x0100;
inline constexpr std::uint32_t kRightShoulder = 0x0200;
inline constexpr std::uint32_t kGuide = 0x0400;  ///< SPECIAL_FLAG
inline constexpr std::uint32_t kA = 0x1000;
inline constexpr std::uint32_t kB = 0x2000;
inline constexpr std::uint32_t kX = 0x4000;
inline constexpr std::uint32_t kY = 0x8000;
inline constexpr std::uint32_t kPaddle1 = 0x010000;  ///< Sunshine's extended buttons (buttonFlags2)
inline constexpr std::uint32_t kMisc = 0x200000;
}  // namespace pad_button

/// Key modifier bits of a KeyInput.
inline constexpr std::uint8_t kGsModShift = 0x01;
inline constexpr std::uint8_t kGsModCtrl = 0x02;
inline constexpr std::uint8_t kGsModAlt = 0x04;
inline constexpr std::uint8_t kGsModMeta = 0x08;

/// Touch event types (LI_TOUCH_EVENT_*).
enum class TouchEventType : std::uint8_t {
  hover = 0,
  down = 1,
  up = 2,
  move = 3,
  cancel = 4,
  button_only = 5,
  hover_leave = 6,
  cancel_all = 7,
};

// ---- Decoded packets ------------------------------------------------------

struct KeyInput {
  bool down = false;
  std::uint8_t flags = 0;  ///< 0x01: the code is not a US-layout VK (the host reads it as-is)
  std::uint16_t vk = 0;    ///< as sent (the high byte may carry 0x80)
  std::uint8_t modifiers = 0;
};
struct MouseMoveInput {
  std::int16_t dx = 0;
  std::int16_t dy = 0;
};
struct MousePositionInput {
  std::int16_t x = 0;
  std::int16_t y = 0;
  std::int16_t reference_width = 0;   ///< as sent: the client's width − 1
  std::int16_t reference_height = 0;  ///< the client's height − 1
};
struct MouseButtonInput {
  bool down = false;
  std::uint8_t button = 0;  ///< 1 left, 2 middle, 3 right, 4 X1, 5 X2
};
struct ScrollInput {
  std::int16_t amount = 0;  ///< 1/120 notches
  bool horizontal = false;  ///< vertical + up, horizontal + right
};
struct TextInput {
  Bytes utf8;  ///< a view into the packet
};
struct GamepadState {
  std::uint16_t index = 0;
  std::uint16_t active_mask = 0;
  std::uint32_t buttons = 0;  ///< pad_button bits (Sunshine's upper 16 included)
  std::uint8_t left_trigger = 0;
  std::uint8_t right_trigger = 0;
  std::int16_t left_x = 0;
  std::int16_t left_y = 0;  ///< + up, as XInput
  std::int16_t right_x = 0;
  std::int16_t right_y = 0;
};
struct GamepadArrival {
  std::uint8_t index = 0;
  std::uint8_t type = 0;           ///< LI_CTYPE_*: 1 Xbox, 2 PlayStation, 3 Nintendo, 4 Steam
  std::uint16_t capabilities = 0;  ///< LI_CCAP_*: 0x02 rumble, …
  std::uint32_t supported_buttons = 0;
};
struct TouchInput {
  TouchEventType type = TouchEventType::hover;
  std::uint16_t rotation = 0;
  std::uint32_t pointer_id = 0;
  float x = 0;  ///< 0..1 of the video's width
  float y = 0;
  float pressure = 0;
};
struct HapticsInput {
  bool enable = false;
};
/// Pen, controller touchpad, motion and battery: known, not translated.
struct UnsupportedInput {
  std::uint32_t magic = 0;
  Bytes body;
};

using InputPacket = std::variant<KeyInput, MouseMoveInput, MousePositionInput, MouseButtonInput,
                                 ScrollInput, TextInput, GamepadState, GamepadArrival, TouchInput,
                                 HapticsInput, UnsupportedInput>;

/// Decodes one input packet (header included). malformed: the size field
/// disagrees with the packet, an unknown magic, a body shorter than its
/// struct, text over kMaxTextBytes, a touch event type past 7, a float that
/// is not finite; overflow: over kMaxInputPacketBytes.
[[nodiscard]] Result<InputPacket> parse_input(Bytes packet);

/// The client's side: appends `packet` laid out as the client lays it out
/// (a test client sends these). An UnsupportedInput writes its body as is.
void append_input(const InputPacket& packet, std::vector<std::uint8_t>& out);

/// A short name for a magic ("pen", "controller motion"), for counters and logs.
[[nodiscard]] std::string_view input_kind_name(std::uint32_t magic) noexcept;

// ---- Translation ----------------------------------------------------------

/// The evdev KEY_* code for a Windows virtual-key code (its low byte), 0
/// when there is none.
[[nodiscard]] std::uint16_t evdev_key_of_vk(std::uint16_t vk) noexcept;

/// Where an absolute position lands: the client's x of its reference
/// width (both as sent) scaled to a display `display_px` wide, clamped to
/// the display.
[[nodiscard]] std::int32_t scale_position(std::int32_t x, std::int32_t reference,
                                          std::uint32_t display_px) noexcept;

/// The largest display side an absolute position or touch is scaled to.
inline constexpr std::uint32_t kMaxDisplayPx = 1U << 16;

struct DisplaySize {
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
};

/// What one packet came to. `events`: its events were appended (possibly
/// none: nothing changed). `unsupported`: a valid packet of a kind this
/// host does not inject (pen, controller touchpad/motion/battery, haptics,
/// a key without an evdev code, a sixth mouse button, more than
/// kMaxTouchContacts touches, hovering); `what` names it.
enum class InputOutcome : std::uint8_t { unset = 0, events = 1, unsupported = 2 };
struct Translation {
  InputOutcome outcome = InputOutcome::unset;
  std::string_view what;  ///< static text
};

/// The most events one packet becomes (a gamepad packet changing
/// everything, after an implicit arrival).
inline constexpr std::size_t kMaxEventsPerInputPacket = 20;

/// One session's translation state: each pad's last state (a gamepad
/// packet carries the whole pad; only changes become events) and which
/// touch pointers hold which contact slot. Not thread-safe.
class InputTranslator {
 public:
  /// Appends the events `packet` means to `out` (at most
  /// kMaxEventsPerInputPacket). Errors as parse_input; invalid_argument
  /// when an absolute position or touch arrives while `display` is 0 or
  /// over kMaxDisplayPx wide or high. Nothing is appended on error.
  [[nodiscard]] Result<Translation> translate(Bytes packet, DisplaySize display,
                                              std::vector<input::Event>& out);

  /// Releases everything held (session end or client gone): every known pad
  /// removed and every touch lifted.
  void release_all(std::vector<input::Event>& out);

  [[nodiscard]] bool pad_connected(std::uint16_t index) const noexcept {
    return index < kMaxGamepads && pads_[index].connected;
  }

 private:
  struct Pad {
    bool connected = false;
    GamepadState state;
  };
  struct Contact {
    bool active = false;
    std::uint32_t pointer_id = 0;
    std::int32_t x = 0;
    std::int32_t y = 0;
  };

  Translation gamepad(const GamepadState& s, std::vector<input::Event>& out);
  Translation arrival(const GamepadArrival& a, std::vector<input::Event>& out);
  Result<Translation> touch(const TouchInput& t, DisplaySize display,
                            std::vector<input::Event>& out);

  std::array<Pad, kMaxGamepads> pads_{};
  std::array<Contact, input::kMaxTouchContacts> contacts_{};
};

}  // namespace pf::gamestream
