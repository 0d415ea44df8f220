// The window's mappings: SDL scancodes and keycodes to evdev codes and X
// keysyms, window points to stream pixels through the letterbox, buttons,
// wheel, touch contacts, game controller buttons, axes and d-pad.
#include "sdl_input.hpp"

#include <set>

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

namespace pf::client::sdl {
namespace {

TEST(SdlKeys, CommonKeysGetTheirLinuxCodes) {
  EXPECT_EQ(evdev_key(SDL_SCANCODE_A), KEY_A);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_A), 30);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_Q), KEY_Q);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_Z), KEY_Z);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_M), KEY_M);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_1), KEY_1);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_0), KEY_0);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_F1), KEY_F1);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_F10), KEY_F10);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_F11), KEY_F11);  // not KEY_F10 + 1: 87
  EXPECT_EQ(evdev_key(SDL_SCANCODE_F12), KEY_F12);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_RETURN), KEY_ENTER);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_ESCAPE), KEY_ESC);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_TAB), KEY_TAB);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_BACKSPACE), KEY_BACKSPACE);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_SPACE), KEY_SPACE);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_LEFT), KEY_LEFT);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_UP), KEY_UP);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_LSHIFT), KEY_LEFTSHIFT);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_RALT), KEY_RIGHTALT);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_LGUI), KEY_LEFTMETA);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_RCTRL), KEY_RIGHTCTRL);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_GRAVE), KEY_GRAVE);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_SEMICOLON), KEY_SEMICOLON);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_PERIOD), KEY_DOT);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_NONUSBACKSLASH), KEY_102ND);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_KP_0), KEY_KP0);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_KP_7), KEY_KP7);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_KP_ENTER), KEY_KPENTER);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_KP_DIVIDE), KEY_KPSLASH);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_HOME), KEY_HOME);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_PAGEDOWN), KEY_PAGEDOWN);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_INSERT), KEY_INSERT);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_DELETE), KEY_DELETE);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_UNKNOWN), 0);
  EXPECT_EQ(evdev_key(SDL_SCANCODE_LANG9), 0);  // not in the table
  EXPECT_EQ(evdev_key(static_cast<SDL_Scancode>(SDL_NUM_SCANCODES + 5)), 0);
}

TEST(SdlKeys, EveryLetterAndDigitHasItsOwnCode) {
  std::set<std::uint16_t> codes;
  for (int s = SDL_SCANCODE_A; s <= SDL_SCANCODE_0; ++s) {
    const std::uint16_t code = evdev_key(static_cast<SDL_Scancode>(s));
    EXPECT_NE(code, 0) << "scancode " << s;
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 36U);
}

TEST(SdlKeys, KeysymsForCharactersAndNamedKeys) {
  EXPECT_EQ(x_keysym(SDLK_a), 0x61U);
  EXPECT_EQ(x_keysym(SDLK_SPACE), 0x20U);
  EXPECT_EQ(x_keysym(SDLK_1), 0x31U);
  EXPECT_EQ(x_keysym(SDLK_SLASH), 0x2fU);
  EXPECT_EQ(x_keysym(0xe4), 0xe4U);  // ä (a German layout's key): Latin-1
  EXPECT_EQ(x_keysym(SDLK_RETURN), 0xff0dU);
  EXPECT_EQ(x_keysym(SDLK_ESCAPE), 0xff1bU);
  EXPECT_EQ(x_keysym(SDLK_BACKSPACE), 0xff08U);
  EXPECT_EQ(x_keysym(SDLK_TAB), 0xff09U);
  EXPECT_EQ(x_keysym(SDLK_DELETE), 0xffffU);
  EXPECT_EQ(x_keysym(SDLK_F1), 0xffbeU);
  EXPECT_EQ(x_keysym(SDLK_F12), 0xffc9U);
  EXPECT_EQ(x_keysym(SDLK_F13), 0xffcaU);
  EXPECT_EQ(x_keysym(SDLK_LEFT), 0xff51U);
  EXPECT_EQ(x_keysym(SDLK_DOWN), 0xff54U);
  EXPECT_EQ(x_keysym(SDLK_LSHIFT), 0xffe1U);
  EXPECT_EQ(x_keysym(SDLK_RGUI), 0xffecU);
  EXPECT_EQ(x_keysym(SDLK_KP_5), 0xffb5U);
  EXPECT_EQ(x_keysym(SDLK_KP_ENTER), 0xff8dU);
  EXPECT_EQ(x_keysym(0x20ac), 0U);  // € is not Latin-1
  EXPECT_EQ(x_keysym(SDLK_AUDIOPLAY), 0U);
  EXPECT_EQ(x_keysym(SDLK_UNKNOWN), 0U);
}

