#include "pf/config/values.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "pf/core/text.hpp"

namespace pf::config {
Result<bool> parse_switch(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kOn = {"1", "true", "on", "yes"};
  static constexpr std::array<std::string_view, 4> kOff = {"0", "false", "off", "no"};
  const std::string v = ascii_lower(text);
  if (std::find(kOn.begin(), kOn.end(), v) != kOn.end()) {
    return true;
  }
  if (std::find(kOff.begin(), kOff.end(), v) != kOff.end()) {
    return false;
  }
  return fail(Errc::config_invalid, "not an on/off value");
}

Result<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max) {
  if (text.empty()) {
    return fail(Errc::config_invalid, "empty");
  }
  if (text.front() == '+' || (text.front() == '-' && min >= 0)) {
    return fail(Errc::config_invalid, "not a plain decimal number");
  }
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    return fail(Errc::config_invalid, "out of range ({}-{})", min, max);
  }
  if (ec != std::errc() || ptr != end) {
    return fail(Errc::config_invalid, "not a decimal number");
  }
  if (value < min || value > max) {
    return fail(Errc::config_invalid, "out of range ({}-{})", min, max);
  }
  return value;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  auto v = parse_integer(text, 1, 65535);
  if (!v) {
    return tl::unexpected(v.error());
  }
  return static_cast<std::uint16_t>(*v);
}

}  // namespace pf::config
