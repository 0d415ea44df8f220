#include "pf/input/script.hpp"

#include <algorithm>
#include <charconv>

namespace pf::input {
namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
      ++i;
    }
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

template <typename T>
bool number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<std::vector<ScriptedEvent>> parse_script(std::string_view text) {
  std::vector<ScriptedEvent> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    const auto bad = [&](std::string_view what) {
      return fail(Errc::malformed, "input script line {}: {}", line_no, what);
    };
    // A text line keeps everything after "text " (a '#' is text there).
    auto w = words(line.substr(0, line.find('#')));
    if (w.size() >= 2 && w[1] == "text") {
      const auto start = static_cast<std::size_t>(w[1].data() + w[1].size() - line.data()) + 1;
      std::string_view typed = start < line.size() ? line.substr(start) : std::string_view{};
      if (!typed.empty() && typed.back() == '\r') {
        typed.remove_suffix(1);
      }
      w.resize(2);
      std::uint32_t ms = 0;
      if (!number(w[0], ms) || ms > 86'400'000) {
        return bad("expected '<ms> text <text>' (ms 0-86400000)");
      }
      auto events = text_events(typed);
      if (!events || events->empty()) {
        return bad(events ? "no text" : "text is not valid UTF-8");
      }
      if (out.size() + events->size() > kMaxScriptEvents) {
        return bad("too many events");
      }
      for (const auto& e : *events) {
        out.push_back({std::chrono::milliseconds(ms), e});
      }
      continue;
    }
    if (w.empty()) {
      continue;
    }
    std::uint32_t ms = 0;
    if (w.size() < 3 || !number(w[0], ms) || ms > 86'400'000) {
      return bad("expected '<ms> <what> …' (ms 0-86400000)");
    }
    Event e;
    const auto pressed = [&](std::string_view s) {
      if (s != "down" && s != "up") {
        return false;
      }
      e.flags = s == "down" ? 1 : 0;
      return true;
    };
    const std::string_view what = w[1];
    const auto args = [&](std::size_t n) { return w.size() == n + 2; };
    if (what == "key" || what == "button") {
      std::uint16_t code = 0;
      if (!args(2) || !number(w[2], code) || code == 0 || !pressed(w[3])) {
        return bad("expected '<ms> key|button <code> down|up'");
      }
      e.kind = what == "key" ? EventKind::key : EventKind::mouse_button;
      e.code = code;
    } else if (what == "move" || what == "position" || what == "scroll") {
      if (!args(2) || !number(w[2], e.x) || !number(w[3], e.y)) {
        return bad("expected two integers");
      }
      e.kind = what == "move" ? EventKind::mouse_move : what == "position" ? EventKind::mouse_position
                                                                           : EventKind::scroll;
    } else if (what == "touch") {
      if (!args(4) || !number(w[2], e.code) || e.code >= kMaxTouchContacts || !number(w[3], e.x) ||
          !number(w[4], e.y) || (w[5] != "down" && w[5] != "move" && w[5] != "up")) {
        return bad("expected '<ms> touch <id 0-9> <x> <y> down|move|up'");
      }
      e.kind = EventKind::touch;
      e.flags = w[5] == "up" ? 0 : 1;
    } else if (what == "pad") {
      std::uint32_t index = 0;
      if (!args(2) || !number(w[2], index) || index >= kMaxPads || (w[3] != "connect" && w[3] != "disconnect")) {
        return bad("expected '<ms> pad <index 0-15> connect|disconnect'");
      }
      e.kind = EventKind::pad_arrival;
      e.x = static_cast<std::int32_t>(index);
      e.flags = w[3] == "connect" ? 1 : 0;
      e.code = static_cast<std::uint16_t>(PadType::xbox360);
      e.extra = kPadRumble;
    } else if (what == "pad-button" || what == "pad-axis") {
      std::uint32_t index = 0;
      const bool button = what == "pad-button";
      if (!args(3) || !number(w[2], index) || index >= kMaxPads || !number(w[3], e.code) ||
          (button ? !pressed(w[4]) : !number(w[4], e.y))) {
        return bad(button ? "expected '<ms> pad-button <index 0-15> <code> down|up'"
                          : "expected '<ms> pad-axis <index 0-15> <code> <value>'");
      }
      e.kind = button ? EventKind::pad_button : EventKind::pad_axis;
      e.x = static_cast<std::int32_t>(index);
    } else {
      return bad("unknown event (key, move, position, button, scroll, text, touch, pad, pad-button, pad-axis)");
    }
    if (out.size() == kMaxScriptEvents) {
      return bad("too many events");
    }
    out.push_back({std::chrono::milliseconds(ms), e});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.at < y.at; });
  return out;
}

}  // namespace pf::input
