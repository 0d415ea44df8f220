// Small ASCII text helpers for parsers (locale-independent on purpose).
#pragma once

#include <string>
#include <string_view>

namespace pf {

[[nodiscard]] constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// Without leading and trailing spaces and tabs.
[[nodiscard]] constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

/// ASCII letters folded to lower / upper case; other bytes unchanged.
[[nodiscard]] std::string ascii_lower(std::string_view s);
[[nodiscard]] std::string ascii_upper(std::string_view s);

}  // namespace pf
