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
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto w = words(line);
    if (w.empty()) {
      continue;
    }
    const auto bad = [&](std::string_view what) {
      return fail(Errc::malformed, "input script line {}: {}", line_no, what);
    };
    std::uint32_t ms = 0;
    if (w.size() != 4 || !number(w[0], ms) || ms > 86'400'000) {
      return bad("expected '<ms> <what> <a> <b>' (ms 0-86400000)");
    }
    Event e;
    const auto pressed = [&](std::string_view s, Event& ev) {
      if (s != "down" && s != "up") {
        return false;
      }
      ev.flags = s == "down" ? 1 : 0;
      return true;
    };
    const std::string_view what = w[1];
    std::int32_t a = 0;
    std::int32_t b = 0;
    if (what == "key" || what == "button") {
      std::uint16_t code = 0;
      if (!number(w[2], code) || code == 0 || !pressed(w[3], e)) {
        return bad("expected '<ms> key|button <code> down|up'");
      }
      e.kind = what == "key" ? EventKind::key : EventKind::mouse_button;
      e.code = code;
    } else if (what == "move" || what == "position" || what == "scroll") {
      if (!number(w[2], a) || !number(w[3], b)) {
        return bad("expected two integers");
      }
      e.kind = what == "move" ? EventKind::mouse_move : what == "position" ? EventKind::mouse_position
                                                                           : EventKind::scroll;
      e.x = a;
      e.y = b;
    } else {
      return bad("unknown event (key, move, position, button, scroll)");
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
