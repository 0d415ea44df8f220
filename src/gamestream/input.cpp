#include "pf/gamestream/input.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string_view>

#include <linux/input-event-codes.h>

#include "append.hpp"

namespace pf::gamestream {

using detail::Overload;
using detail::put_bytes;
using detail::put_u16be;
using detail::put_u16le;
using detail::put_u32be;
using detail::put_u32le;

namespace {

// Body sizes of the client's packed structs, less NV_INPUT_HEADER (Input.h).
constexpr std::size_t kKeyBody = 6;             // NV_KEYBOARD_PACKET
constexpr std::size_t kMouseMoveBody = 4;       // NV_REL_MOUSE_MOVE_PACKET
constexpr std::size_t kMousePositionBody = 10;  // NV_ABS_MOUSE_MOVE_PACKET
constexpr std::size_t kMouseButtonBody = 1;     // NV_MOUSE_BUTTON_PACKET
constexpr std::size_t kScrollBody = 6;          // NV_SCROLL_PACKET
constexpr std::size_t kHScrollBody = 2;         // SS_HSCROLL_PACKET
constexpr std::size_t kGamepadBody = 26;        // NV_MULTI_CONTROLLER_PACKET
constexpr std::size_t kArrivalBody = 8;         // SS_CONTROLLER_ARRIVAL_PACKET
constexpr std::size_t kTouchBody = 28;          // SS_TOUCH_PACKET
constexpr std::size_t kHapticsBody = 2;         // NV_HAPTICS_PACKET
constexpr std::size_t kPenBody = 28;            // SS_PEN_PACKET
constexpr std::size_t kPadTouchBody = 20;       // SS_CONTROLLER_TOUCH_PACKET
constexpr std::size_t kPadMotionBody = 16;      // SS_CONTROLLER_MOTION_PACKET
constexpr std::size_t kPadBatteryBody = 4;      // SS_CONTROLLER_BATTERY_PACKET

// The constants the client writes around a gamepad's fields.
constexpr std::uint16_t kGamepadHeaderB = 0x001A;
constexpr std::uint16_t kGamepadMidB = 0x0014;
constexpr std::uint16_t kGamepadTailA = 0x009C;
constexpr std::uint16_t kGamepadTailB = 0x0055;

constexpr std::uint32_t kCapRumble = 0x02;  // LI_CCAP_RUMBLE

[[nodiscard]] tl::unexpected<Error> short_body(std::uint32_t magic, std::size_t need,
                                               std::size_t got) {
  return fail(Errc::malformed, "input: a {} packet needs {} body bytes, got {}",
              input_kind_name(magic), need, got);
}

[[nodiscard]] float netfloat(SpanReader& r) noexcept {
  return std::bit_cast<float>(r.u32le());
}

void put_netfloat(std::vector<std::uint8_t>& out, float v) {
  put_u32le(out, std::bit_cast<std::uint32_t>(v));
}

[[nodiscard]] std::size_t min_body(std::uint32_t magic) noexcept {
  switch (magic) {
    case input_magic::kKeyDown:
    case input_magic::kKeyUp: return kKeyBody;
    case input_magic::kMouseMove: return kMouseMoveBody;
    case input_magic::kMousePosition: return kMousePositionBody;
    case input_magic::kMouseButtonDown:
    case input_magic::kMouseButtonUp: return kMouseButtonBody;
    case input_magic::kScroll: return kScrollBody;
    case input_magic::kHScroll: return kHScrollBody;
    case input_magic::kGamepad: return kGamepadBody;
    case input_magic::kGamepadArrival: return kArrivalBody;
    case input_magic::kTouch: return kTouchBody;
    case input_magic::kEnableHaptics: return kHapticsBody;
    case input_magic::kPen: return kPenBody;
    case input_magic::kGamepadTouch: return kPadTouchBody;
    case input_magic::kGamepadMotion: return kPadMotionBody;
    case input_magic::kGamepadBattery: return kPadBatteryBody;
    default: return 0;
  }
}

Result<InputPacket> parse_body(std::uint32_t magic, Bytes body) {
  SpanReader r(body);
  switch (magic) {
    case input_magic::kKeyDown:
    case input_magic::kKeyUp: {
      KeyInput k;
      k.down = magic == input_magic::kKeyDown;
      k.flags = r.u8();
      k.vk = r.u16le();
      k.modifiers = r.u8();
      return k;
    }
    case input_magic::kMouseMove: {
      MouseMoveInput m;
      m.dx = static_cast<std::int16_t>(r.u16be());
      m.dy = static_cast<std::int16_t>(r.u16be());
      return m;
    }
    case input_magic::kMousePosition: {
      MousePositionInput p;
      p.x = static_cast<std::int16_t>(r.u16be());
      p.y = static_cast<std::int16_t>(r.u16be());
      r.skip(2);
      p.reference_width = static_cast<std::int16_t>(r.u16be());
      p.reference_height = static_cast<std::int16_t>(r.u16be());
      if (p.reference_width <= 0 || p.reference_height <= 0) {
        return fail(Errc::malformed, "input: an absolute position against a {}x{} reference",
                    p.reference_width, p.reference_height);
      }
      return p;
    }
    case input_magic::kMouseButtonDown:
    case input_magic::kMouseButtonUp:
      return MouseButtonInput{magic == input_magic::kMouseButtonDown, r.u8()};
    case input_magic::kScroll: return ScrollInput{static_cast<std::int16_t>(r.u16be()), false};
    case input_magic::kHScroll: return ScrollInput{static_cast<std::int16_t>(r.u16be()), true};
    case input_magic::kText:
      if (body.size() > kMaxTextBytes) {
        return fail(Errc::malformed, "input: {} bytes of text (at most {})", body.size(),
                    kMaxTextBytes);
      }
      return TextInput{body};
    case input_magic::kGamepad: {
      GamepadState s;
      r.skip(2);  // headerB
      s.index = r.u16le();
      s.active_mask = r.u16le();
      r.skip(2);  // midB
      s.buttons = r.u16le();
      s.left_trigger = r.u8();
      s.right_trigger = r.u8();
      s.left_x = static_cast<std::int16_t>(r.u16le());
      s.left_y = static_cast<std::int16_t>(r.u16le());
      s.right_x = static_cast<std::int16_t>(r.u16le());
      s.right_y = static_cast<std::int16_t>(r.u16le());
      r.skip(2);  // tailA
      s.buttons |= std::uint32_t{r.u16le()} << 16;
      if (s.index >= kMaxGamepads) {
        return fail(Errc::malformed, "input: gamepad {} (at most {})", s.index, kMaxGamepads - 1);
      }
      return s;
    }
    case input_magic::kGamepadArrival: {
      GamepadArrival a;
      a.index = r.u8();
      a.type = r.u8();
      a.capabilities = r.u16le();
      a.supported_buttons = r.u32le();
      if (a.index >= kMaxGamepads) {
        return fail(Errc::malformed, "input: gamepad {} arrived (at most {})", a.index,
                    kMaxGamepads - 1);
      }
      return a;
    }
    case input_magic::kTouch: {
      TouchInput t;
      const std::uint8_t type = r.u8();
      r.skip(1);
      t.rotation = r.u16le();
      t.pointer_id = r.u32le();
      t.x = netfloat(r);
      t.y = netfloat(r);
      t.pressure = netfloat(r);
      if (type > static_cast<std::uint8_t>(TouchEventType::cancel_all)) {
        return fail(Errc::malformed, "input: touch event type {}", type);
      }
      if (!std::isfinite(t.x) || !std::isfinite(t.y) || !std::isfinite(t.pressure)) {
        return fail(Errc::malformed, "input: a touch at a position that is not a number");
      }
      t.type = static_cast<TouchEventType>(type);
      return t;
    }
    case input_magic::kEnableHaptics: return HapticsInput{r.u16le() != 0};
    case input_magic::kPen:
    case input_magic::kGamepadTouch:
    case input_magic::kGamepadMotion:
    case input_magic::kGamepadBattery: return UnsupportedInput{magic, body};
    default: return fail(Errc::malformed, "input: unknown magic {:#010x}", magic);
  }
}

[[nodiscard]] input::Event pad_event(input::EventKind kind, std::uint16_t index, std::uint16_t code,
                                     std::int32_t value, bool pressed) noexcept {
  input::Event e;
  e.kind = kind;
  e.flags = pressed ? 1 : 0;
  e.code = code;
  e.x = index;
  e.y = value;
  return e;
}

[[nodiscard]] input::Event arrival_event(std::uint16_t index, bool connected,
                                         std::uint32_t caps) noexcept {
  input::Event e = pad_event(input::EventKind::pad_arrival, index,
                             static_cast<std::uint16_t>(input::PadType::xbox360), 0, connected);
  e.y = 0;
  e.extra = caps;
  return e;
}

/// evdev's Y axes point down, XInput's (and the client's) up.
[[nodiscard]] std::int32_t flip_y(std::int16_t v) noexcept {
  return v == INT16_MIN ? INT16_MAX : -v;
}

[[nodiscard]] std::int32_t hat(std::uint32_t buttons, std::uint32_t negative,
                               std::uint32_t positive) noexcept {
  return ((buttons & positive) != 0 ? 1 : 0) - ((buttons & negative) != 0 ? 1 : 0);
}

struct ButtonCode {
  std::uint32_t bit;
  std::uint16_t code;
};
constexpr ButtonCode kPadButtons[] = {
    {pad_button::kA, BTN_A},
    {pad_button::kB, BTN_B},
    {pad_button::kX, BTN_X},
    {pad_button::kY, BTN_Y},
    {pad_button::kLeftShoulder, BTN_TL},
    {pad_button::kRightShoulder, BTN_TR},
    {pad_button::kBack, BTN_SELECT},
    {pad_button::kStart, BTN_START},
    {pad_button::kGuide, BTN_MODE},
    {pad_button::kLeftStick, BTN_THUMBL},
    {pad_button::kRightStick, BTN_THUMBR},
};

[[nodiscard]] std::uint16_t mouse_button_code(std::uint8_t button) noexcept {
  switch (button) {
    case 1: return 1;  // left
    case 2: return 2;  // middle
    case 3: return 3;  // right
    case 4: return 8;  // X1: back
    case 5: return 9;  // X2: forward
    default: return 0;
  }
}

[[nodiscard]] std::int32_t touch_px(float v, std::uint32_t display_px) noexcept {
  const double clamped = std::clamp(static_cast<double>(v), 0.0, 1.0);
  return static_cast<std::int32_t>(std::lround(clamped * static_cast<double>(display_px - 1)));
}

[[nodiscard]] bool usable(DisplaySize d) noexcept {
  return d.width_px != 0 && d.height_px != 0 && d.width_px <= kMaxDisplayPx &&
         d.height_px <= kMaxDisplayPx;
}

[[nodiscard]] Translation events() noexcept {
  return {InputOutcome::events, {}};
}
[[nodiscard]] Translation unsupported(std::string_view what) noexcept {
  return {InputOutcome::unsupported, what};
}

}  // namespace

std::string_view input_kind_name(std::uint32_t magic) noexcept {
  switch (magic) {
    case input_magic::kKeyDown: return "key down";
    case input_magic::kKeyUp: return "key up";
    case input_magic::kMouseMove: return "mouse move";
    case input_magic::kMousePosition: return "mouse position";
    case input_magic::kMouseButtonDown: return "mouse button down";
    case input_magic::kMouseButtonUp: return "mouse button up";
    case input_magic::kScroll: return "scroll";
    case input_magic::kHScroll: return "horizontal scroll";
    case input_magic::kText: return "text";
    case input_magic::kGamepad: return "gamepad";
    case input_magic::kGamepadArrival: return "gamepad arrival";
    case input_magic::kTouch: return "touch";
    case input_magic::kEnableHaptics: return "haptics";
    case input_magic::kPen: return "pen";
    case input_magic::kGamepadTouch: return "gamepad touchpad";
    case input_magic::kGamepadMotion: return "gamepad motion";
    case input_magic::kGamepadBattery: return "gamepad battery";
    default: return "unknown";
  }
}

Result<InputPacket> parse_input(Bytes packet) {
  if (packet.size() > kMaxInputPacketBytes) {
    return fail(Errc::overflow, "input: a packet of {} bytes (at most {})", packet.size(),
                kMaxInputPacketBytes);
  }
  SpanReader r(packet);
  const std::uint32_t size = r.u32be();
  const std::uint32_t magic = r.u32le();
  if (!r.ok()) {
    return fail(Errc::malformed, "input: a packet of {} bytes is shorter than its header",
                packet.size());
  }
  if (std::size_t{size} != packet.size() - 4) {
    return fail(Errc::malformed, "input: the size field says {} bytes, {} follow it", size,
                packet.size() - 4);
  }
  const Bytes body = r.rest();
  if (const std::size_t need = min_body(magic); body.size() < need) {
    return short_body(magic, need, body.size());
  }
  return parse_body(magic, body);
}

void append_input(const InputPacket& packet, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  put_u32be(out, 0);  // the size, filled in below
  std::visit(Overload{
                 [&](const KeyInput& k) {
                   put_u32le(out, k.down ? input_magic::kKeyDown : input_magic::kKeyUp);
                   out.push_back(k.flags);
                   put_u16le(out, k.vk);
                   out.push_back(k.modifiers);
                   put_u16le(out, 0);
                 },
                 [&](const MouseMoveInput& m) {
                   put_u32le(out, input_magic::kMouseMove);
                   put_u16be(out, static_cast<std::uint16_t>(m.dx));
                   put_u16be(out, static_cast<std::uint16_t>(m.dy));
                 },
                 [&](const MousePositionInput& p) {
                   put_u32le(out, input_magic::kMousePosition);
                   put_u16be(out, static_cast<std::uint16_t>(p.x));
                   put_u16be(out, static_cast<std::uint16_t>(p.y));
                   put_u16be(out, 0);
                   put_u16be(out, static_cast<std::uint16_t>(p.reference_width));
                   put_u16be(out, static_cast<std::uint16_t>(p.reference_height));
                 },
                 [&](const MouseButtonInput& b) {
                   put_u32le(out,
                             b.down ? input_magic::kMouseButtonDown : input_magic::kMouseButtonUp);
                   out.push_back(b.button);
                 },
                 [&](const ScrollInput& s) {
                   const auto amount = static_cast<std::uint16_t>(s.amount);
                   put_u32le(out, s.horizontal ? input_magic::kHScroll : input_magic::kScroll);
                   put_u16be(out, amount);
                   if (!s.horizontal) {
                     put_u16be(out, amount);
                     put_u16be(out, 0);
                   }
                 },
                 [&](const TextInput& t) {
                   put_u32le(out, input_magic::kText);
                   put_bytes(out, t.utf8);
                 },
                 [&](const GamepadState& s) {
                   put_u32le(out, input_magic::kGamepad);
                   put_u16le(out, kGamepadHeaderB);
                   put_u16le(out, s.index);
                   put_u16le(out, s.active_mask);
                   put_u16le(out, kGamepadMidB);
                   put_u16le(out, static_cast<std::uint16_t>(s.buttons));
                   out.push_back(s.left_trigger);
                   out.push_back(s.right_trigger);
                   put_u16le(out, static_cast<std::uint16_t>(s.left_x));
                   put_u16le(out, static_cast<std::uint16_t>(s.left_y));
                   put_u16le(out, static_cast<std::uint16_t>(s.right_x));
                   put_u16le(out, static_cast<std::uint16_t>(s.right_y));
                   put_u16le(out, kGamepadTailA);
                   put_u16le(out, static_cast<std::uint16_t>(s.buttons >> 16));
                   put_u16le(out, kGamepadTailB);
                 },
                 [&](const GamepadArrival& a) {
                   put_u32le(out, input_magic::kGamepadArrival);
                   out.push_back(a.index);
                   out.push_back(a.type);
                   put_u16le(out, a.capabilities);
                   put_u32le(out, a.supported_buttons);
                 },
                 [&](const TouchInput& t) {
                   put_u32le(out, input_magic::kTouch);
                   out.push_back(static_cast<std::uint8_t>(t.type));
                   out.push_back(0);
                   put_u16le(out, t.rotation);
                   put_u32le(out, t.pointer_id);
                   put_netfloat(out, t.x);
                   put_netfloat(out, t.y);
                   put_netfloat(out, t.pressure);
                   put_netfloat(out, 0);  // contact area, major and minor: unknown
                   put_netfloat(out, 0);
                 },
                 [&](const HapticsInput& h) {
                   put_u32le(out, input_magic::kEnableHaptics);
                   put_u16le(out, h.enable ? 1 : 0);
                 },
                 [&](const UnsupportedInput& u) {
                   put_u32le(out, u.magic);
                   put_bytes(out, u.body);
                 },
             },
             packet);
  const auto size = static_cast<std::uint32_t>(out.size() - start - 4);
  for (std::size_t i = 0; i < 4; ++i) {
    out[start + i] = static_cast<std::uint8_t>(size >> (24 - 8 * i));
  }
}

std::int32_t scale_position(std::int32_t x, std::int32_t reference,
                            std::uint32_t display_px) noexcept {
  if (reference <= 0 || display_px == 0) {
    return 0;
  }
  // The client sends its width − 1 as the reference, so x = reference is
  // its last column: it lands on the display's last column.
  const std::int64_t clamped = std::clamp<std::int64_t>(x, 0, reference);
  const std::int64_t last = std::int64_t{display_px} - 1;
  return static_cast<std::int32_t>((clamped * last + reference / 2) / reference);
}

// ---- InputTranslator --------------------------------------------------------

Result<Translation> InputTranslator::translate(Bytes packet, DisplaySize display,
                                               std::vector<input::Event>& out) {
  auto parsed = parse_input(packet);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  return std::visit(
      Overload{
          [&](const KeyInput& k) -> Result<Translation> {
            const std::uint16_t code = evdev_key_of_vk(k.vk);
            if (code == 0) {
              return unsupported("key without an evdev code");
            }
            input::Event e;
            e.kind = input::EventKind::key;
            e.flags = k.down ? 1 : 0;
            e.code = code;
            e.extra = ((k.modifiers & kGsModShift) != 0 ? input::kModShift : 0U) |
                      ((k.modifiers & kGsModCtrl) != 0 ? input::kModCtrl : 0U) |
                      ((k.modifiers & kGsModAlt) != 0 ? input::kModAlt : 0U) |
                      ((k.modifiers & kGsModMeta) != 0 ? input::kModSuper : 0U);
            out.push_back(e);
            return events();
          },
          [&](const MouseMoveInput& m) -> Result<Translation> {
            if (m.dx != 0 || m.dy != 0) {
              out.push_back({input::EventKind::mouse_move, 0, 0, m.dx, m.dy, 0});
            }
            return events();
          },
          [&](const MousePositionInput& p) -> Result<Translation> {
            if (!usable(display)) {
              return fail(Errc::invalid_argument, "input: an absolute position on a {}x{} display",
                          display.width_px, display.height_px);
            }
            out.push_back({input::EventKind::mouse_position, 0, 0,
                           scale_position(p.x, p.reference_width, display.width_px),
                           scale_position(p.y, p.reference_height, display.height_px), 0});
            return events();
          },
          [&](const MouseButtonInput& b) -> Result<Translation> {
            const std::uint16_t code = mouse_button_code(b.button);
            if (code == 0) {
              return unsupported("mouse button past X2");
            }
            out.push_back({input::EventKind::mouse_button,
                           static_cast<std::uint8_t>(b.down ? 1 : 0), code, 0, 0, 0});
            return events();
          },
          [&](const ScrollInput& s) -> Result<Translation> {
            if (s.amount != 0) {
              out.push_back({input::EventKind::scroll, 0, 0, s.horizontal ? s.amount : 0,
                             s.horizontal ? 0 : s.amount, 0});
            }
            return events();
          },
          [&](const TextInput& t) -> Result<Translation> {
            auto text = input::text_events(
                std::string_view(reinterpret_cast<const char*>(t.utf8.data()), t.utf8.size()));
            if (!text) {
              return fail(Errc::malformed, "input: text that is not UTF-8");
            }
            out.insert(out.end(), text->begin(), text->end());
            return events();
          },
          [&](const GamepadState& s) -> Result<Translation> { return gamepad(s, out); },
          [&](const GamepadArrival& a) -> Result<Translation> { return arrival(a, out); },
          [&](const TouchInput& t) -> Result<Translation> { return touch(t, display, out); },
          [&](const HapticsInput&) -> Result<Translation> { return unsupported("haptics"); },
          [&](const UnsupportedInput& u) -> Result<Translation> {
            return unsupported(input_kind_name(u.magic));
          },
      },
      *parsed);
}

Translation InputTranslator::arrival(const GamepadArrival& a, std::vector<input::Event>& out) {
  Pad& pad = pads_[a.index];
  if (!pad.connected) {
    pad = Pad{};
    pad.connected = true;
    pad.state.index = a.index;
    out.push_back(
        arrival_event(a.index, true, (a.capabilities & kCapRumble) != 0 ? input::kPadRumble : 0U));
  }
  return events();
}

Translation InputTranslator::gamepad(const GamepadState& s, std::vector<input::Event>& out) {
  using input::EventKind;
  Pad& pad = pads_[s.index];
  // Only this packet's own pad bit is trusted: each pad's packets travel on
  // a channel of their own, so another pad's bit may be older than that
  // pad's own latest packet.
  if ((s.active_mask & (1U << s.index)) == 0) {
    if (pad.connected) {
      out.push_back(arrival_event(s.index, false, 0));
      pad = Pad{};
    }
    return events();
  }
  if (!pad.connected) {  // a client that sends no arrival packet: its pad can rumble
    pad = Pad{};
    pad.connected = true;
    out.push_back(arrival_event(s.index, true, input::kPadRumble));
  }
  GamepadState& was = pad.state;
  for (const ButtonCode& b : kPadButtons) {
    if (((was.buttons ^ s.buttons) & b.bit) != 0) {
      out.push_back(pad_event(EventKind::pad_button, s.index, b.code, 0, (s.buttons & b.bit) != 0));
    }
  }
  const auto axis = [&](std::uint16_t code, std::int32_t before, std::int32_t now) {
    if (before != now) {
      out.push_back(pad_event(EventKind::pad_axis, s.index, code, now, false));
    }
  };
  axis(ABS_HAT0X, hat(was.buttons, pad_button::kLeft, pad_button::kRight),
       hat(s.buttons, pad_button::kLeft, pad_button::kRight));
  axis(ABS_HAT0Y, hat(was.buttons, pad_button::kUp, pad_button::kDown),
       hat(s.buttons, pad_button::kUp, pad_button::kDown));
  axis(ABS_Z, was.left_trigger, s.left_trigger);
  axis(ABS_RZ, was.right_trigger, s.right_trigger);
  axis(ABS_X, was.left_x, s.left_x);
  axis(ABS_Y, flip_y(was.left_y), flip_y(s.left_y));
  axis(ABS_RX, was.right_x, s.right_x);
  axis(ABS_RY, flip_y(was.right_y), flip_y(s.right_y));
  was = s;
  return events();
}

Result<Translation> InputTranslator::touch(const TouchInput& t, DisplaySize display,
                                           std::vector<input::Event>& out) {
  switch (t.type) {
    case TouchEventType::hover:
    case TouchEventType::hover_leave:
    case TouchEventType::button_only: return unsupported("touch hover");
    default: break;
  }
  if (!usable(display)) {
    return fail(Errc::invalid_argument, "input: a touch on a {}x{} display", display.width_px,
                display.height_px);
  }
  const auto lift = [&](std::size_t slot, Contact& c) {
    out.push_back({input::EventKind::touch, 0, static_cast<std::uint16_t>(slot), c.x, c.y, 0});
    c = Contact{};
  };
  const auto find = [&](std::uint32_t id) -> std::size_t {
    for (std::size_t i = 0; i < contacts_.size(); ++i) {
      if (contacts_[i].active && contacts_[i].pointer_id == id) {
        return i;
      }
    }
    return contacts_.size();
  };
  const std::int32_t x = touch_px(t.x, display.width_px);
  const std::int32_t y = touch_px(t.y, display.height_px);
  std::size_t slot = find(t.pointer_id);
  switch (t.type) {
    case TouchEventType::down:
    case TouchEventType::move: {
      if (slot == contacts_.size()) {
        const auto free = std::find_if(contacts_.begin(), contacts_.end(),
                                       [](const Contact& c) { return !c.active; });
        if (free == contacts_.end()) {
          return unsupported("touch beyond the contacts a display takes");
        }
        slot = static_cast<std::size_t>(free - contacts_.begin());
      }
      Contact& c = contacts_[slot];
      c = Contact{true, t.pointer_id, x, y};
      out.push_back({input::EventKind::touch, 1, static_cast<std::uint16_t>(slot), x, y, 0});
      return events();
    }
    case TouchEventType::up:
      if (slot != contacts_.size()) {
        contacts_[slot].x = x;  // lifted where the finger left
        contacts_[slot].y = y;
        lift(slot, contacts_[slot]);
      }
      return events();
    case TouchEventType::cancel:
      if (slot != contacts_.size()) {
        lift(slot, contacts_[slot]);
      }
      return events();
    case TouchEventType::cancel_all:
      for (std::size_t i = 0; i < contacts_.size(); ++i) {
        if (contacts_[i].active) {
          lift(i, contacts_[i]);
        }
      }
      return events();
    default: return unsupported("touch hover");
  }
}

void InputTranslator::release_all(std::vector<input::Event>& out) {
  for (std::uint16_t i = 0; i < kMaxGamepads; ++i) {
    if (pads_[i].connected) {
      out.push_back(arrival_event(i, false, 0));
      pads_[i] = Pad{};
    }
  }
  for (std::size_t i = 0; i < contacts_.size(); ++i) {
    if (contacts_[i].active) {
      out.push_back({input::EventKind::touch, 0, static_cast<std::uint16_t>(i), contacts_[i].x,
                     contacts_[i].y, 0});
      contacts_[i] = Contact{};
    }
  }
}

}  // namespace pf::gamestream
