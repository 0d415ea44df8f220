#include "pf/core/text.hpp"

#include <charconv>

namespace pf {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

Result<std::string> decode_component(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fail(Errc::malformed, "bad percent escape in the query string");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto name = decode_component(pair.substr(0, eq));
    auto value = decode_component(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value) {
      return tl::unexpected(!name ? name.error() : value.error());
    }
    if (!out.emplace(std::move(*name), std::move(*value)).second) {
      return fail(Errc::malformed, "query parameter '{}' is repeated", pair.substr(0, eq));
    }
  }
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::chrono::milliseconds max) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string unit = ascii_lower(std::string_view(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr)));
  std::int64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  }
  if (ec != std::errc() || ptr == text.data() || scale == 0 || n <= 0 || n > max.count() / scale) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(n * scale);
}

std::string hex_encode(Bytes bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> hex_decode(std::string_view what, std::string_view hex, std::size_t min_bytes,
                                             std::size_t max_bytes) {
  if (hex.size() % 2 != 0) {
    return fail(Errc::malformed, "{}: an odd number of hex digits ({})", what, hex.size());
  }
  const std::size_t n = hex.size() / 2;
  if (n < min_bytes || n > max_bytes) {
    if (min_bytes == max_bytes) {
      return fail(Errc::malformed, "{}: {} bytes of hex, {} expected", what, n, min_bytes);
    }
    return fail(Errc::malformed, "{}: {} bytes of hex, {} to {} expected", what, n, min_bytes, max_bytes);
  }
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return fail(Errc::malformed, "{}: a character that is not a hex digit at offset {}", what,
                  hi < 0 ? 2 * i : 2 * i + 1);
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

}  // namespace pf
