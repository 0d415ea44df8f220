// GameStream input: packets as a Moonlight client lays them out
// (moonlight-common-c Input.h, packed structs, written by InputStream.c for
// a generation-7 Sunshine-like host), decoded and translated into the
// project's input events. Each fixture names the client struct it mirrors.
#include "pf/gamestream/input.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

namespace pf::gamestream {
namespace {

using input::Event;
using input::EventKind;
using Packet = std::vector<std::uint8_t>;

constexpr DisplaySize kDisplay{1920, 1080};

Packet encoded(const InputPacket& p) {
  Packet out;
  append_input(p, out);
  return out;
}

struct Translated {
  Result<Translation> result;
  std::vector<Event> events;
};

Translated run(InputTranslator& t, const Packet& packet, DisplaySize display = kDisplay) {
  Translated out;
  out.result = t.translate(packet, display, out.events);
  EXPECT_LE(out.events.size(), kMaxEventsPerInputPacket);
  return out;
}

Event pad(EventKind kind, std::uint16_t code, std::int32_t value, bool pressed = false,
          std::int32_t index = 0) {
  return {kind, static_cast<std::uint8_t>(pressed ? 1 : 0), code, index, value, 0};
}

TEST(GameStreamInput, AKeyDownHasTheClientsLayout) {
  // NV_KEYBOARD_PACKET: BE32 size 10, LE32 magic 3, flags, LE16 keyCode
  // (VK 'A' with the 0x80 high byte some clients set), modifiers (shift), LE16 0.
  const Packet down = {0x00, 0x00, 0x00, 0x0A, 0x03, 0x00, 0x00,
                       0x00, 0x00, 0x41, 0x80, 0x01, 0x00, 0x00};
  const auto parsed = parse_input(down);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& k = std::get<KeyInput>(*parsed);
  EXPECT_TRUE(k.down);
  EXPECT_EQ(k.vk, 0x8041);
  EXPECT_EQ(k.modifiers, kGsModShift);
  EXPECT_EQ(encoded(k), down);

  InputTranslator t;
  auto r = run(t, down);
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->outcome, InputOutcome::events);
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::key, 1, KEY_A, 0, 0, input::kModShift}));

  // Key up (magic 4), right control with ctrl|alt|meta held.
  const Packet up = {0x00, 0x00, 0x00, 0x0A, 0x04, 0x00, 0x00,
                     0x00, 0x00, 0xA3, 0x00, 0x0E, 0x00, 0x00};
  r = run(t, up);
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::key, 0, KEY_RIGHTCTRL, 0, 0,
                                input::kModCtrl | input::kModAlt | input::kModSuper}));
}

