#include "wlr_input_injector.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <wayland-client.h>

#include "pf/core/log.hpp"
#include "pf/core/unique.hpp"
#include "xkb_keymap.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"wlroots"};

// virtual-keyboard-unstable-v1 (version 1) and wlr-virtual-pointer-unstable-v1
// (version 2), described to libwayland by hand (Debian packages no XML for
// them); the conventions are screencopy.cpp's: one signature letter per
// argument (n new_id, o object, ? nullable, i int, u uint, f fixed, h fd), a
// leading digit for the version that added the message, and one `types`
// entry per argument (the interface of object and new_id arguments).
extern const wl_interface kKeyboardManagerInterface;
extern const wl_interface kKeyboardInterface;
extern const wl_interface kPointerManagerInterface;
extern const wl_interface kPointerInterface;

// clang-format off
const wl_interface* const kTypes[] = {
    nullptr, nullptr, nullptr, nullptr, nullptr,                   // plain arguments
    &wl_seat_interface, &kKeyboardInterface,                       // create_virtual_keyboard: o n
    &wl_seat_interface, &kPointerInterface,                        // create_virtual_pointer: ?o n
    &wl_seat_interface, &wl_output_interface, &kPointerInterface,  // …_with_output: ?o ?o n
};
// clang-format on
const wl_interface** types_at(std::size_t i) {
  return const_cast<const wl_interface**>(kTypes + i);
}

const wl_message kKeyboardManagerRequests[] = {
    {"create_virtual_keyboard", "on", types_at(5)},
};
const wl_message kKeyboardRequests[] = {
    {"keymap", "uhu", types_at(0)},      // format, fd, size
    {"key", "uuu", types_at(0)},         // time (ms), evdev key, state
    {"modifiers", "uuuu", types_at(0)},  // depressed, latched, locked, group
    {"destroy", "", types_at(0)},
};
const wl_message kPointerManagerRequests[] = {
    {"create_virtual_pointer", "?on", types_at(7)},
    {"destroy", "", types_at(0)},
    {"create_virtual_pointer_with_output", "2?o?on", types_at(9)},
};
const wl_message kPointerRequests[] = {
    {"motion", "uff", types_at(0)},             // time, dx, dy
    {"motion_absolute", "uuuuu", types_at(0)},  // time, x, y, x_extent, y_extent
    {"button", "uuu", types_at(0)},             // time, button, state
    {"axis", "uuf", types_at(0)},               // time, axis, value
    {"frame", "", types_at(0)},
    {"axis_source", "u", types_at(0)},
    {"axis_stop", "uu", types_at(0)},
    {"axis_discrete", "uufi", types_at(0)},  // time, axis, value, discrete
    {"destroy", "", types_at(0)},
};

// clang-format off
// name, version, requests, events
const wl_interface kKeyboardManagerInterface = {
    "zwp_virtual_keyboard_manager_v1", 1, 1, kKeyboardManagerRequests, 0, nullptr};
const wl_interface kKeyboardInterface = {
    "zwp_virtual_keyboard_v1", 1, 4, kKeyboardRequests, 0, nullptr};
const wl_interface kPointerManagerInterface = {
    "zwlr_virtual_pointer_manager_v1", 2, 3, kPointerManagerRequests, 0, nullptr};
const wl_interface kPointerInterface = {
    "zwlr_virtual_pointer_v1", 2, 9, kPointerRequests, 0, nullptr};
// clang-format on

