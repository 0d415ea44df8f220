// pf-x-input-driver COMMAND...: drives a window of the X server in $DISPLAY
// with XTEST, as a user would (the window tests point, click and type into
// the client's window). Commands run in order:
//   find PREFIX       waits (≤ 10 s) for a mapped top-level window whose
//                     title starts with PREFIX, gives it the keyboard focus
//                     and prints "window X Y W H"; coordinates below are
//                     then the window's own
//   place X Y W H     moves and resizes it (there is no window manager to
//                     ask) and waits until it has that size
//   move X Y          the pointer to (X, Y)
//   click N           button N pressed and released
//   key K             X keycode K pressed and released
//   close             asks the window to close (WM_DELETE_WINDOW), as a
//                     window manager's close button does
//   pixel X Y         prints "pixel X Y RRGGBB": the colour on screen there
//   sleep MS
// Exit status 0 when every command was carried out, 1 otherwise.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include <xcb/xcb.h>
#include <xcb/xtest.h>

namespace {

xcb_atom_t atom(xcb_connection_t* c, const char* name) {
  auto* reply = xcb_intern_atom_reply(
      c, xcb_intern_atom(c, 0, static_cast<std::uint16_t>(std::strlen(name)), name), nullptr);
  const xcb_atom_t a = reply != nullptr ? reply->atom : xcb_atom_t{XCB_ATOM_NONE};
  std::free(reply);
  return a;
}

std::string property_text(xcb_connection_t* c, xcb_window_t w, xcb_atom_t property,
                          xcb_atom_t type) {
  auto* reply =
      xcb_get_property_reply(c, xcb_get_property(c, 0, w, property, type, 0, 256), nullptr);
  std::string out;
  if (reply != nullptr) {
    out.assign(static_cast<const char*>(xcb_get_property_value(reply)),
               static_cast<std::size_t>(xcb_get_property_value_length(reply)));
  }
  std::free(reply);
  return out;
}

// A round trip: everything sent before it has been carried out.
void sync(xcb_connection_t* c) {
  std::free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), nullptr));
}

struct Geometry {
  int x = 0, y = 0, w = 0, h = 0;
};

Geometry geometry_of(xcb_connection_t* c, xcb_window_t root, xcb_window_t w) {
  Geometry g;
  auto* geo = xcb_get_geometry_reply(c, xcb_get_geometry(c, w), nullptr);
  auto* at =
      xcb_translate_coordinates_reply(c, xcb_translate_coordinates(c, w, root, 0, 0), nullptr);
  if (geo != nullptr && at != nullptr) {
    g = {at->dst_x, at->dst_y, geo->width, geo->height};
  }
  std::free(geo);
  std::free(at);
  return g;
}

xcb_window_t find_window(xcb_connection_t* c, xcb_window_t root, std::string_view prefix) {
  const xcb_atom_t net_wm_name = atom(c, "_NET_WM_NAME");
  const xcb_atom_t utf8 = atom(c, "UTF8_STRING");
  auto* tree = xcb_query_tree_reply(c, xcb_query_tree(c, root), nullptr);
  xcb_window_t found = XCB_WINDOW_NONE;
  if (tree == nullptr) {
    return found;
  }
  const xcb_window_t* children = xcb_query_tree_children(tree);
  for (int i = 0; i < xcb_query_tree_children_length(tree) && found == XCB_WINDOW_NONE; ++i) {
    auto* attributes =
        xcb_get_window_attributes_reply(c, xcb_get_window_attributes(c, children[i]), nullptr);
    const bool viewable = attributes != nullptr && attributes->map_state == XCB_MAP_STATE_VIEWABLE;
    std::free(attributes);
    if (!viewable) {
      continue;
    }
    std::string title = property_text(c, children[i], net_wm_name, utf8);
    if (title.empty()) {
      title = property_text(c, children[i], XCB_ATOM_WM_NAME, XCB_ATOM_ANY);
    }
    if (title.starts_with(prefix)) {
      found = children[i];
    }
  }
  std::free(tree);
  return found;
}

void fake(xcb_connection_t* c, std::uint8_t type, std::uint8_t detail, xcb_window_t root, int x = 0,
          int y = 0) {
  xcb_test_fake_input(c, type, detail, XCB_CURRENT_TIME, root, static_cast<std::int16_t>(x),
                      static_cast<std::int16_t>(y), 0);
}

}  // namespace

