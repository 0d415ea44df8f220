// From SDL2's input to the wire's input events (pf/input/events.hpp), and
// from window to stream pixels. Pure functions and one small state machine
// (the d-pad): no window, no SDL call, so all of it is unit tested without
// a display. The window thread (window.cpp) feeds them SDL's events.
//
// Keys: SDL scancodes are USB HID usage ids (keyboard page 7); our own
// table gives each common key its Linux KEY_* code, which the host treats
// as the authoritative scancode. The keysym that goes along is the X keysym
// of SDL's keycode where it has one we know (Latin-1 characters are their
// own keysym; Enter, F1–F24, arrows, keypad, modifiers and the like have
// named ones).
//
// Gamepad face buttons follow the kernel's gamepad specification
// (Documentation/input/gamepad.rst) by position: A BTN_SOUTH 0x130, B
// BTN_EAST 0x131, X BTN_WEST 0x134, Y BTN_NORTH 0x133. (The kernel's xpad
// driver reports an Xbox pad's X as 0x133 and Y as 0x134, the other way
// round: whoever turns these codes into an Xbox 360 pad by xpad's
// convention swaps the two.)
#pragma once

#include <SDL.h>

#include <cstdint>
#include <optional>

#include "pf/input/events.hpp"

namespace pf::client::sdl {

/// Linux KEY_* code of the key at `scancode`; 0 when our table has none.
[[nodiscard]] std::uint16_t evdev_key(SDL_Scancode scancode) noexcept;

/// The X keysym of SDL keycode `key`; 0 when we know none.
[[nodiscard]] std::uint32_t x_keysym(SDL_Keycode key) noexcept;

/// SDL's modifier state (SDL_Keymod bits) as input::Modifier bits: either
/// Shift, Ctrl, Alt or GUI key → shift, ctrl, alt, super; Caps Lock and Num
/// Lock as locked; SDL's MODE (AltGr where the layout has it) → alt_gr.
[[nodiscard]] std::uint32_t modifier_bits(std::uint16_t sdl_mod) noexcept;

/// A key press or release as the wire's key event (code = evdev scancode,
/// x = keysym, y = 0, extra = modifiers); nullopt for key repeats and for
/// keys with neither a scancode nor a keysym we know.
[[nodiscard]] std::optional<input::Event> key_event(const SDL_KeyboardEvent& key) noexcept;

/// Where a picture of `picture_w` × `picture_h` is drawn in an area of
/// `area_w` × `area_h`: as large as fits with its aspect kept, centred,
/// bars on the two other sides (letterbox or pillarbox).
struct Viewport {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
  friend bool operator==(const Viewport&, const Viewport&) = default;
};
[[nodiscard]] Viewport fit(int area_w, int area_h, std::uint32_t picture_w,
                           std::uint32_t picture_h) noexcept;

/// A point in stream pixels.
struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};
/// The stream pixel under window point (`x`, `y`) (a pixel's own
/// coordinates mean its centre), for a picture drawn in `view`; points on
/// the bars or outside the window clamp to the picture's nearest edge.
[[nodiscard]] Point to_stream(const Viewport& view, double x, double y, std::uint32_t picture_w,
                              std::uint32_t picture_h) noexcept;

/// SDL_BUTTON_* → the wire's button (1 left, 2 middle, 3 right, 8 back
/// (X1), 9 forward (X2)); 0 for any other.
[[nodiscard]] std::uint16_t mouse_button(std::uint8_t sdl_button) noexcept;

/// Wheel motion in notches → 1/120 notches, rounded to the nearest.
[[nodiscard]] std::int32_t scroll_units(float notches) noexcept;

/// Touch contact id on the wire (0–9) for an SDL finger.
[[nodiscard]] std::uint16_t touch_contact(SDL_FingerID finger) noexcept;

/// A game controller button → evdev button code; 0 for the d-pad (the
/// wire's d-pad is the hat axes, see Dpad) and for buttons an Xbox 360 pad
/// does not have.
[[nodiscard]] std::uint16_t pad_button(SDL_GameControllerButton button) noexcept;

struct PadAxis {
  std::uint16_t code = 0;  ///< evdev ABS_* code
  std::int32_t value = 0;
  friend bool operator==(const PadAxis&, const PadAxis&) = default;
};
/// A game controller axis → the evdev axis and its value: sticks pass
/// through (−32768…32767, +y down in both), triggers (SDL 0…32767) become
/// 0…255; nullopt for an axis an Xbox 360 pad does not have.
[[nodiscard]] std::optional<PadAxis> pad_axis(SDL_GameControllerAxis axis,
                                              std::int16_t value) noexcept;
/// SDL's trigger value (0…32767; negative ones count as 0) → 0…255, rounded.
[[nodiscard]] std::int32_t trigger_value(std::int16_t value) noexcept;

/// One pad's d-pad: its four buttons as the hat axes (ABS_HAT0X: −1 left,
/// +1 right; ABS_HAT0Y: −1 up, +1 down; 0 when neither or both are held).
class Dpad {
 public:
  /// A d-pad button went down or up: the hat axis it moves and that axis's
  /// value now; nullopt for any other button.
  [[nodiscard]] std::optional<PadAxis> change(SDL_GameControllerButton button,
                                              bool pressed) noexcept;

 private:
  bool up_ = false;
  bool down_ = false;
  bool left_ = false;
  bool right_ = false;
};

}  // namespace pf::client::sdl