enum : std::uint32_t {
  kCreateVirtualKeyboard = 0,
  kKeymap = 0,
  kKey = 1,
  kModifiers = 2,
  kKeyboardDestroy = 3,
  kCreateVirtualPointer = 0,
  kPointerManagerDestroy = 1,
  kCreateVirtualPointerWithOutput = 2,
  kMotion = 0,
  kMotionAbsolute = 1,
  kButton = 2,
  kAxis = 3,
  kFrame = 4,
  kAxisSource = 5,
  kAxisDiscrete = 7,
  kPointerDestroy = 8,
};
constexpr std::uint32_t kKeymapFormatXkbV1 = 1;
constexpr std::uint32_t kMaxEvdevKey = 0x2ff;  // KEY_MAX
// A wheel notch scrolls 15 (wl_pointer's axis units, as libinput reports a wheel).
constexpr double kAxisPerNotch = 15.0;
// Bounds on what a peer may ask for in one event (wl_fixed holds ±8 M).
constexpr std::int32_t kMaxMotion = 32767;
constexpr std::int32_t kMaxScroll = 100 * input::kScrollNotch;
constexpr auto kFlushTimeout = std::chrono::milliseconds(500);
constexpr auto kReleaseTimeout = std::chrono::milliseconds(250);

void send_destroy(wl_proxy* p, std::uint32_t opcode) {
  wl_proxy_marshal_flags(p, opcode, nullptr, wl_proxy_get_version(p), WL_MARSHAL_FLAG_DESTROY);
}
void destroy_keyboard(wl_proxy* p) {
  send_destroy(p, kKeyboardDestroy);
}
void destroy_pointer(wl_proxy* p) {
  send_destroy(p, kPointerDestroy);
}
// The manager's destroy request came with version 2; a version 1 one is only forgotten.
void destroy_pointer_manager(wl_proxy* p) {
  if (wl_proxy_get_version(p) >= 2) {
    send_destroy(p, kPointerManagerDestroy);
  } else {
    wl_proxy_destroy(p);
  }
}

using Display = Unique<wl_display*, &wl_display_disconnect>;
using Registry = Unique<wl_registry*, &wl_registry_destroy>;
using Seat = Unique<wl_seat*, &wl_seat_destroy>;
using Output = Unique<wl_output*, &wl_output_destroy>;
using Callback = Unique<wl_callback*, &wl_callback_destroy>;
using KeyboardManager = Unique<wl_proxy*, &wl_proxy_destroy>;  // has no destroy request
using VirtualKeyboard = Unique<wl_proxy*, &destroy_keyboard>;
using PointerManager = Unique<wl_proxy*, &destroy_pointer_manager>;
using VirtualPointer = Unique<wl_proxy*, &destroy_pointer>;

struct SeatEntry {
  Seat seat;
  std::string name;
};

std::uint32_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts.tv_sec) * 1000U +
                                    static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000U);
}

// Our mouse button codes → evdev (BTN_LEFT …); 0 = none.
std::uint32_t evdev_button(std::uint16_t code) {
  switch (code) {
    case 1: return 0x110;  // BTN_LEFT
    case 2: return 0x112;  // BTN_MIDDLE
    case 3: return 0x111;  // BTN_RIGHT
    case 8: return 0x113;  // BTN_SIDE
    case 9: return 0x114;  // BTN_EXTRA
    default: return 0;
  }
}

struct Mods {
  xkb_mod_mask_t depressed = 0;
  xkb_mod_mask_t latched = 0;
  xkb_mod_mask_t locked = 0;
  xkb_layout_index_t group = 0;
  friend bool operator==(const Mods&, const Mods&) = default;
};

class WlrInjector final : public InputInjector {
 public:
  explicit WlrInjector(std::filesystem::path socket) : socket_(std::move(socket)) {}
  ~WlrInjector() override { release_held(); }
  WlrInjector(const WlrInjector&) = delete;
  WlrInjector& operator=(const WlrInjector&) = delete;

  Status connect(const KeyboardLayout& layout);

  Result<Outcome> inject(std::span<const input::Event> events) override {
    if (auto st = dispatch(0); !st) {
      return tl::unexpected(st.error());
    }
    Outcome out;
    for (const auto& e : events) {
      if (one(e, now_ms())) {
        ++out.injected;
      } else {
        ++out.unsupported;
      }
    }
    if (auto st = flush(); !st) {
      return tl::unexpected(st.error());
    }
    return out;
  }

