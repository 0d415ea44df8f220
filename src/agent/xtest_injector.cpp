#include "xtest_injector.hpp"

#include <xcb/xcb.h>
#include <xcb/xtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "pf/core/unique.hpp"

namespace pf::agent {
namespace {

using Connection = Unique<xcb_connection_t*, &xcb_disconnect>;

// evdev scancodes are X keycodes less 8 under the evdev keymap Xvfb uses.
constexpr std::uint32_t kEvdevToX = 8;
constexpr std::uint8_t kButtonUp = 4, kButtonDown = 5, kButtonLeft = 6, kButtonRight = 7;
constexpr std::uint8_t kShiftKeycode = 50;  // Shift_L under the evdev keymap

// The X keysym that types a code point: Latin-1 as itself, controls that
// have keys as those keys, everything else as a Unicode keysym.
std::uint32_t keysym_for(char32_t cp) {
  switch (cp) {
    case U'\n':
    case U'\r': return 0xff0d;  // Return
    case U'\t': return 0xff09;  // Tab
    case U'\b': return 0xff08;  // BackSpace
    default: break;
  }
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) {
    return cp;
  }
  return cp < 0x20 || cp == 0x7f ? 0 : 0x01000000U | cp;
}

class XTestInjector final : public InputInjector {
 public:
  XTestInjector(Connection conn, xcb_window_t root, std::uint32_t number)
      : conn_(std::move(conn)), root_(root), number_(number) {}

  Result<Outcome> inject(std::span<const input::Event> events) override {
    xcb_connection_t* c = conn_.get();
    if (xcb_connection_has_error(c) != 0) {
      return fail(Errc::closed, "lost the input connection to Xvfb :{}", number_);
    }
    Outcome out;
    for (const auto& e : events) {
      switch (e.kind) {
        case input::EventKind::key:
          if (e.code == 0 && e.x != 0) {  // a key the client had no scancode for: its keysym
            if (e.pressed() && !type_keysym(static_cast<std::uint32_t>(e.x))) {
              ++out.unsupported;
              continue;
            }
            break;
          }
          if (e.code == 0 || e.code > 255 - kEvdevToX) {
            ++out.unsupported;
            continue;
          }
          fake(e.pressed() ? XCB_KEY_PRESS : XCB_KEY_RELEASE, static_cast<std::uint8_t>(e.code + kEvdevToX), 0, 0);
          break;
        case input::EventKind::mouse_position:
          fake(XCB_MOTION_NOTIFY, 0, clamp16(e.x), clamp16(e.y));
          break;
        case input::EventKind::mouse_move:
          fake(XCB_MOTION_NOTIFY, 1, clamp16(e.x), clamp16(e.y));  // detail 1: relative
          break;
        case input::EventKind::mouse_button:
          if (e.code == 0 || e.code > 9 || (e.code >= kButtonUp && e.code <= kButtonRight)) {
            ++out.unsupported;  // 4-7 are the wheel: scroll events carry it
            continue;
          }
          fake(e.pressed() ? XCB_BUTTON_PRESS : XCB_BUTTON_RELEASE, static_cast<std::uint8_t>(e.code), 0, 0);
          break;
        case input::EventKind::scroll:
          scroll(e.y, kButtonUp, kButtonDown, scroll_y_);
          scroll(e.x, kButtonRight, kButtonLeft, scroll_x_);
          break;
        case input::EventKind::text: {
          const auto points = input::code_points(input::text_of(e));
          if (!points || points->empty()) {
            ++out.unsupported;
            continue;
          }
          bool typed = true;
          for (const char32_t cp : *points) {
            const std::uint32_t sym = keysym_for(cp);
            typed = sym != 0 && type_keysym(sym) && typed;
          }
          if (!typed) {
            ++out.unsupported;  // some of it had no keysym or no free key to put it on
            continue;
          }
          break;
        }
        case input::EventKind::touch:
          // X has no touch here: the first contact is the pointer with button 1 held.
          if (!touch(e)) {
            ++out.unsupported;
            continue;
          }
          break;
        default:
          ++out.unsupported;
          continue;
      }
      ++out.injected;
    }
    xcb_flush(c);
    return out;
  }

 private:
  static std::int16_t clamp16(std::int32_t v) { return static_cast<std::int16_t>(std::clamp(v, -32768, 32767)); }

  void fake(std::uint8_t type, std::uint8_t detail, std::int16_t x, std::int16_t y) {
    xcb_test_fake_input(conn_.get(), type, detail, XCB_CURRENT_TIME, type == XCB_MOTION_NOTIFY ? root_ : XCB_NONE, x,
                        y, 0);
  }

  // X has no fine scrolling: whole notches as wheel clicks, the rest kept for later.
  void scroll(std::int32_t amount, std::uint8_t positive, std::uint8_t negative, std::int32_t& rest) {
    rest += amount;
    while (rest >= input::kScrollNotch || rest <= -input::kScrollNotch) {
      const std::uint8_t button = rest > 0 ? positive : negative;
      fake(XCB_BUTTON_PRESS, button, 0, 0);
      fake(XCB_BUTTON_RELEASE, button, 0, 0);
      rest += rest > 0 ? -input::kScrollNotch : input::kScrollNotch;
    }
  }