TEST(SdlKeys, ModifierBits) {
  EXPECT_EQ(modifier_bits(KMOD_NONE), 0U);
  EXPECT_EQ(modifier_bits(KMOD_LSHIFT), input::kModShift);
  EXPECT_EQ(modifier_bits(KMOD_RSHIFT), input::kModShift);
  EXPECT_EQ(modifier_bits(KMOD_LCTRL | KMOD_RALT), input::kModCtrl | input::kModAlt);
  EXPECT_EQ(modifier_bits(KMOD_RGUI), input::kModSuper);
  EXPECT_EQ(modifier_bits(KMOD_CAPS | KMOD_NUM), input::kModCapsLock | input::kModNumLock);
  EXPECT_EQ(modifier_bits(KMOD_MODE), input::kModAltGr);
}

SDL_KeyboardEvent key(Uint32 type, SDL_Scancode scancode, SDL_Keycode sym, Uint16 mod = KMOD_NONE,
                      Uint8 repeat = 0) {
  SDL_KeyboardEvent k{};
  k.type = type;
  k.state = type == SDL_KEYDOWN ? SDL_PRESSED : SDL_RELEASED;
  k.repeat = repeat;
  k.keysym.scancode = scancode;
  k.keysym.sym = sym;
  k.keysym.mod = mod;
  return k;
}

TEST(SdlKeys, KeyEventsCarryScancodeKeysymAndModifiersAndRepeatsAreLeftOut) {
  const auto down = key_event(key(SDL_KEYDOWN, SDL_SCANCODE_A, SDLK_a, KMOD_LSHIFT));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->kind, input::EventKind::key);
  EXPECT_TRUE(down->pressed());
  EXPECT_EQ(down->code, 30);
  EXPECT_EQ(down->x, 0x61);
  EXPECT_EQ(down->y, 0);
  EXPECT_EQ(down->extra, input::kModShift);
  const auto up = key_event(key(SDL_KEYUP, SDL_SCANCODE_A, SDLK_a));
  ASSERT_TRUE(up);
  EXPECT_FALSE(up->pressed());
  EXPECT_EQ(up->code, 30);
  // Held down: the host repeats the key itself.
  EXPECT_FALSE(key_event(key(SDL_KEYDOWN, SDL_SCANCODE_A, SDLK_a, KMOD_NONE, 1)));
  // Neither a code nor a keysym: nothing to send.
  EXPECT_FALSE(key_event(key(SDL_KEYDOWN, SDL_SCANCODE_LANG9, SDLK_UNKNOWN)));
  // A keysym without a code in our table still goes (the host types it).
  const auto only_sym = key_event(key(SDL_KEYDOWN, SDL_SCANCODE_UNKNOWN, 0xe9));
  ASSERT_TRUE(only_sym);
  EXPECT_EQ(only_sym->code, 0);
  EXPECT_EQ(only_sym->x, 0xe9);
}

TEST(SdlLetterbox, ThePictureFitsWithItsAspectKept) {
  EXPECT_EQ(fit(640, 480, 640, 480), (Viewport{0, 0, 640, 480}));
  EXPECT_EQ(fit(1280, 960, 640, 480), (Viewport{0, 0, 1280, 960}));
  EXPECT_EQ(fit(1040, 720, 640, 480), (Viewport{40, 0, 960, 720}));       // bars left and right
  EXPECT_EQ(fit(1920, 1200, 1920, 1080), (Viewport{0, 60, 1920, 1080}));  // bars above and below
  EXPECT_EQ(fit(320, 480, 640, 480), (Viewport{0, 120, 320, 240}));
  EXPECT_EQ(fit(0, 480, 640, 480), Viewport{});
  EXPECT_EQ(fit(640, 480, 0, 0), Viewport{});
}

TEST(SdlLetterbox, WindowPointsMapToStreamPixels) {
  const Viewport same = fit(640, 480, 640, 480);
  EXPECT_EQ(to_stream(same, 0, 0, 640, 480), (Point{0, 0}));
  EXPECT_EQ(to_stream(same, 100, 200, 640, 480), (Point{100, 200}));
  EXPECT_EQ(to_stream(same, 639, 479, 640, 480), (Point{639, 479}));

  const Viewport wide = fit(1040, 720, 640, 480);  // 1.5×, 40-pixel bars left and right
  EXPECT_EQ(to_stream(wide, 190, 300, 640, 480), (Point{100, 200}));
  EXPECT_EQ(to_stream(wide, 40, 0, 640, 480), (Point{0, 0}));
  EXPECT_EQ(to_stream(wide, 999, 719, 640, 480), (Point{639, 479}));
  // On the bars and outside the window: the nearest edge.
  EXPECT_EQ(to_stream(wide, 10, 300, 640, 480), (Point{0, 200}));
  EXPECT_EQ(to_stream(wide, 1030, 300, 640, 480), (Point{639, 200}));
  EXPECT_EQ(to_stream(wide, -50, -50, 640, 480), (Point{0, 0}));
  EXPECT_EQ(to_stream(wide, 5000, 5000, 640, 480), (Point{639, 479}));

  const Viewport half = fit(960, 600, 1920, 1080);  // 0.5×, bars above and below
  EXPECT_EQ(half, (Viewport{0, 30, 960, 540}));
  EXPECT_EQ(to_stream(half, 480, 300, 1920, 1080), (Point{961, 541}));  // the centre pixel's middle
  EXPECT_EQ(to_stream(half, 0, 30, 1920, 1080), (Point{1, 1}));
  EXPECT_EQ(to_stream(half, 0, 0, 1920, 1080), (Point{1, 0}));  // on the bar above: the top row

  // Every stream pixel a window pixel maps to stays within ±1 of the exact scale.
  for (int x = 40; x < 1000; x += 7) {
    const Point p = to_stream(wide, x, 360, 640, 480);
    EXPECT_NEAR(p.x, (x - 40) / 1.5, 1.0) << x;
  }
  EXPECT_EQ(to_stream(Viewport{}, 10, 10, 640, 480), Point{});
}