TEST(GameStreamInput, VirtualKeysMapToEvdevPositions) {
  const std::uint16_t letters[] = {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
                                   KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
                                   KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
  for (std::uint16_t i = 0; i < 26; ++i) {
    EXPECT_EQ(evdev_key_of_vk(static_cast<std::uint16_t>('A' + i)), letters[i]) << char('A' + i);
  }
  EXPECT_EQ(evdev_key_of_vk('0'), KEY_0);
  EXPECT_EQ(evdev_key_of_vk('1'), KEY_1);
  EXPECT_EQ(evdev_key_of_vk('9'), KEY_9);
  EXPECT_EQ(evdev_key_of_vk(0x70), KEY_F1);
  EXPECT_EQ(evdev_key_of_vk(0x7B), KEY_F12);
  EXPECT_EQ(evdev_key_of_vk(0x7C), KEY_F13);
  EXPECT_EQ(evdev_key_of_vk(0x87), KEY_F24);
  EXPECT_EQ(evdev_key_of_vk(0x10), KEY_LEFTSHIFT);  // VK_SHIFT: no side given
  EXPECT_EQ(evdev_key_of_vk(0xA1), KEY_RIGHTSHIFT);
  EXPECT_EQ(evdev_key_of_vk(0xA5), KEY_RIGHTALT);
  EXPECT_EQ(evdev_key_of_vk(0x5B), KEY_LEFTMETA);
  EXPECT_EQ(evdev_key_of_vk(0x25), KEY_LEFT);
  EXPECT_EQ(evdev_key_of_vk(0x28), KEY_DOWN);
  EXPECT_EQ(evdev_key_of_vk(0x2E), KEY_DELETE);
  EXPECT_EQ(evdev_key_of_vk(0x2C), KEY_SYSRQ);
  EXPECT_EQ(evdev_key_of_vk(0x60), KEY_KP0);
  EXPECT_EQ(evdev_key_of_vk(0x69), KEY_KP9);
  EXPECT_EQ(evdev_key_of_vk(0x6F), KEY_KPSLASH);
  EXPECT_EQ(evdev_key_of_vk(0xBA), KEY_SEMICOLON);
  EXPECT_EQ(evdev_key_of_vk(0xC0), KEY_GRAVE);
  EXPECT_EQ(evdev_key_of_vk(0xDE), KEY_APOSTROPHE);
  EXPECT_EQ(evdev_key_of_vk(0xE2), KEY_102ND);
  EXPECT_EQ(evdev_key_of_vk(0x80BD), KEY_MINUS) << "the high byte is ignored";
  EXPECT_EQ(evdev_key_of_vk(0xFF), 0);
  EXPECT_EQ(evdev_key_of_vk(0x00), 0);

  InputTranslator t;
  const auto r = run(t, encoded(KeyInput{true, 0, 0xFF, 0}));
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->outcome, InputOutcome::unsupported);
  EXPECT_TRUE(r.events.empty());
}

TEST(GameStreamInput, RelativeMotionIsBigEndian) {
  // NV_REL_MOUSE_MOVE_PACKET, MOUSE_MOVE_REL_MAGIC_GEN5: BE16 dx −2, dy 5.
  const Packet move = {0x00, 0x00, 0x00, 0x08, 0x07, 0x00, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x05};
  InputTranslator t;
  const auto r = run(t, move);
  ASSERT_TRUE(r.result) << r.result.error().message;
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::mouse_move, 0, 0, -2, 5, 0}));
  EXPECT_EQ(encoded(MouseMoveInput{-2, 5}), move);
}

TEST(GameStreamInput, AbsolutePositionsScaleToTheDisplay) {
  // NV_ABS_MOUSE_MOVE_PACKET: BE16 x, y, 0, then width − 1 and height − 1
  // of a 1280×720 client: its bottom-right pixel.
  const Packet corner = {0x00, 0x00, 0x00, 0x0E, 0x05, 0x00, 0x00, 0x00, 0x04,
                         0xFF, 0x02, 0xCF, 0x00, 0x00, 0x04, 0xFF, 0x02, 0xCF};
  InputTranslator t;
  auto r = run(t, corner, {3840, 2160});
  ASSERT_TRUE(r.result) << r.result.error().message;
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::mouse_position, 0, 0, 3839, 2159, 0}));

  r = run(t, encoded(MousePositionInput{0, 0, 1279, 719}), {3840, 2160});
  EXPECT_EQ(r.events.at(0), (Event{EventKind::mouse_position, 0, 0, 0, 0, 0}));
  r = run(t, encoded(MousePositionInput{640, 360, 1279, 719}), {1280, 720});
  EXPECT_EQ(r.events.at(0), (Event{EventKind::mouse_position, 0, 0, 640, 360, 0}))
      << "same size: unchanged";
  r = run(t, encoded(MousePositionInput{-5, 2000, 1279, 719}), {1920, 1080});
  EXPECT_EQ(r.events.at(0), (Event{EventKind::mouse_position, 0, 0, 0, 1079, 0}))
      << "clamped to the display";

  EXPECT_EQ(t.translate(corner, {0, 0}, r.events).error().code, Errc::invalid_argument);
  EXPECT_EQ(t.translate(corner, {kMaxDisplayPx + 1, 1080}, r.events).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(parse_input(encoded(MousePositionInput{1, 1, 0, 719})).error().code, Errc::malformed);
  EXPECT_EQ(scale_position(959, 1919, 3840), 1918);
}