  // Touch: the contact that went down first drives the pointer until it lifts.
  bool touch(const input::Event& e) {
    if (touch_contact_ && *touch_contact_ != e.code) {
      return false;
    }
    fake(XCB_MOTION_NOTIFY, 0, clamp16(e.x), clamp16(e.y));
    if (e.pressed() && !touch_contact_) {
      touch_contact_ = e.code;
      fake(XCB_BUTTON_PRESS, 1, 0, 0);
    } else if (!e.pressed() && touch_contact_) {
      touch_contact_.reset();
      fake(XCB_BUTTON_RELEASE, 1, 0, 0);
    }
    return true;
  }

  // Types one keysym: on a key that has it (with Shift for the second
  // level), else on a key without symbols that it is then given (kept
  // mapped: a client reads the mapping when it sees the press, so undoing
  // it at once could make the press type something else).
  bool type_keysym(std::uint32_t sym) {
    if (!load_mapping()) {
      return false;
    }
    std::optional<std::uint8_t> keycode;
    bool shift = false;
    for (std::size_t k = 0; k < key_count_ && !keycode; ++k) {
      for (std::size_t level = 0; level < 2 && level < per_key_; ++level) {
        if (syms_[k * per_key_ + level] == sym) {
          keycode = static_cast<std::uint8_t>(min_keycode_ + k);
          shift = level == 1;
          break;
        }
      }
    }
    if (!keycode) {
      const auto spare = next_spare();
      if (!spare) {
        return false;
      }
      std::vector<xcb_keysym_t> both(per_key_, 0);
      both[0] = sym;
      if (per_key_ > 1) {
        both[1] = sym;
      }
      xcb_change_keyboard_mapping(conn_.get(), 1, *spare, static_cast<std::uint8_t>(per_key_), both.data());
      std::copy(both.begin(), both.end(), syms_.begin() + static_cast<std::ptrdiff_t>((*spare - min_keycode_) * per_key_));
      keycode = spare;
    }
    if (shift) {
      fake(XCB_KEY_PRESS, kShiftKeycode, 0, 0);
    }
    fake(XCB_KEY_PRESS, *keycode, 0, 0);
    fake(XCB_KEY_RELEASE, *keycode, 0, 0);
    if (shift) {
      fake(XCB_KEY_RELEASE, kShiftKeycode, 0, 0);
    }
    return true;
  }

  // The server's keyboard mapping, read once (this injector is the only one
  // that changes it) along with the keys that have no symbols.
  bool load_mapping() {
    if (!syms_.empty()) {
      return true;
    }
    const xcb_setup_t* setup = xcb_get_setup(conn_.get());
    min_keycode_ = setup->min_keycode;
    key_count_ = static_cast<std::size_t>(setup->max_keycode - setup->min_keycode + 1);
    auto* reply = xcb_get_keyboard_mapping_reply(
        conn_.get(), xcb_get_keyboard_mapping(conn_.get(), setup->min_keycode, static_cast<std::uint8_t>(key_count_)),
        nullptr);
    if (reply == nullptr) {
      return false;
    }
    per_key_ = reply->keysyms_per_keycode;
    const auto* syms = xcb_get_keyboard_mapping_keysyms(reply);
    syms_.assign(syms, syms + xcb_get_keyboard_mapping_keysyms_length(reply));
    std::free(reply);
    if (per_key_ == 0 || syms_.size() < key_count_ * per_key_) {
      syms_.clear();
      return false;
    }
    for (std::size_t k = key_count_; k-- > 0;) {
      if (std::all_of(syms_.begin() + static_cast<std::ptrdiff_t>(k * per_key_),
                      syms_.begin() + static_cast<std::ptrdiff_t>((k + 1) * per_key_),
                      [](xcb_keysym_t s) { return s == 0; })) {
        spare_.push_back(static_cast<std::uint8_t>(min_keycode_ + k));
      }
    }
    return true;
  }

  // The spare keys in turn: a key given a symbol keeps it while the others
  // are used, so text typed quickly does not remap a key still being read.
  std::optional<std::uint8_t> next_spare() {
    if (spare_.empty()) {
      return std::nullopt;
    }
    return spare_[next_spare_++ % spare_.size()];
  }

  Connection conn_;
  xcb_window_t root_;
  std::vector<xcb_keysym_t> syms_;  // key_count_ × per_key_, from min_keycode_
  std::size_t key_count_ = 0;
  std::size_t per_key_ = 0;
  std::uint8_t min_keycode_ = 0;
  std::vector<std::uint8_t> spare_;
  std::size_t next_spare_ = 0;
  std::optional<std::uint16_t> touch_contact_;
  std::uint32_t number_;
  std::int32_t scroll_x_ = 0;
  std::int32_t scroll_y_ = 0;
};

}  // namespace

Result<std::unique_ptr<InputInjector>> open_xtest_injector(std::uint32_t number, const std::string& cookie) {
  std::string name = "MIT-MAGIC-COOKIE-1";
  std::string data = cookie;
  xcb_auth_info_t auth{static_cast<int>(name.size()), name.data(), static_cast<int>(data.size()), data.data()};
  Connection conn(xcb_connect_to_display_with_auth_info(fmt::format(":{}", number).c_str(), &auth, nullptr));
  if (xcb_connection_has_error(conn.get()) != 0) {
    return fail(Errc::io, "cannot connect to Xvfb :{} for input", number);
  }
  const xcb_query_extension_reply_t* xtest = xcb_get_extension_data(conn.get(), &xcb_test_id);
  if (xtest == nullptr || xtest->present == 0) {
    return fail(Errc::unsupported, "Xvfb :{} has no XTEST extension", number);
  }
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(conn.get())).data->root;
  return std::unique_ptr<InputInjector>(new XTestInjector(std::move(conn), root, number));
}

}  // namespace pf::agent
