// Small ASCII text helpers for parsers (locale-independent on purpose).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

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

/// A positive whole number and a unit, no blanks: "500ms", "10s", "2m",
/// "1h", "7d" (units case-insensitive). nullopt for anything else, zero,
/// or more than `max`.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(
    std::string_view text, std::chrono::milliseconds max = std::chrono::hours(24 * 365));

/// The query string of a request target ("a=1&b=x%20y"): percent-decoded,
/// '+' as space. A repeated name or a bad escape is an error (malformed).
[[nodiscard]] Result<std::map<std::string, std::string>> parse_query(std::string_view query);

/// Lowercase hex.
[[nodiscard]] std::string hex_encode(Bytes bytes);
/// Hex digits (either case), an even number, decoding to `min_bytes` …
/// `max_bytes`; errors (malformed) name `what`.
[[nodiscard]] Result<std::vector<std::uint8_t>> hex_decode(std::string_view what, std::string_view hex,
                                                           std::size_t min_bytes, std::size_t max_bytes);

}  // namespace pf
