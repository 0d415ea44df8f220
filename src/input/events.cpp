#include "pf/input/events.hpp"

namespace pf::input {

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