 private:
  // Registry and object events.
  static void on_global(void* data, wl_registry* reg, std::uint32_t name, const char* interface,
                        std::uint32_t version);
  static void on_global_remove(void*, wl_registry*, std::uint32_t) {}
  static constexpr wl_registry_listener kRegistryListener = {&on_global, &on_global_remove};

  static void on_seat_capabilities(void*, wl_seat*, std::uint32_t) {}
  static void on_seat_name(void* data, wl_seat*, const char* name) {
    static_cast<SeatEntry*>(data)->name = name;
  }
  static constexpr wl_seat_listener kSeatListener = {&on_seat_capabilities, &on_seat_name};

  static void on_output_geometry(void*, wl_output*, std::int32_t, std::int32_t, std::int32_t,
                                 std::int32_t, std::int32_t, const char*, const char*,
                                 std::int32_t) {}
  static void on_output_mode(void* data, wl_output*, std::uint32_t flags, std::int32_t width,
                             std::int32_t height, std::int32_t) {
    if ((flags & WL_OUTPUT_MODE_CURRENT) != 0 && width > 0 && height > 0) {
      auto* self = static_cast<WlrInjector*>(data);
      self->width_ = static_cast<std::uint32_t>(width);
      self->height_ = static_cast<std::uint32_t>(height);
    }
  }
  static void on_output_done(void*, wl_output*) {}
  static void on_output_scale(void*, wl_output*, std::int32_t) {}
  static void on_output_name(void*, wl_output*, const char*) {}
  static void on_output_description(void*, wl_output*, const char*) {}
  static constexpr wl_output_listener kOutputListener = {
      &on_output_geometry, &on_output_mode, &on_output_done,
      &on_output_scale,    &on_output_name, &on_output_description};

  template <typename... Args>
  static void send(const auto& proxy, std::uint32_t opcode, Args... args) {
    wl_proxy_marshal_flags(proxy.get(), opcode, nullptr, wl_proxy_get_version(proxy.get()), 0,
                           args...);
  }

