#include "xtest_injector.hpp"

#include <xcb/xcb.h>
#include <xcb/xtest.h>

#include <cstdlib>

#include <fmt/format.h>

#include "pf/core/unique.hpp"

namespace pf::agent {
namespace {

using Connection = Unique<xcb_connection_t*, &xcb_disconnect>;

// evdev scancodes are X keycodes less 8 under the evdev keymap Xvfb uses.
constexpr std::uint32_t kEvdevToX = 8;
constexpr std::uint8_t kButtonUp = 4, kButtonDown = 5, kButtonLeft = 6, kButtonRight = 7;

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

  Connection conn_;
  xcb_window_t root_;
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
