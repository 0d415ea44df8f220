#include "pf/input/events.hpp"

#include <algorithm>
#include <array>

namespace pf::input {
namespace {

// A text event's 12 bytes are x, y and extra in wire order (little-endian).
std::array<std::uint8_t, kTextBytesPerEvent> text_bytes(const Event& e) {
  std::array<std::uint8_t, kTextBytesPerEvent> out{};
  const std::array<std::uint32_t, 3> words{static_cast<std::uint32_t>(e.x), static_cast<std::uint32_t>(e.y), e.extra};
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k] = static_cast<std::uint8_t>(words[k / 4] >> (8 * (k % 4)));
  }
  return out;
}

void set_text_bytes(Event& e, const std::array<std::uint8_t, kTextBytesPerEvent>& bytes) {
  std::array<std::uint32_t, 3> words{};
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    words[k / 4] |= std::uint32_t{bytes[k]} << (8 * (k % 4));
  }
  e.x = static_cast<std::int32_t>(words[0]);
  e.y = static_cast<std::int32_t>(words[1]);
  e.extra = words[2];
}

}  // namespace

std::optional<std::vector<char32_t>> code_points(std::string_view utf8) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      n = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      n = 2;
      cp = lead & 0x1FU;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      n = 3;
      cp = lead & 0x0FU;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      n = 4;
      cp = lead & 0x07U;
      min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + n > utf8.size()) {
      return std::nullopt;
    }
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(utf8[i + k]);
      if ((c & 0xC0) != 0x80) {
        return std::nullopt;
      }
      cp = (cp << 6) | (c & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

Result<std::vector<Event>> text_events(std::string_view utf8) {
  if (!code_points(utf8)) {
    return fail(Errc::malformed, "text is not valid UTF-8");
  }
  std::vector<Event> out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    // Take whole code points while they fit: continuation bytes never start one.
    std::size_t end = std::min(utf8.size(), i + kTextBytesPerEvent);
    while (end < utf8.size() && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) {
      --end;
    }
    Event e{.kind = EventKind::text, .code = static_cast<std::uint16_t>(end - i)};
    std::array<std::uint8_t, kTextBytesPerEvent> bytes{};
    std::copy(utf8.begin() + static_cast<std::ptrdiff_t>(i), utf8.begin() + static_cast<std::ptrdiff_t>(end),
              bytes.begin());
    set_text_bytes(e, bytes);
    out.push_back(e);
    i = end;
  }
  return out;
}

std::string text_of(const Event& e) {
  if (e.kind != EventKind::text || e.code == 0 || e.code > kTextBytesPerEvent) {
    return {};
  }
  const auto bytes = text_bytes(e);
  return {bytes.begin(), bytes.begin() + e.code};
}

std::uint32_t layout_hint(std::string_view name) noexcept {
  if (name.empty() || name.size() > 4) {
    return 0;
  }
  std::uint32_t hint = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return 0;
    }
    hint |= std::uint32_t{static_cast<unsigned char>(c)} << (8 * i);
  }
  return hint;
}

std::string layout_name(std::uint32_t hint) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<char>((hint >> (8 * i)) & 0xFFU);
    if (c == '\0') {
      break;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return {};
    }
    out.push_back(c);
  }
  return out;
}

void write_event(SpanWriter& w, const Event& e) noexcept {
  w.u8(static_cast<std::uint8_t>(e.kind));
  w.u8(e.flags);
  w.u16le(e.code);
  w.u32le(static_cast<std::uint32_t>(e.x));
  w.u32le(static_cast<std::uint32_t>(e.y));
  w.u32le(e.extra);
}

Event read_event(SpanReader& r) noexcept {
  Event e;
  e.kind = static_cast<EventKind>(r.u8());
  e.flags = r.u8();
  e.code = r.u16le();
  e.x = static_cast<std::int32_t>(r.u32le());
  e.y = static_cast<std::int32_t>(r.u32le());
  e.extra = r.u32le();
  return e;
}

Status encode_packet(std::span<const Event> events, std::vector<std::uint8_t>& out) {
  if (events.size() > kMaxEventsPerPacket) {
    return fail(Errc::invalid_argument, "{} input events; at most {} per packet", events.size(), kMaxEventsPerPacket);
  }
  const std::size_t start = out.size();
  out.resize(start + kPacketHeaderBytes + events.size() * kEventBytes);
  SpanWriter w(MutableBytes(out).subspan(start));
  w.u8(kInputPayload);
  w.u8(kWireVersion);
  w.u16le(static_cast<std::uint16_t>(events.size()));
  for (const auto& e : events) {
    write_event(w, e);
  }
  return ok();
}

Result<std::vector<Event>> decode_packet(Bytes payload) {
  SpanReader r(payload);
  const std::uint8_t type = r.u8();
  const std::uint8_t version = r.u8();
  const std::uint16_t count = r.u16le();
  if (!r.ok() || type != kInputPayload) {
    return fail(Errc::malformed, "not an input payload");
  }
  if (version != kWireVersion) {
    return fail(Errc::malformed, "input wire version {} (this host reads {})", version, kWireVersion);
  }
  if (count > kMaxEventsPerPacket || r.remaining() < std::size_t{count} * kEventBytes) {
    return fail(Errc::malformed, "input packet claims {} events in {} bytes", count, r.remaining());
  }
  std::vector<Event> events;
  events.reserve(count);
  for (std::uint16_t i = 0; i < count; ++i) {
    events.push_back(read_event(r));
  }
  return events;
}

}  // namespace pf::input