  // One event; false: this display cannot take it.
  bool one(const input::Event& e, std::uint32_t t) {
    switch (e.kind) {
      case input::EventKind::key: return key(e, t);
      case input::EventKind::text: return text(e, t);
      case input::EventKind::mouse_move:
        send(pointer_, kMotion, t, wl_fixed_from_int(std::clamp(e.x, -kMaxMotion, kMaxMotion)),
             wl_fixed_from_int(std::clamp(e.y, -kMaxMotion, kMaxMotion)));
        send(pointer_, kFrame);
        return true;
      case input::EventKind::mouse_position:
        if (width_ == 0 || height_ == 0) {
          return false;  // the output never said its size
        }
        send(pointer_, kMotionAbsolute, t,
             static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.x, 0, width_)),
             static_cast<std::uint32_t>(std::clamp<std::int64_t>(e.y, 0, height_)), width_,
             height_);
        send(pointer_, kFrame);
        return true;
      case input::EventKind::mouse_button: {
        const std::uint32_t button = evdev_button(e.code);
        if (button == 0) {
          return false;
        }
        held_buttons_.set(e.code, e.pressed());
        send(pointer_, kButton, t, button, std::uint32_t{e.pressed() ? 1U : 0U});
        send(pointer_, kFrame);
        return true;
      }
      case input::EventKind::scroll:
        // Ours: +y = up; Wayland's: + = down, + = right on both.
        scroll(WL_POINTER_AXIS_VERTICAL_SCROLL, -std::clamp(e.y, -kMaxScroll, kMaxScroll),
               scroll_y_, t);
        scroll(WL_POINTER_AXIS_HORIZONTAL_SCROLL, e.x, scroll_x_, t);
        send(pointer_, kFrame);
        return true;
      default: return false;  // gamepads and touch go elsewhere
    }
  }

  bool key(const input::Event& e, std::uint32_t t) {
    if (e.code == 0) {  // only a keysym: typed when pressed
      if (e.x <= 0) {
        return false;
      }
      if (!e.pressed()) {
        return true;
      }
      const auto sym = static_cast<xkb_keysym_t>(e.x);
      const bool typed = type(std::span(&sym, 1), t);
      sync_modifiers();
      return typed;
    }
    if (e.code > kMaxEvdevKey) {
      return false;
    }
    follow_layout(static_cast<std::uint32_t>(e.y));
    const bool down = e.pressed();
    if (held_keys_.test(e.code) != down) {  // a repeated press changes no state
      held_keys_.set(e.code, down);
      xkb_state_update_key(state_.get(), e.code + 8U, down ? XKB_KEY_DOWN : XKB_KEY_UP);
    }
    send(keyboard_, kKey, t, std::uint32_t{e.code}, std::uint32_t{down ? 1U : 0U});
    sync_modifiers();
    return true;
  }

  // A key event's layout hint: the client's layout, so its scancodes type
  // what its keyboard shows. Switched only while no key is held (the state
  // of held keys would not carry over); a layout that does not compile is
  // said once and not tried again.
  void follow_layout(std::uint32_t hint) {
    const std::string name = input::layout_name(hint);
    if (name.empty() || name == layout_.layout || refused_layouts_.contains(name) || held_keys_.any()) {
      return;
    }
    KeyboardLayout wanted = layout_;
    wanted.layout = name;
    wanted.variant.clear();
    auto keymap = Keymap::from_names(context_.get(), wanted);
    XkbState state(keymap ? xkb_state_new(keymap->get()) : nullptr);
    if (!keymap || !state) {
      kLog.warn("the client's keyboard layout '{}' is unknown here; keeping '{}'", name, layout_.layout);
      refused_layouts_.insert(name);
      return;
    }
    keymap_ = std::move(*keymap);
    state_ = std::move(state);
    layout_ = std::move(wanted);
    use_keymap(keymap_);
    kLog.info("keyboard layout now '{}', as the client's", name);
  }

  // A text event: true only when every code point was typed.
  bool text(const input::Event& e, std::uint32_t t) {
    const auto cps = input::code_points(input::text_of(e));
    if (!cps || cps->empty()) {
      return false;
    }
    std::vector<xkb_keysym_t> syms;
    bool all = true;
    for (const char32_t cp : *cps) {
      const xkb_keysym_t sym = keysym_of(cp);
      if (sym == XKB_KEY_NoSymbol) {
        all = false;
      } else {
        syms.push_back(sym);
      }
    }
    all = type(syms, t) && all;
    sync_modifiers();
    return all;
  }

  // Types keysyms in order: those on a key of the keymap with the modifiers
  // of their level, runs of the others through a keymap of their own.
  bool type(std::span<const xkb_keysym_t> syms, std::uint32_t t) {
    bool all = true;
    std::size_t i = 0;
    while (i < syms.size()) {
      if (const auto place = keymap_.find(syms[i])) {
        tap(*place, t);
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < syms.size() && !keymap_.find(syms[end])) {
        ++end;
      }
      all = type_elsewhere(syms.subspan(i, end - i), t) && all;
      i = end;
    }
    return all;
  }

  void tap(const KeyPlace& place, std::uint32_t t) {
    send_modifiers({place.mods, 0, 0, place.layout});
    send(keyboard_, kKey, t, place.evdev_code, std::uint32_t{1});
    send(keyboard_, kKey, t, place.evdev_code, std::uint32_t{0});
  }

  bool type_elsewhere(std::span<const xkb_keysym_t> syms, std::uint32_t t) {
    std::vector<xkb_keysym_t> unique;
    for (const xkb_keysym_t s : syms) {
      if (std::find(unique.begin(), unique.end(), s) == unique.end()) {
        unique.push_back(s);
      }
    }
    auto extra = Keymap::with_keysyms(context_.get(), unique);
    if (!extra) {
      kLog.debug("{}", extra.error().message);
      return false;
    }
    use_keymap(*extra);
    bool all = true;
    for (const xkb_keysym_t s : syms) {
      if (const auto place = extra->find(s)) {
        tap(*place, t);
      } else {
        all = false;
      }
    }
    use_keymap(keymap_);
    return all;
  }

  void use_keymap(const Keymap& k) {
    send(keyboard_, kKeymap, kKeymapFormatXkbV1, k.fd(), k.size());
    sent_.reset();  // the compositor recomputes its modifiers with a new keymap
  }

  // The modifiers of our keymap's state, when they differ from what was sent.
  void sync_modifiers() {
    xkb_state* s = state_.get();
    send_modifiers({xkb_state_serialize_mods(s, XKB_STATE_MODS_DEPRESSED),
                    xkb_state_serialize_mods(s, XKB_STATE_MODS_LATCHED),
                    xkb_state_serialize_mods(s, XKB_STATE_MODS_LOCKED),
                    xkb_state_serialize_layout(s, XKB_STATE_LAYOUT_EFFECTIVE)});
  }
  void send_modifiers(const Mods& m) {
    if (sent_ != m) {
      send(keyboard_, kModifiers, m.depressed, m.latched, m.locked, m.group);
      sent_ = m;
    }
  }

  // Whole notches go out as discrete steps, the rest waits for more.
  void scroll(std::uint32_t axis, std::int32_t amount, std::int32_t& rest, std::uint32_t t) {
    if (amount == 0) {
      return;
    }
    amount = std::clamp(amount, -kMaxScroll, kMaxScroll);
    rest += amount;
    const std::int32_t notches = rest / input::kScrollNotch;
    rest -= notches * input::kScrollNotch;
    const wl_fixed_t value = wl_fixed_from_double(kAxisPerNotch * amount / input::kScrollNotch);
    if (notches != 0) {
      send(pointer_, kAxisDiscrete, t, axis, value, notches);
    } else {
      send(pointer_, kAxis, t, axis, value);
    }
    // wlroots applies a source to the axis named last.
    send(pointer_, kAxisSource, std::uint32_t{WL_POINTER_AXIS_SOURCE_WHEEL});
  }

  // Reads what the compositor sent (output modes, errors), waiting at most `wait_ms`.
  Status dispatch(int wait_ms) {
    wl_display* d = display_.get();
    while (wl_display_prepare_read(d) != 0) {
      if (wl_display_dispatch_pending(d) < 0) {
        return lost();
      }
    }
    pollfd p{wl_display_get_fd(d), POLLIN, 0};
    if (::poll(&p, 1, wait_ms) > 0) {
      if (wl_display_read_events(d) < 0) {
        return lost();
      }
    } else {
      wl_display_cancel_read(d);
    }
    return wl_display_dispatch_pending(d) < 0 ? lost() : ok();
  }

  // Waits (at most `timeout`) until the compositor has handled everything sent so far.
  Status settle(std::chrono::milliseconds timeout) {
    bool done = false;
    static constexpr wl_callback_listener kDone = {
        [](void* data, wl_callback*, std::uint32_t) { *static_cast<bool*>(data) = true; }};
    const Callback sync(wl_display_sync(display_.get()));
    wl_callback_add_listener(sync.get(), &kDone, &done);
    if (auto st = flush(); !st) {
      return st;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return fail(Errc::timeout, "the compositor at {} did not answer within {} ms",
                    socket_.string(), timeout.count());
      }
      if (auto st = dispatch(static_cast<int>(left.count())); !st) {
        return st;
      }
    }
    return ok();
  }

  Status flush() {
    wl_display* d = display_.get();
    const auto deadline = std::chrono::steady_clock::now() + kFlushTimeout;
    while (wl_display_flush(d) < 0) {
      if (errno != EAGAIN || std::chrono::steady_clock::now() >= deadline) {
        return lost();
      }
      pollfd p{wl_display_get_fd(d), POLLOUT, 0};
      static_cast<void>(::poll(&p, 1, 50));  // the compositor is behind: wait for room
    }
    return wl_display_get_error(d) != 0 ? lost() : ok();
  }

  tl::unexpected<Error> lost() const {
    const wl_interface* iface = nullptr;
    std::uint32_t id = 0;
    const std::uint32_t code = wl_display_get_protocol_error(display_.get(), &iface, &id);
    if (iface != nullptr) {
      return fail(Errc::closed,
                  "the compositor at {} ended the input connection: protocol error {} on {}",
                  socket_.string(), code, iface->name);
    }
    return fail(Errc::closed, "lost the input connection to the compositor at {}",
                socket_.string());
  }

  // Nothing stays pressed once this connection is gone.
  void release_held() {
    if (!display_ || wl_display_get_error(display_.get()) != 0 ||
        (held_keys_.none() && held_buttons_.none())) {
      return;
    }
    const std::uint32_t t = now_ms();
    if (keyboard_) {
      for (std::uint32_t code = 0; code < held_keys_.size(); ++code) {
        if (held_keys_.test(code)) {
          send(keyboard_, kKey, t, code, std::uint32_t{0});
        }
      }
      send_modifiers({});
    }
    if (pointer_) {
      for (std::uint16_t code = 0; code < held_buttons_.size(); ++code) {
        if (held_buttons_.test(code)) {
          send(pointer_, kButton, t, evdev_button(code), std::uint32_t{0});
          send(pointer_, kFrame);
        }
      }
    }
    // The compositor drops what it had not read when the connection closes.
    static_cast<void>(settle(kReleaseTimeout));
  }

  std::filesystem::path socket_;
  // Declared first, so it is disconnected after every object on it is destroyed.
  Display display_;
  XkbContext context_;
  Keymap keymap_;
  XkbState state_;
  Registry registry_;
  std::vector<std::unique_ptr<SeatEntry>> seats_;
  Output output_;
  KeyboardManager keyboard_manager_;
  PointerManager pointer_manager_;
  VirtualKeyboard keyboard_;
  VirtualPointer pointer_;

  std::uint32_t width_ = 0;  ///< the output's current mode, in pixels
  std::uint32_t height_ = 0;
  std::bitset<kMaxEvdevKey + 1> held_keys_;
  std::bitset<10> held_buttons_;       ///< by our button code
  std::optional<Mods> sent_ = Mods{};  ///< nullopt: unknown to us
  std::int32_t scroll_x_ = 0;
  std::int32_t scroll_y_ = 0;
  KeyboardLayout layout_;                    ///< what keymap_ was compiled from
  std::set<std::string> refused_layouts_;  ///< hints that did not compile
};