TEST(SdlPointer, ButtonsWheelAndTouch) {
  EXPECT_EQ(mouse_button(SDL_BUTTON_LEFT), 1);
  EXPECT_EQ(mouse_button(SDL_BUTTON_MIDDLE), 2);
  EXPECT_EQ(mouse_button(SDL_BUTTON_RIGHT), 3);
  EXPECT_EQ(mouse_button(SDL_BUTTON_X1), 8);
  EXPECT_EQ(mouse_button(SDL_BUTTON_X2), 9);
  EXPECT_EQ(mouse_button(0), 0);
  EXPECT_EQ(mouse_button(6), 0);

  EXPECT_EQ(scroll_units(1.0F), 120);
  EXPECT_EQ(scroll_units(-1.0F), -120);
  EXPECT_EQ(scroll_units(0.5F), 60);
  EXPECT_EQ(scroll_units(0.25F), 30);
  EXPECT_EQ(scroll_units(0.0F), 0);
  EXPECT_EQ(scroll_units(3.0F), 360);

  EXPECT_EQ(touch_contact(0), 0);
  EXPECT_EQ(touch_contact(7), 7);
  EXPECT_EQ(touch_contact(12), 2);
  EXPECT_LT(touch_contact(-1), input::kMaxTouchContacts);
}

TEST(SdlPads, ButtonsAreWhatTheKernelsXpadDriverReportsForAnXbox360Pad) {
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_A), BTN_SOUTH);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_A), 0x130);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_B), BTN_EAST);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_X), BTN_X);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_X), 0x133);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_Y), BTN_Y);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_Y), 0x134);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_BACK), BTN_SELECT);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_START), BTN_START);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_GUIDE), BTN_MODE);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_LEFTSTICK), BTN_THUMBL);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_RIGHTSTICK), BTN_THUMBR);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_LEFTSHOULDER), BTN_TL);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_RIGHTSHOULDER), BTN_TR);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_DPAD_UP), 0);  // an axis on the wire
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_MISC1), 0);
  EXPECT_EQ(pad_button(SDL_CONTROLLER_BUTTON_PADDLE1), 0);
}

TEST(SdlPads, SticksPassThroughAndTriggersScaleTo255) {
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_LEFTX, -32768), (PadAxis{ABS_X, -32768}));
  // +y is down in both.
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_LEFTY, 32767), (PadAxis{ABS_Y, 32767}));
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_RIGHTX, 1234), (PadAxis{ABS_RX, 1234}));
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_RIGHTY, -5), (PadAxis{ABS_RY, -5}));
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_TRIGGERLEFT, 32767), (PadAxis{ABS_Z, 255}));
  EXPECT_EQ(pad_axis(SDL_CONTROLLER_AXIS_TRIGGERRIGHT, 0), (PadAxis{ABS_RZ, 0}));
  EXPECT_FALSE(pad_axis(SDL_CONTROLLER_AXIS_INVALID, 0));
  EXPECT_EQ(trigger_value(0), 0);
  EXPECT_EQ(trigger_value(32767), 255);
  EXPECT_EQ(trigger_value(16384), 128);
  EXPECT_EQ(trigger_value(128), 1);
  EXPECT_EQ(trigger_value(64), 0);
  EXPECT_EQ(trigger_value(-100), 0);
  for (int v = 0; v + 97 <= 32767; v += 97) {  // monotonic
    EXPECT_LE(trigger_value(static_cast<std::int16_t>(v)),
              trigger_value(static_cast<std::int16_t>(v + 97)));
  }
}

TEST(SdlPads, TheDpadIsTheHatAxes) {
  Dpad d;
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_LEFT, true), (PadAxis{ABS_HAT0X, -1}));
  // Both held: neither way.
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_RIGHT, true), (PadAxis{ABS_HAT0X, 0}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_LEFT, false), (PadAxis{ABS_HAT0X, 1}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_RIGHT, false), (PadAxis{ABS_HAT0X, 0}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_UP, true), (PadAxis{ABS_HAT0Y, -1}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_DOWN, true), (PadAxis{ABS_HAT0Y, 0}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_UP, false), (PadAxis{ABS_HAT0Y, 1}));
  EXPECT_EQ(d.change(SDL_CONTROLLER_BUTTON_DPAD_DOWN, false), (PadAxis{ABS_HAT0Y, 0}));
  EXPECT_FALSE(d.change(SDL_CONTROLLER_BUTTON_A, true));
}

}  // namespace
}  // namespace pf::client::sdl
