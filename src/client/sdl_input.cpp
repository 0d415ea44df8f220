#include "sdl_input.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <linux/input-event-codes.h>

namespace pf::client::sdl {
namespace {

// SDL scancode (USB HID usage, keyboard page) → Linux KEY_* code.
constexpr std::pair<SDL_Scancode, std::uint16_t> kKeys[] = {
    {SDL_SCANCODE_A, KEY_A},
    {SDL_SCANCODE_B, KEY_B},
    {SDL_SCANCODE_C, KEY_C},
    {SDL_SCANCODE_D, KEY_D},
    {SDL_SCANCODE_E, KEY_E},
    {SDL_SCANCODE_F, KEY_F},
    {SDL_SCANCODE_G, KEY_G},
    {SDL_SCANCODE_H, KEY_H},
    {SDL_SCANCODE_I, KEY_I},
    {SDL_SCANCODE_J, KEY_J},
    {SDL_SCANCODE_K, KEY_K},
    {SDL_SCANCODE_L, KEY_L},
    {SDL_SCANCODE_M, KEY_M},
    {SDL_SCANCODE_N, KEY_N},
    {SDL_SCANCODE_O, KEY_O},
    {SDL_SCANCODE_P, KEY_P},
    {SDL_SCANCODE_Q, KEY_Q},
    {SDL_SCANCODE_R, KEY_R},
    {SDL_SCANCODE_S, KEY_S},
    {SDL_SCANCODE_T, KEY_T},
    {SDL_SCANCODE_U, KEY_U},
    {SDL_SCANCODE_V, KEY_V},
    {SDL_SCANCODE_W, KEY_W},
    {SDL_SCANCODE_X, KEY_X},
    {SDL_SCANCODE_Y, KEY_Y},
    {SDL_SCANCODE_Z, KEY_Z},
    {SDL_SCANCODE_1, KEY_1},
    {SDL_SCANCODE_2, KEY_2},
    {SDL_SCANCODE_3, KEY_3},
    {SDL_SCANCODE_4, KEY_4},
    {SDL_SCANCODE_5, KEY_5},
    {SDL_SCANCODE_6, KEY_6},
    {SDL_SCANCODE_7, KEY_7},
    {SDL_SCANCODE_8, KEY_8},
    {SDL_SCANCODE_9, KEY_9},
    {SDL_SCANCODE_0, KEY_0},
    {SDL_SCANCODE_RETURN, KEY_ENTER},
    {SDL_SCANCODE_ESCAPE, KEY_ESC},
    {SDL_SCANCODE_BACKSPACE, KEY_BACKSPACE},
    {SDL_SCANCODE_TAB, KEY_TAB},
    {SDL_SCANCODE_SPACE, KEY_SPACE},
    {SDL_SCANCODE_MINUS, KEY_MINUS},
    {SDL_SCANCODE_EQUALS, KEY_EQUAL},
    {SDL_SCANCODE_LEFTBRACKET, KEY_LEFTBRACE},
    {SDL_SCANCODE_RIGHTBRACKET, KEY_RIGHTBRACE},
    {SDL_SCANCODE_BACKSLASH, KEY_BACKSLASH},
    // The ISO key left of Enter: the same key code as backslash on Linux.
    {SDL_SCANCODE_NONUSHASH, KEY_BACKSLASH},
    {SDL_SCANCODE_SEMICOLON, KEY_SEMICOLON},
    {SDL_SCANCODE_APOSTROPHE, KEY_APOSTROPHE},
    {SDL_SCANCODE_GRAVE, KEY_GRAVE},
    {SDL_SCANCODE_COMMA, KEY_COMMA},
    {SDL_SCANCODE_PERIOD, KEY_DOT},
    {SDL_SCANCODE_SLASH, KEY_SLASH},
    {SDL_SCANCODE_CAPSLOCK, KEY_CAPSLOCK},
    {SDL_SCANCODE_F1, KEY_F1},
    {SDL_SCANCODE_F2, KEY_F2},
    {SDL_SCANCODE_F3, KEY_F3},
    {SDL_SCANCODE_F4, KEY_F4},
    {SDL_SCANCODE_F5, KEY_F5},
    {SDL_SCANCODE_F6, KEY_F6},
    {SDL_SCANCODE_F7, KEY_F7},
    {SDL_SCANCODE_F8, KEY_F8},
    {SDL_SCANCODE_F9, KEY_F9},
    {SDL_SCANCODE_F10, KEY_F10},
    {SDL_SCANCODE_F11, KEY_F11},
    {SDL_SCANCODE_F12, KEY_F12},
    {SDL_SCANCODE_PRINTSCREEN, KEY_SYSRQ},
    {SDL_SCANCODE_SCROLLLOCK, KEY_SCROLLLOCK},
    {SDL_SCANCODE_PAUSE, KEY_PAUSE},
    {SDL_SCANCODE_INSERT, KEY_INSERT},
    {SDL_SCANCODE_HOME, KEY_HOME},
    {SDL_SCANCODE_PAGEUP, KEY_PAGEUP},
    {SDL_SCANCODE_DELETE, KEY_DELETE},
    {SDL_SCANCODE_END, KEY_END},
    {SDL_SCANCODE_PAGEDOWN, KEY_PAGEDOWN},
    {SDL_SCANCODE_RIGHT, KEY_RIGHT},
    {SDL_SCANCODE_LEFT, KEY_LEFT},
    {SDL_SCANCODE_DOWN, KEY_DOWN},
    {SDL_SCANCODE_UP, KEY_UP},
    {SDL_SCANCODE_NUMLOCKCLEAR, KEY_NUMLOCK},
    {SDL_SCANCODE_KP_DIVIDE, KEY_KPSLASH},
    {SDL_SCANCODE_KP_MULTIPLY, KEY_KPASTERISK},
    {SDL_SCANCODE_KP_MINUS, KEY_KPMINUS},
    {SDL_SCANCODE_KP_PLUS, KEY_KPPLUS},
    {SDL_SCANCODE_KP_ENTER, KEY_KPENTER},
    {SDL_SCANCODE_KP_1, KEY_KP1},
    {SDL_SCANCODE_KP_2, KEY_KP2},
    {SDL_SCANCODE_KP_3, KEY_KP3},
    {SDL_SCANCODE_KP_4, KEY_KP4},
    {SDL_SCANCODE_KP_5, KEY_KP5},
    {SDL_SCANCODE_KP_6, KEY_KP6},
    {SDL_SCANCODE_KP_7, KEY_KP7},
    {SDL_SCANCODE_KP_8, KEY_KP8},
    {SDL_SCANCODE_KP_9, KEY_KP9},
    {SDL_SCANCODE_KP_0, KEY_KP0},
    {SDL_SCANCODE_KP_PERIOD, KEY_KPDOT},
    {SDL_SCANCODE_NONUSBACKSLASH, KEY_102ND},
    {SDL_SCANCODE_APPLICATION, KEY_COMPOSE},
    {SDL_SCANCODE_POWER, KEY_POWER},
    {SDL_SCANCODE_KP_EQUALS, KEY_KPEQUAL},
    {SDL_SCANCODE_F13, KEY_F13},
    {SDL_SCANCODE_F14, KEY_F14},
    {SDL_SCANCODE_F15, KEY_F15},
    {SDL_SCANCODE_F16, KEY_F16},
    {SDL_SCANCODE_F17, KEY_F17},
    {SDL_SCANCODE_F18, KEY_F18},
    {SDL_SCANCODE_F19, KEY_F19},
    {SDL_SCANCODE_F20, KEY_F20},
    {SDL_SCANCODE_F21, KEY_F21},
    {SDL_SCANCODE_F22, KEY_F22},
    {SDL_SCANCODE_F23, KEY_F23},
    {SDL_SCANCODE_F24, KEY_F24},
    {SDL_SCANCODE_MENU, KEY_MENU},
    {SDL_SCANCODE_MUTE, KEY_MUTE},
    {SDL_SCANCODE_VOLUMEUP, KEY_VOLUMEUP},
    {SDL_SCANCODE_VOLUMEDOWN, KEY_VOLUMEDOWN},
    {SDL_SCANCODE_KP_COMMA, KEY_KPCOMMA},
    {SDL_SCANCODE_INTERNATIONAL1, KEY_RO},
    {SDL_SCANCODE_INTERNATIONAL2, KEY_KATAKANAHIRAGANA},
    {SDL_SCANCODE_INTERNATIONAL3, KEY_YEN},
    {SDL_SCANCODE_INTERNATIONAL4, KEY_HENKAN},
    {SDL_SCANCODE_INTERNATIONAL5, KEY_MUHENKAN},
    {SDL_SCANCODE_LANG1, KEY_HANGEUL},
    {SDL_SCANCODE_LANG2, KEY_HANJA},
    {SDL_SCANCODE_LCTRL, KEY_LEFTCTRL},
    {SDL_SCANCODE_LSHIFT, KEY_LEFTSHIFT},
    {SDL_SCANCODE_LALT, KEY_LEFTALT},
    {SDL_SCANCODE_LGUI, KEY_LEFTMETA},
    {SDL_SCANCODE_RCTRL, KEY_RIGHTCTRL},
    {SDL_SCANCODE_RSHIFT, KEY_RIGHTSHIFT},
    {SDL_SCANCODE_RALT, KEY_RIGHTALT},
    {SDL_SCANCODE_RGUI, KEY_RIGHTMETA},
    {SDL_SCANCODE_AUDIONEXT, KEY_NEXTSONG},
    {SDL_SCANCODE_AUDIOPREV, KEY_PREVIOUSSONG},
    {SDL_SCANCODE_AUDIOSTOP, KEY_STOPCD},
    {SDL_SCANCODE_AUDIOPLAY, KEY_PLAYPAUSE},
    {SDL_SCANCODE_AUDIOMUTE, KEY_MUTE},
};

constexpr auto kKeyTable = [] {
  std::array<std::uint16_t, SDL_NUM_SCANCODES> table{};
  for (const auto& [scancode, key] : kKeys) {
    table[static_cast<std::size_t>(scancode)] = key;
  }
  return table;
}();

// SDL keycodes that are not characters → X keysyms (X11/keysymdef.h names).
constexpr std::pair<SDL_Keycode, std::uint32_t> kNamedKeysyms[] = {
    {SDLK_RETURN, 0xff0d},        // Return
    {SDLK_ESCAPE, 0xff1b},        // Escape
    {SDLK_BACKSPACE, 0xff08},     // BackSpace
    {SDLK_TAB, 0xff09},           // Tab
    {SDLK_DELETE, 0xffff},        // Delete
    {SDLK_CAPSLOCK, 0xffe5},      // Caps_Lock
    {SDLK_PRINTSCREEN, 0xff61},   // Print
    {SDLK_SCROLLLOCK, 0xff14},    // Scroll_Lock
    {SDLK_PAUSE, 0xff13},         // Pause
    {SDLK_INSERT, 0xff63},        // Insert
    {SDLK_HOME, 0xff50},          // Home
    {SDLK_PAGEUP, 0xff55},        // Prior
    {SDLK_END, 0xff57},           // End
    {SDLK_PAGEDOWN, 0xff56},      // Next
    {SDLK_RIGHT, 0xff53},         // Right
    {SDLK_LEFT, 0xff51},          // Left
    {SDLK_DOWN, 0xff54},          // Down
    {SDLK_UP, 0xff52},            // Up
    {SDLK_NUMLOCKCLEAR, 0xff7f},  // Num_Lock
    {SDLK_KP_DIVIDE, 0xffaf},     // KP_Divide
    {SDLK_KP_MULTIPLY, 0xffaa},   // KP_Multiply
    {SDLK_KP_MINUS, 0xffad},      // KP_Subtract
    {SDLK_KP_PLUS, 0xffab},       // KP_Add
    {SDLK_KP_ENTER, 0xff8d},      // KP_Enter
    {SDLK_KP_1, 0xffb1},         {SDLK_KP_2, 0xffb2}, {SDLK_KP_3, 0xffb3},      {SDLK_KP_4, 0xffb4},
    {SDLK_KP_5, 0xffb5},         {SDLK_KP_6, 0xffb6}, {SDLK_KP_7, 0xffb7},      {SDLK_KP_8, 0xffb8},
    {SDLK_KP_9, 0xffb9},         {SDLK_KP_0, 0xffb0}, {SDLK_KP_PERIOD, 0xffae},  // KP_Decimal
    {SDLK_KP_EQUALS, 0xffbd},                                                    // KP_Equal
    {SDLK_APPLICATION, 0xff67},                                                  // Menu
    {SDLK_MENU, 0xff67},                                                         // Menu
    {SDLK_LCTRL, 0xffe3},                                                        // Control_L
    {SDLK_LSHIFT, 0xffe1},                                                       // Shift_L
    {SDLK_LALT, 0xffe9},                                                         // Alt_L
    {SDLK_LGUI, 0xffeb},                                                         // Super_L
    {SDLK_RCTRL, 0xffe4},                                                        // Control_R
    {SDLK_RSHIFT, 0xffe2},                                                       // Shift_R
    {SDLK_RALT, 0xffea},                                                         // Alt_R
    {SDLK_RGUI, 0xffec},                                                         // Super_R
    {SDLK_MODE, 0xff7e},                                                         // Mode_switch
};
constexpr std::uint32_t kKeysymF1 = 0xffbe;  // F1 … F24 are consecutive

}  // namespace

std::uint16_t evdev_key(SDL_Scancode scancode) noexcept {
  const auto i = static_cast<std::size_t>(scancode);
  return i < kKeyTable.size() ? kKeyTable[i] : 0;
}

std::uint32_t x_keysym(SDL_Keycode key) noexcept {
  if ((key >= 0x20 && key <= 0x7e) || (key >= 0xa0 && key <= 0xff)) {
    return static_cast<std::uint32_t>(key);  // Latin-1: the character is its own keysym
  }
  if (key >= SDLK_F1 && key <= SDLK_F12) {
    return kKeysymF1 + static_cast<std::uint32_t>(key - SDLK_F1);
  }
  if (key >= SDLK_F13 && key <= SDLK_F24) {
    return kKeysymF1 + 12 + static_cast<std::uint32_t>(key - SDLK_F13);
  }
  for (const auto& [keycode, keysym] : kNamedKeysyms) {
    if (keycode == key) {
      return keysym;
    }
  }
  return 0;
}

std::uint32_t modifier_bits(std::uint16_t sdl_mod) noexcept {
  std::uint32_t out = 0;
  const auto any = [sdl_mod](unsigned mask) { return (sdl_mod & mask) != 0; };
  out |= any(KMOD_SHIFT) ? input::kModShift : 0U;
  out |= any(KMOD_CTRL) ? input::kModCtrl : 0U;
  out |= any(KMOD_ALT) ? input::kModAlt : 0U;
  out |= any(KMOD_GUI) ? input::kModSuper : 0U;
  out |= any(KMOD_CAPS) ? input::kModCapsLock : 0U;
  out |= any(KMOD_NUM) ? input::kModNumLock : 0U;
  out |= any(KMOD_MODE) ? input::kModAltGr : 0U;
  return out;
}

std::optional<input::Event> key_event(const SDL_KeyboardEvent& key) noexcept {
  if (key.repeat != 0) {
    return std::nullopt;  // the host's own key repeat types held keys
  }
  input::Event e;
  e.kind = input::EventKind::key;
  e.flags = static_cast<std::uint8_t>(key.state == SDL_PRESSED ? 1 : 0);
  e.code = evdev_key(key.keysym.scancode);
  e.x = static_cast<std::int32_t>(x_keysym(key.keysym.sym));
  e.y = 0;  // layout hint: unknown
  e.extra = modifier_bits(key.keysym.mod);
  if (e.code == 0 && e.x == 0) {
    return std::nullopt;
  }
  return e;
}

Viewport fit(int area_w, int area_h, std::uint32_t picture_w, std::uint32_t picture_h) noexcept {
  if (area_w <= 0 || area_h <= 0 || picture_w == 0 || picture_h == 0) {
    return {};
  }
  const double scale =
      std::min(static_cast<double>(area_w) / picture_w, static_cast<double>(area_h) / picture_h);
  Viewport v;
  v.w = std::clamp(static_cast<int>(std::lround(picture_w * scale)), 1, area_w);
  v.h = std::clamp(static_cast<int>(std::lround(picture_h * scale)), 1, area_h);
  v.x = (area_w - v.w) / 2;
  v.y = (area_h - v.h) / 2;
  return v;
}

Point to_stream(const Viewport& view, double x, double y, std::uint32_t picture_w,
                std::uint32_t picture_h) noexcept {
  if (view.w <= 0 || view.h <= 0 || picture_w == 0 || picture_h == 0) {
    return {};
  }
  const auto map = [](double at, int origin, int extent, std::uint32_t pixels) {
    const double scaled = std::floor((at - origin + 0.5) * pixels / extent);
    return static_cast<std::int32_t>(std::clamp(scaled, 0.0, static_cast<double>(pixels - 1)));
  };
  return {map(x, view.x, view.w, picture_w), map(y, view.y, view.h, picture_h)};
}

std::uint16_t mouse_button(std::uint8_t sdl_button) noexcept {
  switch (sdl_button) {
    case SDL_BUTTON_LEFT: return 1;
    case SDL_BUTTON_MIDDLE: return 2;
    case SDL_BUTTON_RIGHT: return 3;
    case SDL_BUTTON_X1: return 8;
    case SDL_BUTTON_X2: return 9;
    default: return 0;
  }
}

std::int32_t scroll_units(float notches) noexcept {
  const double units = std::round(static_cast<double>(notches) * input::kScrollNotch);
  return static_cast<std::int32_t>(std::clamp(units, -1e9, 1e9));
}

std::uint16_t touch_contact(SDL_FingerID finger) noexcept {
  return static_cast<std::uint16_t>(static_cast<std::uint64_t>(finger) % input::kMaxTouchContacts);
}

std::uint16_t pad_button(SDL_GameControllerButton button) noexcept {
  switch (button) {
    case SDL_CONTROLLER_BUTTON_A: return BTN_SOUTH;
    case SDL_CONTROLLER_BUTTON_B: return BTN_EAST;
    // As the kernel's xpad driver reports an Xbox 360 pad (what the host's
    // pad is, and what games' mapping tables expect of it): X is BTN_X
    // (0x133, BTN_NORTH's number) and Y is BTN_Y (0x134), whatever their places.
    case SDL_CONTROLLER_BUTTON_X: return BTN_X;
    case SDL_CONTROLLER_BUTTON_Y: return BTN_Y;
    case SDL_CONTROLLER_BUTTON_BACK: return BTN_SELECT;
    case SDL_CONTROLLER_BUTTON_GUIDE: return BTN_MODE;
    case SDL_CONTROLLER_BUTTON_START: return BTN_START;
    case SDL_CONTROLLER_BUTTON_LEFTSTICK: return BTN_THUMBL;
    case SDL_CONTROLLER_BUTTON_RIGHTSTICK: return BTN_THUMBR;
    case SDL_CONTROLLER_BUTTON_LEFTSHOULDER: return BTN_TL;
    case SDL_CONTROLLER_BUTTON_RIGHTSHOULDER: return BTN_TR;
    default: return 0;  // the d-pad (Dpad), paddles, touchpad, misc
  }
}

std::int32_t trigger_value(std::int16_t value) noexcept {
  constexpr std::int32_t kMax = 32767;
  const std::int32_t v = std::clamp<std::int32_t>(value, 0, kMax);
  return (v * 255 + kMax / 2) / kMax;
}

std::optional<PadAxis> pad_axis(SDL_GameControllerAxis axis, std::int16_t value) noexcept {
  switch (axis) {
    case SDL_CONTROLLER_AXIS_LEFTX: return PadAxis{ABS_X, value};
    case SDL_CONTROLLER_AXIS_LEFTY: return PadAxis{ABS_Y, value};
    case SDL_CONTROLLER_AXIS_RIGHTX: return PadAxis{ABS_RX, value};
    case SDL_CONTROLLER_AXIS_RIGHTY: return PadAxis{ABS_RY, value};
    case SDL_CONTROLLER_AXIS_TRIGGERLEFT: return PadAxis{ABS_Z, trigger_value(value)};
    case SDL_CONTROLLER_AXIS_TRIGGERRIGHT: return PadAxis{ABS_RZ, trigger_value(value)};
    default: return std::nullopt;
  }
}

std::optional<PadAxis> Dpad::change(SDL_GameControllerButton button, bool pressed) noexcept {
  const auto hat = [](bool negative, bool positive) {
    return (positive ? 1 : 0) - (negative ? 1 : 0);
  };
  switch (button) {
    case SDL_CONTROLLER_BUTTON_DPAD_UP: up_ = pressed; break;
    case SDL_CONTROLLER_BUTTON_DPAD_DOWN: down_ = pressed; break;
    case SDL_CONTROLLER_BUTTON_DPAD_LEFT: left_ = pressed; break;
    case SDL_CONTROLLER_BUTTON_DPAD_RIGHT: right_ = pressed; break;
    default: return std::nullopt;
  }
  if (button == SDL_CONTROLLER_BUTTON_DPAD_LEFT || button == SDL_CONTROLLER_BUTTON_DPAD_RIGHT) {
    return PadAxis{ABS_HAT0X, hat(left_, right_)};
  }
  return PadAxis{ABS_HAT0Y, hat(up_, down_)};
}

}  // namespace pf::client::sdl
