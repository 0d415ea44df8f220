// Input into a wlroots display: a real headless sway, and wev (a Wayland
// client that prints every event it receives) launched into it the way the
// agent launches an app. What wev prints is what an application sees.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

#include "pf/agent/source.hpp"
#include "pf/core/process.hpp"
#include "pf/input/events.hpp"
#include "support/temp_dir.hpp"

namespace pf::agent {
namespace {

using namespace std::chrono_literals;
using input::Event;
using input::EventKind;

constexpr const char* kSway = "/usr/bin/sway";
constexpr const char* kWev = "/usr/bin/wev";
constexpr const char* kStdbuf = "/usr/bin/stdbuf";  // wev's stdout is a file: make it line-buffered

Event key(std::uint16_t code, bool down) {
  return {EventKind::key, static_cast<std::uint8_t>(down ? 1 : 0), code};
}
Event position(std::int32_t x, std::int32_t y) {
  return {.kind = EventKind::mouse_position, .x = x, .y = y};
}
Event button(std::uint16_t code, bool down) {
  return {EventKind::mouse_button, static_cast<std::uint8_t>(down ? 1 : 0), code};
}

// One event as wev prints it: "[13:     wl_keyboard] key: serial: …",
// continuation lines (sym, modifiers) indented below it.
struct WevEvent {
  int object = 0;
  std::string interface;
  std::string name;
  std::string text;  ///< the whole record
};

// The number after `label` in `text` (strtod's grammar), or nullopt.
// Plain string search: GCC 12's sanitizer build warns inside the standard
// regular expressions, and warnings are errors.
std::optional<double> number_after(const std::string& text, std::string_view label) {
  const auto at = text.find(label);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const char* start = text.c_str() + at + label.size();
  char* end = nullptr;
  const double v = std::strtod(start, &end);
  return end == start ? std::nullopt : std::optional<double>(v);
}

// A record's head, "[13:     wl_keyboard] key: …": object, interface, event name.
std::optional<WevEvent> head_of(const std::string& line) {
  const auto colon = line.find(':');
  const auto close = line.find("] ");
  if (line.empty() || line[0] != '[' || colon == std::string::npos || close == std::string::npos || close < colon) {
    return std::nullopt;
  }
  const auto object = number_after(line, "[");
  std::string interface = line.substr(colon + 1, close - colon - 1);
  interface.erase(0, interface.find_first_not_of(' '));
  const auto name_end = line.find_first_of(": ", close + 2);
  if (!object || interface.empty()) {
    return std::nullopt;
  }
  return WevEvent{static_cast<int>(*object), interface, line.substr(close + 2, name_end - close - 2), line};
}

std::vector<WevEvent> parse(const std::string& out) {
  std::vector<WevEvent> events;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (auto head = head_of(line)) {
      events.push_back(std::move(*head));
    } else if (!events.empty() && !line.empty() && line[0] == ' ') {
      events.back().text += "\n" + line;
    }
  }
  return events;
}

// wev makes a wl_keyboard each time the seat's capabilities change: follow one.
int first_object(const std::vector<WevEvent>& events, const std::string& interface,
                 const std::string& name) {
  for (const auto& e : events) {
    if (e.interface == interface && e.name == name) {
      return e.object;
    }
  }
  return -1;
}

struct KeyEvent {
  int code = 0;  ///< XKB keycode
  int state = 0;
  std::string utf8;
  friend bool operator==(const KeyEvent&, const KeyEvent&) = default;
  friend std::ostream& operator<<(std::ostream& os, const KeyEvent& k) {
    return os << k.code << "/" << k.state << "/'" << k.utf8 << "'";
  }
};

std::vector<KeyEvent> key_events(const std::vector<WevEvent>& events, int object) {
  std::vector<KeyEvent> out;
  for (const auto& e : events) {
    const auto code = number_after(e.text, "; key: ");  // after "key: serial: …; time: …"
    const auto state = number_after(e.text, "; state: ");
    if (e.object == object && e.name == "key" && code && state) {
      std::string utf8;
      if (const auto at = e.text.find("utf8: '"); at != std::string::npos) {
        utf8 = e.text.substr(at + 7, e.text.find('\'', at + 7) - at - 7);
      }
      out.push_back({static_cast<int>(*code), static_cast<int>(*state), utf8});
    }
  }
  return out;
}

// Surface-local pointer positions (motion and enter), in order.
std::vector<std::pair<double, double>> positions_of(const std::vector<WevEvent>& events,
                                                    int object) {
  std::vector<std::pair<double, double>> out;
  for (const auto& e : events) {
    const auto at = e.text.find("x, y: ");
    if (e.object != object || (e.name != "motion" && e.name != "enter") || at == std::string::npos) {
      continue;
    }
    const std::string xy = e.text.substr(at + 6);  // "100.000000, 200.000000"
    const auto x = number_after(xy, "");
    const auto y = number_after(xy, ", ");
    if (x && y) {
      out.emplace_back(*x, *y);
    }
  }
  return out;
}

class WlrInput : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {kSway, kWev, kStdbuf}) {
      if (::access(program, X_OK) != 0) {
        GTEST_SKIP() << program << " is not installed (scripts/setup.sh installs sway and wev)";
      }
    }
    std::filesystem::permissions(tmp_.path(), std::filesystem::perms::owner_all |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    auto source = make_wlroots_source({640, 480, 60'000},
                                      WlrootsOptions{kSway, "punktfunk-display", tmp_.path()});
    ASSERT_TRUE(source) << source.error().message;
    source_ = std::move(*source);
  }

  void TearDown() override {
    if (wev_) {
      wev_->stop(1s);
    }
    source_.reset();
  }

  // Starts wev in the display as the agent starts an app: the display's
  // environment, as the display's user, leading its own group.
  void start_wev() {
    std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
    for (const auto& kv : source_->app_environment()) {
      env.push_back(kv);
    }
    auto child = ChildProcess::spawn(SpawnSpec{.argv = {kStdbuf, "-oL", kWev},
                                               .environment = env,
                                               .output = log_,
                                               .group = ProcessGroup::own,
                                               .run_as = source_->app_user()});
    ASSERT_TRUE(child) << child.error().message;
    wev_.emplace(std::move(*child));
  }

  [[nodiscard]] std::string output() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Waits until wev has printed `needle` `count` times.
  [[nodiscard]] bool wait_for(const std::string& needle, std::size_t count = 1) const {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = output();
      std::size_t n = 0;
      for (std::size_t at = out.find(needle); at != std::string::npos;
           at = out.find(needle, at + 1)) {
        ++n;
      }
      if (n >= count) {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  test::TempDir tmp_;
  std::filesystem::path log_ = tmp_.path() / "wev.log";
  std::unique_ptr<FrameSource> source_;
  std::optional<ChildProcess> wev_;
};

TEST_F(WlrInput, WevSeesKeysTextPointerAndScroll) {
  start_wev();
  ASSERT_TRUE(wait_for("activated")) << "wev's window never mapped:\n" << output();
  auto injector = source_->open_input();
  ASSERT_TRUE(injector) << injector.error().message;
  auto& in = **injector;

  // The pointer enters wev's window; the keyboard's focus comes with the new keyboard.
  ASSERT_TRUE(in.inject(std::vector<Event>{position(320, 240)}));
  ASSERT_TRUE(wait_for("wl_pointer] enter") && wait_for("wl_keyboard] enter")) << output();

  const std::vector<Event> keys = {key(KEY_A, true), key(KEY_A, false), key(KEY_LEFTSHIFT, true),
                                   key(KEY_A, true), key(KEY_A, false), key(KEY_LEFTSHIFT, false)};
  auto done = in.inject(keys);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, keys.size());
  EXPECT_EQ(done->unsupported, 0U);

  // é is on no key of the "us" layout: it is typed through a keymap of its own.
  auto text = input::text_events("h\u00e9!");
  ASSERT_TRUE(text);
  done = in.inject(*text);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, 1U);
  EXPECT_EQ(done->unsupported, 0U);
  // A key the client knows only by its keysym (€, XKB_KEY_EuroSign), typed on press.
  done = in.inject(std::vector<Event>{{.kind = EventKind::key, .flags = 1, .x = 0x20ac},
                                      {.kind = EventKind::key, .x = 0x20ac}});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, 2U);

  const std::vector<Event> pointer = {
      position(100, 100),
      position(150, 130),
      {.kind = EventKind::mouse_move, .x = 10, .y = -5},
      button(1, true),
      button(1, false),
      {.kind = EventKind::scroll, .y = input::kScrollNotch},       // a notch up
      {.kind = EventKind::scroll, .x = input::kScrollNotch / 2}};  // half right
  done = in.inject(pointer);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, pointer.size());

  // What this display cannot take is counted, not sent.
  done = in.inject(std::vector<Event>{{.kind = EventKind::pad_button, .code = 0x130, .x = 0},
                                      button(4, true),
                                      {.kind = EventKind::key, .flags = 1, .code = 0x300}});
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, 0U);
  EXPECT_EQ(done->unsupported, 3U);

  ASSERT_TRUE(wait_for("axis: 1 (horizontal)")) << output();
  const auto events = parse(output());

  // Keys: XKB keycodes are evdev + 8 (KEY_A 30 → 38, KEY_LEFTSHIFT 42 → 50).
  const int keyboard = first_object(events, "wl_keyboard", "enter");
  const auto typed = key_events(events, keyboard);
  ASSERT_GE(typed.size(), 6U) << output();
  const std::vector<KeyEvent> expected = {{38, 1, "a"}, {38, 0, ""}, {50, 1, ""},
                                          {38, 1, "A"}, {38, 0, ""}, {50, 0, ""}};
  EXPECT_EQ(std::vector<KeyEvent>(typed.begin(), typed.begin() + 6), expected) << output();
  std::string typed_text;
  for (std::size_t i = 6; i < typed.size(); ++i) {
    typed_text += typed[i].utf8;
  }
  EXPECT_EQ(typed_text, "h\u00e9!\u20ac") << output();

  // Pointer: a window's border and title offset absolute positions, so
  // only differences are compared.
  const int mouse = first_object(events, "wl_pointer", "enter");
  const auto motions = positions_of(events, mouse);
  std::vector<std::string> buttons;
  std::vector<std::string> axes;
  for (const auto& e : events) {
    if (e.object != mouse) {
      continue;
    }
    const auto which = number_after(e.text, "; button: ");  // after "button: serial: …; time: …"
    const auto state = number_after(e.text, "state: ");
    if (e.name == "button" && which && state) {
      buttons.push_back(std::to_string(static_cast<int>(*which)) + "/" + std::to_string(static_cast<int>(*state)));
    } else if (e.name.rfind("axis", 0) == 0) {
      axes.push_back(e.text);
    }
  }
  ASSERT_GE(motions.size(), 3U) << output();
  const auto at = [&](std::size_t from_end) { return motions[motions.size() - from_end]; };
  EXPECT_DOUBLE_EQ(at(2).first - at(3).first, 50.0);
  EXPECT_DOUBLE_EQ(at(2).second - at(3).second, 30.0);
  EXPECT_DOUBLE_EQ(at(1).first - at(2).first, 10.0);
  EXPECT_DOUBLE_EQ(at(1).second - at(2).second, -5.0);
  EXPECT_EQ(buttons, (std::vector<std::string>{"272/1", "272/0"})) << output();  // BTN_LEFT
  const auto has = [&](const std::string& needle) {
    return std::any_of(axes.begin(), axes.end(),
                       [&](const std::string& a) { return a.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("(wheel)")) << output();
  EXPECT_TRUE(has("axis: 0 (vertical), value: -15.0")) << output();  // up is negative in Wayland
  EXPECT_TRUE(has("discrete: -1")) << output();
  EXPECT_TRUE(has("axis: 1 (horizontal), value: 7.5")) << output();

  // A mode change in place: absolute positions follow the output's new size.
  // wev's window is laid out again meanwhile (the pointer may leave and
  // enter it), but its border and title stay: where (100, 100) landed
  // before says where (1100, 600) must land now.
  const auto origin = at(3);
  ASSERT_TRUE(source_->set_mode({1280, 720, 60'000}));
  ASSERT_TRUE(in.inject(std::vector<Event>{position(100, 100), position(1100, 600)}));
  const std::pair<double, double> want{origin.first + 1000.0, origin.second + 500.0};
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::pair<double, double> last;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto now = positions_of(parse(output()), mouse);
    last = now.back();
    if (last == want) {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(last, want) << output();
}

TEST_F(WlrInput, KeysTypeWhatTheClientsLayoutSays) {
  start_wev();
  ASSERT_TRUE(wait_for("activated")) << "wev's window never mapped:\n" << output();
  auto injector = source_->open_input();
  ASSERT_TRUE(injector) << injector.error().message;
  ASSERT_TRUE((*injector)->inject(std::vector<Event>{position(320, 240)}));
  ASSERT_TRUE(wait_for("wl_keyboard] enter")) << output();
  // KEY_Q under a French (AZERTY) layout types 'a'; an unknown layout keeps it.
  const auto hinted = [](std::uint16_t code, bool down, std::string_view layout) {
    Event e = key(code, down);
    e.y = static_cast<std::int32_t>(input::layout_hint(layout));
    return e;
  };
  ASSERT_TRUE((*injector)->inject(std::vector<Event>{hinted(KEY_Q, true, "fr"), hinted(KEY_Q, false, "fr"),
                                                     hinted(KEY_Q, true, "zz"), hinted(KEY_Q, false, "zz")}));
  ASSERT_TRUE(wait_for("state: 0 (released)", 2)) << output();
  const auto events = parse(output());
  const auto keys = key_events(events, first_object(events, "wl_keyboard", "enter"));
  ASSERT_EQ(keys.size(), 4U) << output();
  EXPECT_EQ(keys[0], (KeyEvent{24, 1, "a"})) << output();  // KEY_Q 16 + 8
  EXPECT_EQ(keys[2], (KeyEvent{24, 1, "a"})) << output();
}

TEST_F(WlrInput, ClosingReleasesWhatIsHeld) {
  start_wev();
  ASSERT_TRUE(wait_for("activated")) << "wev's window never mapped:\n" << output();
  auto injector = source_->open_input();
  ASSERT_TRUE(injector) << injector.error().message;
  ASSERT_TRUE((*injector)->inject(std::vector<Event>{position(320, 240)}));
  ASSERT_TRUE(wait_for("wl_pointer] enter") && wait_for("wl_keyboard] enter")) << output();
  ASSERT_TRUE((*injector)->inject(std::vector<Event>{key(KEY_B, true), button(3, true)}));
  ASSERT_TRUE(wait_for("state: 1 (pressed)", 2)) << output();  // the key once per wl_keyboard
  injector->reset();  // the session ended with both still down
  EXPECT_TRUE(wait_for("key: 56; state: 0 (released)")) << output();              // KEY_B 48 + 8
  EXPECT_TRUE(wait_for("button: 273 (right), state: 0 (released)")) << output();  // BTN_RIGHT
}

TEST_F(WlrInput, AGoneCompositorIsAnErrorNotACrash) {
  auto injector = source_->open_input();
  ASSERT_TRUE(injector) << injector.error().message;
  ASSERT_TRUE((*injector)->inject(std::vector<Event>{key(KEY_A, true)}));
  source_.reset();  // ends sway
  auto done = (*injector)->inject(std::vector<Event>{key(KEY_A, false)});
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, Errc::closed) << done.error().message;
}

}  // namespace
}  // namespace pf::agent