int main(int argc, char** argv) {
  xcb_connection_t* c = xcb_connect(nullptr, nullptr);
  if (xcb_connection_has_error(c) != 0) {
    std::fprintf(stderr, "pf-x-input-driver: cannot connect to $DISPLAY\n");
    return 1;
  }
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
  xcb_window_t window = XCB_WINDOW_NONE;
  Geometry at;  // the window's, on the root
  int status = 0;
  const auto number = [&](int& i) { return i < argc ? std::atoi(argv[i++]) : 0; };
  for (int i = 1; i < argc && status == 0;) {
    const std::string_view command = argv[i++];
    if (command == "find" && i < argc) {
      const std::string_view prefix = argv[i++];
      for (int tries = 0; tries < 200 && window == XCB_WINDOW_NONE; ++tries) {
        window = find_window(c, root, prefix);
        if (window == XCB_WINDOW_NONE) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      if (window == XCB_WINDOW_NONE) {
        std::fprintf(stderr, "pf-x-input-driver: no window titled '%.*s…'\n",
                     static_cast<int>(prefix.size()), prefix.data());
        status = 1;
        break;
      }
      xcb_set_input_focus(c, XCB_INPUT_FOCUS_POINTER_ROOT, window, XCB_CURRENT_TIME);
      at = geometry_of(c, root, window);
      std::printf("window %d %d %d %d\n", at.x, at.y, at.w, at.h);
    } else if (command == "place" && window != XCB_WINDOW_NONE) {
      const int x = number(i), y = number(i), w = number(i), h = number(i);
      const std::uint32_t values[] = {static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y),
                                      static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h)};
      xcb_configure_window(c, window,
                           XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH |
                               XCB_CONFIG_WINDOW_HEIGHT,
                           values);
      for (int tries = 0; tries < 100; ++tries) {
        sync(c);
        at = geometry_of(c, root, window);
        if (at.x == x && at.y == y && at.w == w && at.h == h) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      std::printf("window %d %d %d %d\n", at.x, at.y, at.w, at.h);
      status = at.w == w && at.h == h ? 0 : 1;
    } else if (command == "move") {
      const int x = number(i), y = number(i);
      fake(c, XCB_MOTION_NOTIFY, 0, root, at.x + x, at.y + y);
    } else if (command == "click") {
      const auto button = static_cast<std::uint8_t>(number(i));
      fake(c, XCB_BUTTON_PRESS, button, root);
      fake(c, XCB_BUTTON_RELEASE, button, root);
    } else if (command == "key") {
      const auto keycode = static_cast<std::uint8_t>(number(i));
      fake(c, XCB_KEY_PRESS, keycode, root);
      fake(c, XCB_KEY_RELEASE, keycode, root);
    } else if (command == "close" && window != XCB_WINDOW_NONE) {
      xcb_client_message_event_t message{};
      message.response_type = XCB_CLIENT_MESSAGE;
      message.format = 32;
      message.window = window;
      message.type = atom(c, "WM_PROTOCOLS");
      message.data.data32[0] = atom(c, "WM_DELETE_WINDOW");
      message.data.data32[1] = XCB_CURRENT_TIME;
      xcb_send_event(c, 0, window, XCB_EVENT_MASK_NO_EVENT,
                     reinterpret_cast<const char*>(&message));
    } else if (command == "pixel") {
      const int x = number(i), y = number(i);
      auto* image = xcb_get_image_reply(
          c,
          xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, root, static_cast<std::int16_t>(at.x + x),
                        static_cast<std::int16_t>(at.y + y), 1, 1, ~0U),
          nullptr);
      if (image == nullptr || xcb_get_image_data_length(image) < 4) {
        std::fprintf(stderr, "pf-x-input-driver: cannot read the screen at %d %d\n", x, y);
        status = 1;
      } else {
        // 24-bit depth: one 32-bit pixel, 0x00RRGGBB in the server's (little) byte order.
        std::uint32_t rgb = 0;
        std::memcpy(&rgb, xcb_get_image_data(image), sizeof rgb);
        std::printf("pixel %d %d %06x\n", x, y, rgb & 0xFFFFFFU);
      }
      std::free(image);
    } else if (command == "sleep") {
      std::this_thread::sleep_for(std::chrono::milliseconds(number(i)));
    } else {
      std::fprintf(stderr, "pf-x-input-driver: cannot do '%.*s' here\n",
                   static_cast<int>(command.size()), command.data());
      status = 1;
    }
    sync(c);
    std::fflush(stdout);
  }
  xcb_disconnect(c);
  return status;
}