TEST(GameStreamInput, MouseButtonsAndScrollFollowTheClient) {
  // NV_MOUSE_BUTTON_PACKET: magic BUTTON_ACTION_PRESS + 1 = 8, button X1 (4).
  const Packet x1_down = {0x00, 0x00, 0x00, 0x05, 0x08, 0x00, 0x00, 0x00, 0x04};
  InputTranslator t;
  auto r = run(t, x1_down);
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.events.at(0), (Event{EventKind::mouse_button, 1, 8, 0, 0, 0}));
  r = run(t, encoded(MouseButtonInput{false, 3}));
  EXPECT_EQ(r.events.at(0), (Event{EventKind::mouse_button, 0, 3, 0, 0, 0}));
  r = run(t, encoded(MouseButtonInput{true, 6}));
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->outcome, InputOutcome::unsupported);

  // NV_SCROLL_PACKET, SCROLL_MAGIC_GEN5: BE16 120 twice, then 0: one notch up.
  const Packet up = {0x00, 0x00, 0x00, 0x0A, 0x0A, 0x00, 0x00,
                     0x00, 0x00, 0x78, 0x00, 0x78, 0x00, 0x00};
  r = run(t, up);
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.events.at(0), (Event{EventKind::scroll, 0, 0, 0, 120, 0}));
  EXPECT_EQ(encoded(ScrollInput{120, false}), up);
  // SS_HSCROLL_PACKET: BE16 −60 (half a notch left).
  const Packet left = {0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x55, 0xFF, 0xC4};
  r = run(t, left);
  ASSERT_TRUE(r.result) << r.result.error().message;
  EXPECT_EQ(r.events.at(0), (Event{EventKind::scroll, 0, 0, -60, 0, 0}));
  EXPECT_EQ(encoded(ScrollInput{-60, true}), left);
}

TEST(GameStreamInput, TextBecomesTextEvents) {
  // NV_UNICODE_PACKET as sent: one code point, size = 4 + its bytes ("é").
  const Packet e_acute = {0x00, 0x00, 0x00, 0x06, 0x17, 0x00, 0x00, 0x00, 0xC3, 0xA9};
  InputTranslator t;
  auto r = run(t, e_acute);
  ASSERT_TRUE(r.result) << r.result.error().message;
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0].kind, EventKind::text);
  EXPECT_EQ(input::text_of(r.events[0]), "\xC3\xA9");

  const std::string long_text =
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80";
  ASSERT_EQ(long_text.size(), kMaxTextBytes);
  r = run(t, encoded(TextInput{Bytes(reinterpret_cast<const std::uint8_t*>(long_text.data()),
                                     long_text.size())}));
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.events.size(), 3U);

  const Packet broken = {0x00, 0x00, 0x00, 0x05, 0x17, 0x00, 0x00, 0x00, 0xC3};
  r = run(t, broken);
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().code, Errc::malformed);
  EXPECT_TRUE(r.events.empty());
  const Packet too_long(kMaxTextBytes + 1, 'a');
  EXPECT_EQ(parse_input(encoded(TextInput{too_long})).error().code, Errc::malformed);
}

// NV_MULTI_CONTROLLER_PACKET (MULTI_CONTROLLER_MAGIC_GEN5, size 30): LE16
// 0x1A, pad 1, mask 0b11, LE16 0x14, buttons A|UP (0x1001), LT 255, RT 0,
// LX 0, LY 32767 (up), RX −32768, RY −32768 (down), LE16 0x9C, buttons2 0, LE16 0x55.
const Packet kPadOne = {0x00, 0x00, 0x00, 0x1E, 0x0C, 0x00, 0x00, 0x00, 0x1A, 0x00, 0x01, 0x00,
                        0x03, 0x00, 0x14, 0x00, 0x01, 0x10, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x7F,
                        0x00, 0x80, 0x00, 0x80, 0x9C, 0x00, 0x00, 0x00, 0x55, 0x00};

