// pf-x-input-recorder OUTPUT: an X client for the input tests. It covers
// the screen with a window that takes the keyboard focus and writes every
// key, button and motion event it gets to OUTPUT, one per line, flushed:
//   ready
//   key_press <keycode> | key_release <keycode>
//   keysym <hex>        after each key_press: what the press types (shift level)
//   button_press <button> <x> <y> | button_release <button> <x> <y>
//   motion <x> <y>
// It runs until killed.
#include <xcb/xcb.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pf-x-input-recorder OUTPUT\n");
    return 2;
  }
  FILE* out = std::fopen(argv[1], "w");
  xcb_connection_t* c = xcb_connect(nullptr, nullptr);
  if (out == nullptr || xcb_connection_has_error(c) != 0) {
    std::fprintf(stderr, "pf-x-input-recorder: cannot open %s or connect to $DISPLAY\n", argv[1]);
    return 1;
  }
  const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
  const xcb_window_t window = xcb_generate_id(c);
  const std::uint32_t values[] = {1,  // override-redirect: no window manager needed
                                  XCB_EVENT_MASK_KEY_PRESS | XCB_EVENT_MASK_KEY_RELEASE |
                                      XCB_EVENT_MASK_BUTTON_PRESS | XCB_EVENT_MASK_BUTTON_RELEASE |
                                      XCB_EVENT_MASK_POINTER_MOTION};
  xcb_create_window(c, XCB_COPY_FROM_PARENT, window, screen->root, 0, 0, screen->width_in_pixels,
                    screen->height_in_pixels, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual,
                    XCB_CW_OVERRIDE_REDIRECT | XCB_CW_EVENT_MASK, values);
  xcb_map_window(c, window);
  xcb_set_input_focus(c, XCB_INPUT_FOCUS_POINTER_ROOT, window, XCB_CURRENT_TIME);
  std::free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), nullptr));  // a round trip: all of it applied
  std::fprintf(out, "ready\n");
  std::fflush(out);
  while (xcb_generic_event_t* ev = xcb_wait_for_event(c)) {
    switch (ev->response_type & 0x7F) {
      case XCB_KEY_PRESS:
      case XCB_KEY_RELEASE: {
        const auto* k = reinterpret_cast<xcb_key_press_event_t*>(ev);
        const bool press = (ev->response_type & 0x7F) == XCB_KEY_PRESS;
        std::fprintf(out, "%s %u\n", press ? "key_press" : "key_release", k->detail);
        if (press) {  // the mapping of now: a remapped key is read as it is when pressed
          auto* map = xcb_get_keyboard_mapping_reply(c, xcb_get_keyboard_mapping(c, k->detail, 1), nullptr);
          if (map != nullptr) {
            const xcb_keysym_t* syms = xcb_get_keyboard_mapping_keysyms(map);
            const int n = xcb_get_keyboard_mapping_keysyms_length(map);
            const int level = (k->state & XCB_MOD_MASK_SHIFT) != 0 && n > 1 && syms[1] != 0 ? 1 : 0;
            std::fprintf(out, "keysym %x\n", n > level ? syms[level] : 0U);
            std::free(map);
          }
        }
        break;
      }
      case XCB_BUTTON_PRESS:
      case XCB_BUTTON_RELEASE: {
        const auto* b = reinterpret_cast<xcb_button_press_event_t*>(ev);
        std::fprintf(out, "%s %u %d %d\n",
                     (ev->response_type & 0x7F) == XCB_BUTTON_PRESS ? "button_press" : "button_release", b->detail,
                     b->event_x, b->event_y);
        break;
      }
      case XCB_MOTION_NOTIFY: {
        const auto* m = reinterpret_cast<xcb_motion_notify_event_t*>(ev);
        std::fprintf(out, "motion %d %d\n", m->event_x, m->event_y);
        break;
      }
      default: break;
    }
    std::fflush(out);
    std::free(ev);
  }
  return 0;
}