void WlrInjector::on_global(void* data, wl_registry* reg, std::uint32_t name, const char* interface,
                            std::uint32_t version) {
  auto* self = static_cast<WlrInjector*>(data);
  const auto bind = [&](const wl_interface* iface, std::uint32_t max) {
    return wl_registry_bind(reg, name, iface, std::min(version, max));
  };
  if (std::strcmp(interface, wl_seat_interface.name) == 0) {
    auto entry = std::make_unique<SeatEntry>();
    entry->seat.reset(static_cast<wl_seat*>(bind(&wl_seat_interface, 2)));  // 2: its name
    wl_seat_add_listener(entry->seat.get(), &kSeatListener, entry.get());
    self->seats_.push_back(std::move(entry));
  } else if (std::strcmp(interface, wl_output_interface.name) == 0 && !self->output_) {
    self->output_.reset(static_cast<wl_output*>(bind(&wl_output_interface, 2)));
    wl_output_add_listener(self->output_.get(), &kOutputListener, self);
  } else if (std::strcmp(interface, kKeyboardManagerInterface.name) == 0 &&
             !self->keyboard_manager_) {
    self->keyboard_manager_.reset(static_cast<wl_proxy*>(bind(&kKeyboardManagerInterface, 1)));
  } else if (std::strcmp(interface, kPointerManagerInterface.name) == 0 &&
             !self->pointer_manager_) {
    self->pointer_manager_.reset(static_cast<wl_proxy*>(bind(&kPointerManagerInterface, 2)));
  }
}