TEST(GameStreamInput, AGamepadPacketBecomesOnlyItsChanges) {
  const auto parsed = parse_input(kPadOne);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& s = std::get<GamepadState>(*parsed);
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.active_mask, 3);
  EXPECT_EQ(encoded(s), kPadOne);

  InputTranslator t;
  // SS_CONTROLLER_ARRIVAL_PACKET: pad 1, Xbox, capabilities rumble|analog triggers, buttons.
  const Packet arrival = {0x00, 0x00, 0x00, 0x0C, 0x04, 0x00, 0x00, 0x55,
                          0x01, 0x01, 0x03, 0x00, 0xFF, 0xFF, 0x00, 0x00};
  auto r = run(t, arrival);
  ASSERT_TRUE(r.result) << r.result.error().message;
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::pad_arrival, 1, 1, 1, 0, input::kPadRumble}));
  EXPECT_TRUE(t.pad_connected(1));
  EXPECT_TRUE(run(t, arrival).events.empty()) << "a second arrival changes nothing";

  r = run(t, kPadOne);
  ASSERT_TRUE(r.result) << r.result.error().message;
  const std::vector<Event> expected = {
      pad(EventKind::pad_button, BTN_A, 0, true, 1),
      pad(EventKind::pad_axis, ABS_HAT0Y, -1, false, 1),
      pad(EventKind::pad_axis, ABS_Z, 255, false, 1),
      pad(EventKind::pad_axis, ABS_Y, -32767, false, 1),  // up is −y for evdev
      pad(EventKind::pad_axis, ABS_RX, -32768, false, 1),
      pad(EventKind::pad_axis, ABS_RY, 32767, false, 1),  // −32768 (down) flips to the largest +y
  };
  EXPECT_EQ(r.events, expected);
  EXPECT_TRUE(run(t, kPadOne).events.empty()) << "the same state again: nothing";

  GamepadState next = s;
  next.buttons = pad_button::kB | pad_button::kRight | pad_button::kGuide | pad_button::kPaddle1;
  next.left_trigger = 0;
  r = run(t, encoded(next));
  const std::vector<Event> changed = {
      pad(EventKind::pad_button, BTN_A, 0, false, 1),
      pad(EventKind::pad_button, BTN_B, 0, true, 1),
      pad(EventKind::pad_button, BTN_MODE, 0, true, 1),
      pad(EventKind::pad_axis, ABS_HAT0X, 1, false, 1),
      pad(EventKind::pad_axis, ABS_HAT0Y, 0, false, 1),
      pad(EventKind::pad_axis, ABS_Z, 0, false, 1),
  };
  EXPECT_EQ(r.events, changed) << "the paddle (no Xbox 360 button) is dropped";

  // Removal: the pad's own bit cleared in the mask.
  GamepadState gone{};
  gone.index = 1;
  gone.active_mask = 0b01;
  r = run(t, encoded(gone));
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0], (Event{EventKind::pad_arrival, 0, 1, 1, 0, 0}));
  EXPECT_FALSE(t.pad_connected(1));
  EXPECT_TRUE(run(t, encoded(gone)).events.empty());
}

TEST(GameStreamInput, AGamepadWithoutAnArrivalPacketArrivesImplicitly) {
  InputTranslator t;
  GamepadState s{};
  s.index = 0;
  s.active_mask = 1;
  auto r = run(t, encoded(s));
  ASSERT_EQ(r.events.size(), 1U) << "all neutral: only the arrival";
  EXPECT_EQ(r.events[0], (Event{EventKind::pad_arrival, 1, 1, 0, 0, input::kPadRumble}));

  // Everything at once: at most kMaxEventsPerInputPacket events.
  InputTranslator fresh;
  s.index = 15;
  s.active_mask = 0x8000;
  s.buttons = 0xFFFF;
  s.left_trigger = s.right_trigger = 1;
  s.left_x = s.left_y = s.right_x = s.right_y = 7;
  r = run(fresh, encoded(s));
  EXPECT_EQ(r.events.size(), 1U + 11 + 4 + 2) << "up+down and left+right cancel on the hats";
  std::vector<Event> released;
  fresh.release_all(released);
  ASSERT_EQ(released.size(), 1U);
  EXPECT_EQ(released[0], (Event{EventKind::pad_arrival, 0, 1, 15, 0, 0}));

  s.index = 16;
  EXPECT_EQ(parse_input(encoded(s)).error().code, Errc::malformed);
}

