// Value grammars shared by every configuration key. Each parser accepts
// exactly what its doc comment says and explains a refusal; the schema adds
// the key, the value and where it came from.
#pragma once

#include <cstdint>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf::config {

/// The explicit on/off grammar, case-insensitive:
/// on = 1, true, on, yes; off = 0, false, off, no. Anything else is an error.
[[nodiscard]] Result<bool> parse_switch(std::string_view text);
inline constexpr std::string_view kSwitchAccepted = "on (1, true, on, yes) or off (0, false, off, no)";

/// A decimal integer in [min, max]; no sign for unsigned ranges, no blanks,
/// no leading '+', no trailing text.
[[nodiscard]] Result<std::int64_t> parse_integer(std::string_view text, std::int64_t min,
                                                 std::int64_t max);

/// A TCP/UDP port, 1-65535.
[[nodiscard]] Result<std::uint16_t> parse_port(std::string_view text);
inline constexpr std::string_view kPortAccepted = "a port number, 1-65535";

}  // namespace pf::config