Status WlrInjector::connect(const KeyboardLayout& layout) {
  const std::string where = socket_.string();
  display_.reset(wl_display_connect(socket_.c_str()));
  if (!display_) {
    return fail_errno(errno, fmt::format("connecting to the compositor at {} for input", where));
  }
  wl_display* d = display_.get();
  registry_.reset(wl_display_get_registry(d));
  wl_registry_add_listener(registry_.get(), &kRegistryListener, this);
  // The first round trip binds the globals; the second brings seat names and output modes.
  if (wl_display_roundtrip(d) < 0 || wl_display_roundtrip(d) < 0) {
    return lost();
  }
  if (!keyboard_manager_) {
    return fail(Errc::unsupported, "the compositor at {} offers no virtual keyboard ({})", where,
                kKeyboardManagerInterface.name);
  }
  if (!pointer_manager_) {
    return fail(Errc::unsupported, "the compositor at {} offers no virtual pointer ({})", where,
                kPointerManagerInterface.name);
  }
  if (seats_.empty() || !output_) {
    return fail(Errc::unsupported, "the compositor at {} has no {}", where,
                seats_.empty() ? "seat" : "output");
  }
  const auto seat0 =
      std::find_if(seats_.begin(), seats_.end(), [](const auto& s) { return s->name == "seat0"; });
  std::rotate(seats_.begin(), seat0 == seats_.end() ? seats_.begin() : seat0, seats_.end());
  seats_.resize(1);  // the others are not needed
  wl_seat* seat = seats_.front()->seat.get();

  context_.reset(xkb_context_new(XKB_CONTEXT_NO_ENVIRONMENT_NAMES));
  if (!context_) {
    return fail(Errc::io, "cannot create an XKB context");
  }
  auto keymap = Keymap::from_names(context_.get(), layout);
  if (!keymap) {
    return tl::unexpected(keymap.error());
  }
  keymap_ = std::move(*keymap);
  layout_ = layout;
  state_.reset(xkb_state_new(keymap_.get()));
  if (!state_) {
    return fail(Errc::io, "cannot create an XKB state");
  }

  keyboard_.reset(static_cast<wl_proxy*>(wl_proxy_marshal_flags(
      keyboard_manager_.get(), kCreateVirtualKeyboard, &kKeyboardInterface, 1, 0, seat, nullptr)));
  const bool with_output = wl_proxy_get_version(pointer_manager_.get()) >= 2;
  pointer_.reset(static_cast<wl_proxy*>(
      with_output ? wl_proxy_marshal_flags(pointer_manager_.get(), kCreateVirtualPointerWithOutput,
                                           &kPointerInterface, 2, 0, seat, output_.get(), nullptr)
                  : wl_proxy_marshal_flags(pointer_manager_.get(), kCreateVirtualPointer,
                                           &kPointerInterface, 1, 0, seat, nullptr)));
  if (!keyboard_ || !pointer_) {
    return lost();
  }
  use_keymap(keymap_);
  sync_modifiers();
  if (wl_display_roundtrip(d) < 0) {  // a refusal (unauthorized) shows here
    return lost();
  }
  kLog.info("input into {} on {} (keymap {}{}{}, output {}x{})", where, seats_.front()->name,
            layout.layout, layout.variant.empty() ? "" : "/", layout.variant, width_, height_);
  return ok();
}

}  // namespace

Result<std::unique_ptr<InputInjector>> open_wlr_injector(const std::filesystem::path& socket,
                                                         const KeyboardLayout& layout) {
  auto injector = std::make_unique<WlrInjector>(socket);
  if (auto st = injector->connect(layout); !st) {
    return tl::unexpected(st.error());
  }
  return std::unique_ptr<InputInjector>(std::move(injector));
}

}  // namespace pf::agent