TEST(GameStreamInput, TouchesTakeContactSlotsInDisplayPixels) {
  InputTranslator t;
  // SS_TOUCH_PACKET: event DOWN, 0, LE16 rotation, LE32 pointer 0x1234,
  // LE floats x 0.5, y 0.25, pressure 1, contact area 0, 0.
  const Packet down = {0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x55, 0x01, 0x00, 0xFF, 0xFF,
                       0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x80, 0x3E,
                       0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  auto r = run(t, down);
  ASSERT_TRUE(r.result) << r.result.error().message;
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_EQ(r.events[0],
            (Event{EventKind::touch, 1, 0, 960, 270, 0}));  // lround(0.5·1919), lround(0.25·1079)

  const auto touch = [](TouchEventType type, std::uint32_t id, float x, float y) {
    TouchInput in;
    in.type = type;
    in.pointer_id = id;
    in.x = x;
    in.y = y;
    return encoded(in);
  };
  r = run(t, touch(TouchEventType::down, 99, 0.0F, 1.0F));
  EXPECT_EQ(r.events.at(0), (Event{EventKind::touch, 1, 1, 0, 1079, 0}))
      << "a second finger: slot 1";
  r = run(t, touch(TouchEventType::move, 0x1234, 2.0F, -1.0F));
  EXPECT_EQ(r.events.at(0), (Event{EventKind::touch, 1, 0, 1919, 0, 0})) << "clamped";
  r = run(t, touch(TouchEventType::up, 0x1234, 0.0F, 0.0F));
  EXPECT_EQ(r.events.at(0), (Event{EventKind::touch, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(run(t, touch(TouchEventType::up, 0x1234, 0.0F, 0.0F)).events.empty())
      << "already lifted";

  for (std::uint32_t id = 200; id < 209; ++id) {
    ASSERT_EQ(run(t, touch(TouchEventType::down, id, 0.1F, 0.1F)).events.size(), 1U);
  }
  r = run(t, touch(TouchEventType::down, 300, 0.1F, 0.1F));
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->outcome, InputOutcome::unsupported) << "an eleventh finger";
  r = run(t, touch(TouchEventType::cancel, 99, 0.7F, 0.7F));
  EXPECT_EQ(r.events.at(0), (Event{EventKind::touch, 0, 1, 0, 1079, 0}))
      << "cancelled where it was";
  r = run(t, touch(TouchEventType::cancel_all, 0, 0, 0));
  EXPECT_EQ(r.events.size(), 9U);
  r = run(t, touch(TouchEventType::hover, 5, 0.5F, 0.5F));
  EXPECT_EQ(r.result->outcome, InputOutcome::unsupported);

  EXPECT_EQ(t.translate(down, {0, 0}, r.events).error().code, Errc::invalid_argument);
  Packet nan_touch = down;
  nan_touch[16] = 0xFF;  // x's bytes become a NaN
  nan_touch[17] = 0xFF;
  nan_touch[18] = 0xFF;
  nan_touch[19] = 0x7F;
  EXPECT_EQ(parse_input(nan_touch).error().code, Errc::malformed);
  Packet bad_type = down;
  bad_type[8] = 8;
  EXPECT_EQ(parse_input(bad_type).error().code, Errc::malformed);
}

TEST(GameStreamInput, UnsupportedKindsAreReportedNotRefused) {
  InputTranslator t;
  // NV_HAPTICS_PACKET: size 6, magic 0x0D, LE16 1.
  const Packet haptics = {0x00, 0x00, 0x00, 0x06, 0x0D, 0x00, 0x00, 0x00, 0x01, 0x00};
  auto r = run(t, haptics);
  ASSERT_TRUE(r.result) << r.result.error().message;
  EXPECT_EQ(r.result->outcome, InputOutcome::unsupported);
  EXPECT_EQ(r.result->what, "haptics");
  // SS_PEN_PACKET (28), SS_CONTROLLER_TOUCH_PACKET (20), _MOTION_ (16), _BATTERY_ (4).
  const std::pair<std::uint32_t, std::size_t> kinds[] = {{input_magic::kPen, 28},
                                                         {input_magic::kGamepadTouch, 20},
                                                         {input_magic::kGamepadMotion, 16},
                                                         {input_magic::kGamepadBattery, 4}};
  for (const auto& [magic, body] : kinds) {
    const Packet bytes(body, 0);
    r = run(t, encoded(UnsupportedInput{magic, bytes}));
    ASSERT_TRUE(r.result) << input_kind_name(magic);
    EXPECT_EQ(r.result->outcome, InputOutcome::unsupported);
    EXPECT_EQ(r.result->what, input_kind_name(magic));
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(
        run(t, encoded(UnsupportedInput{magic, Bytes(bytes).first(body - 1)})).result.error().code,
        Errc::malformed)
        << input_kind_name(magic) << " one byte short";
  }
}

TEST(GameStreamInput, MalformedPacketsAreRefusedByName) {
  InputTranslator t;
  const Packet key = encoded(KeyInput{true, 0, 0x41, 0});
  // The size field must match the bytes.
  Packet lying = key;
  lying[3] += 1;
  auto r = run(t, lying);
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().code, Errc::malformed);
  Packet extra = key;
  extra.push_back(0);
  EXPECT_FALSE(run(t, extra).result);
  for (std::size_t n = 0; n < 8; ++n) {
    EXPECT_FALSE(run(t, Packet(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(n))).result)
        << n;
  }
  // An unknown magic (the pre-generation-5 relative mouse move among them).
  const Packet old_move = {0x00, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01};
  r = run(t, old_move);
  ASSERT_FALSE(r.result);
  EXPECT_NE(r.result.error().message.find("magic"), std::string::npos);
  // Every known kind one byte short of its struct.
  const InputPacket samples[] = {
      KeyInput{},         MouseMoveInput{},      MousePositionInput{1, 1, 9, 9},
      MouseButtonInput{}, ScrollInput{1, false}, ScrollInput{1, true},
      GamepadState{},     GamepadArrival{},      TouchInput{},
      HapticsInput{}};
  for (const auto& sample : samples) {
    Packet p = encoded(sample);
    p.pop_back();
    p[3] -= 1;
    const auto parsed = parse_input(p);
    ASSERT_FALSE(parsed) << p.size();
    EXPECT_NE(parsed.error().message.find("needs"), std::string::npos) << parsed.error().message;
  }
  Packet huge(kMaxInputPacketBytes + 1, 0);
  EXPECT_EQ(parse_input(huge).error().code, Errc::overflow);
}

TEST(GameStreamInput, EveryDecodedPacketEncodesBackToItsBytes) {
  const std::uint8_t text[] = {'h', 'i'};
  const InputPacket samples[] = {KeyInput{false, 1, 0x1B, 0x0F},
                                 MouseMoveInput{-32768, 32767},
                                 MousePositionInput{10, 20, 1919, 1079},
                                 MouseButtonInput{true, 2},
                                 ScrollInput{-240, false},
                                 ScrollInput{240, true},
                                 TextInput{text},
                                 GamepadArrival{3, 2, 0x1FF, 0xFFFFFFFF},
                                 HapticsInput{true}};
  for (const auto& sample : samples) {
    const Packet bytes = encoded(sample);
    const auto back = parse_input(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->index(), sample.index());
    EXPECT_EQ(encoded(*back), bytes);
  }
}

}  // namespace
}  // namespace pf::gamestream
