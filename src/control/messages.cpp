#include "pf/control/messages.hpp"

#include <array>
#include <type_traits>

namespace pf::control {
namespace {

// type_of() relies on the alternatives standing in type order.
static_assert(std::is_same_v<std::variant_alternative_t<0, Message>, Hello>);
static_assert(std::is_same_v<std::variant_alternative_t<8, Message>, InvalidateFrames>);
static_assert(std::is_same_v<std::variant_alternative_t<14, Message>, Reject>);
static_assert(std::is_same_v<std::variant_alternative_t<16, Message>, PairRequest>);
static_assert(std::variant_size_v<Message> == static_cast<std::size_t>(MessageType::rumble));

void write_mode(SpanWriter& w, const Mode& m) noexcept {
  w.u32le(m.width);
  w.u32le(m.height);
  w.u32le(m.refresh_mhz);
}

Mode read_mode(SpanReader& r) noexcept { return {r.u32le(), r.u32le(), r.u32le()}; }

// HostStats is 16 u32 fields in declaration order.
std::array<std::uint32_t, 16> host_stats_fields(const HostStats& m) noexcept {
  return {m.frames, m.capture_wait_p50_us, m.capture_wait_p99_us, m.convert_p50_us, m.convert_p99_us,
          m.encode_p50_us, m.encode_p99_us, m.packetize_p50_us, m.packetize_p99_us, m.send_p50_us,
          m.send_p99_us, m.host_p50_us, m.host_p99_us, m.keyframes, m.invalidations, m.fec_pct};
}

struct BodyWriter {
  SpanWriter& w;
  void operator()(const Hello& m) const {
    w.u32le(m.magic);
    w.u16le(m.version);
    w.u16le(m.min_version);
    w.u32le(m.codecs);
    write_mode(w, m.mode);
    w.u32le(m.bitrate_kbps);
    w.u8(m.audio_channels);
    w.u16le(m.max_shard_bytes);
    w.string16(m.name);
  }
  void operator()(const Welcome& m) const {
    w.u64le(m.session_id);
    w.u16le(m.version);
    w.u8(static_cast<std::uint8_t>(m.codec));
    write_mode(w, m.mode);
    w.u16le(m.data_port);
    w.bytes(m.key);
    w.bytes(m.salt);
    w.u8(m.fec_scheme);
    w.u8(m.fec_pct);
    w.u16le(m.shard_bytes);
    w.u32le(m.first_frame_index);
    w.u32le(m.bitrate_kbps);
    w.u8(static_cast<std::uint8_t>(m.source));
    w.u8(m.audio_channels);
    w.u8(m.audio_streams);
    w.u8(m.audio_coupled);
    w.bytes(m.audio_mapping);
    w.u32le(m.audio_bitrate_kbps);
  }
  void operator()(const Start& m) const { w.u16le(m.client_data_port); }
  void operator()(const Reconfigure& m) const { write_mode(w, m.mode); }
  void operator()(const Reconfigured& m) const {
    w.u8(m.accepted);
    write_mode(w, m.mode);
  }
  void operator()(const SetBitrate& m) const { w.u32le(m.kbps); }
  void operator()(const BitrateChanged& m) const { w.u32le(m.kbps); }
  void operator()(const RequestKeyframe&) const {}
  void operator()(const InvalidateFrames& m) const {
    w.u32le(m.first);
    w.u32le(m.last);
  }
  void operator()(const LossReport& m) const {
    w.u32le(m.loss_ppm);
    w.u32le(m.frames_lost);
    w.u32le(m.frames_recovered);
  }
  void operator()(const ClockProbe& m) const { w.u64le(m.t1_ns); }
  void operator()(const ClockEcho& m) const {
    w.u64le(m.t1_ns);
    w.u64le(m.t2_ns);
    w.u64le(m.t3_ns);
  }
  void operator()(const Stats& m) const {
    w.u32le(m.frames_decoded);
    w.u32le(m.frames_corrupt);
    w.u32le(m.frames_lost);
    w.u32le(m.e2e_p50_us);
    w.u32le(m.e2e_p99_us);
    w.u32le(m.decode_p50_us);
  }
  void operator()(const Goodbye& m) const { w.u8(static_cast<std::uint8_t>(m.reason)); }
  void operator()(const Reject& m) const {
    w.u8(static_cast<std::uint8_t>(m.reason));
    w.string16(m.detail);
  }
  void operator()(const HostStats& m) const {
    for (const std::uint32_t v : host_stats_fields(m)) {
      w.u32le(v);
    }
  }
  void operator()(const PairRequest& m) const {
    w.bytes(m.element);
    w.string16(m.name);
  }
  void operator()(const PairChallenge& m) const {
    w.bytes(m.element);
    w.bytes(m.confirm);
  }
  void operator()(const PairProof& m) const { w.bytes(m.confirm); }
  void operator()(const PairResult& m) const {
    w.u8(static_cast<std::uint8_t>(m.outcome));
    w.u8(m.access);
    w.string16(m.detail);
  }
  void operator()(const Knock& m) const { w.string16(m.name); }
  void operator()(const PairPending& m) const {
    w.u64le(m.request_id);
    w.u32le(m.wait_s);
  }
  void operator()(const AccessNotice& m) const {
    w.u8(m.access);
    w.u32le(m.seconds_left);
    w.string16(m.detail);
  }
  void operator()(const Rumble& m) const {
    w.u8(m.pad);
    w.u16le(m.strong);
    w.u16le(m.weak);
    w.u32le(m.duration_ms);
  }
};

// A string field every version has: longer than `limit` fails the read.
std::string read_string(SpanReader& r, std::size_t limit) {
  const std::string_view s = r.string16();
  if (s.size() > limit) {
    r.skip(r.remaining() + 1);
    return {};
  }
  return std::string(s);
}

// A string field in a tail: absent → empty. Longer than `limit` fails the read.
std::string read_tail_string(SpanReader& r, std::size_t limit) {
  return r.remaining() < 2 ? std::string() : read_string(r, limit);
}

Result<Message> read_body(MessageType type, SpanReader& r) {
  switch (type) {
    case MessageType::hello: {
      Hello m;
      m.magic = r.u32le();
      m.version = r.u16le();
      m.min_version = r.u16le();
      m.codecs = r.u32le();
      m.mode = read_mode(r);
      m.bitrate_kbps = r.u32le();
      m.audio_channels = r.u8_or_zero();
      m.max_shard_bytes = r.u16le_or_zero();
      m.name = read_tail_string(r, kMaxNameBytes);
      if (r.ok() && m.magic != kHelloMagic) {
        return fail(Errc::malformed, "hello: magic {:#010x} is not \"PKF1\"", m.magic);
      }
      return m;
    }
    case MessageType::welcome: {
      Welcome m;
      m.session_id = r.u64le();
      m.version = r.u16le();
      m.codec = static_cast<Codec>(r.u8());
      m.mode = read_mode(r);
      m.data_port = r.u16le();
      r.copy_to(m.key);
      r.copy_to(m.salt);
      m.fec_scheme = r.u8();
      m.fec_pct = r.u8();
      m.shard_bytes = r.u16le();
      m.first_frame_index = r.u32le();
      m.bitrate_kbps = r.u32le();
      m.source = static_cast<DisplaySource>(r.u8_or_zero());
      m.audio_channels = r.u8_or_zero();
      m.audio_streams = r.u8_or_zero();
      m.audio_coupled = r.u8_or_zero();
      if (r.remaining() >= m.audio_mapping.size()) {
        r.copy_to(m.audio_mapping);
      }
      m.audio_bitrate_kbps = r.u32le_or_zero();
      return m;
    }
    case MessageType::start: return Start{r.u16le()};
    case MessageType::reconfigure: return Reconfigure{read_mode(r)};
    case MessageType::reconfigured: {
      Reconfigured m;
      m.accepted = r.u8();
      m.mode = read_mode(r);
      return m;
    }
    case MessageType::set_bitrate: return SetBitrate{r.u32le()};
    case MessageType::bitrate_changed: return BitrateChanged{r.u32le()};
    case MessageType::request_keyframe: return RequestKeyframe{};
    case MessageType::invalidate_frames: {
      InvalidateFrames m;
      m.first = r.u32le();
      m.last = r.u32le();
      return m;
    }
    case MessageType::loss_report: {
      LossReport m;
      m.loss_ppm = r.u32le();
      m.frames_lost = r.u32le();
      m.frames_recovered = r.u32le();
      return m;
    }
    case MessageType::clock_probe: return ClockProbe{r.u64le()};
    case MessageType::clock_echo: {
      ClockEcho m;
      m.t1_ns = r.u64le();
      m.t2_ns = r.u64le();
      m.t3_ns = r.u64le();
      return m;
    }
    case MessageType::stats: {
      Stats m;
      m.frames_decoded = r.u32le();
      m.frames_corrupt = r.u32le();
      m.frames_lost = r.u32le();
      m.e2e_p50_us = r.u32le();
      m.e2e_p99_us = r.u32le();
      m.decode_p50_us = r.u32le();
      return m;
    }
    case MessageType::goodbye: return Goodbye{static_cast<GoodbyeReason>(r.u8())};
    case MessageType::reject: {
      Reject m;
      m.reason = static_cast<RejectReason>(r.u8());
      m.detail = read_tail_string(r, 4 * kMaxNameBytes);
      return m;
    }
    case MessageType::host_stats: {
      HostStats m;
      for (std::uint32_t* field :
           {&m.frames, &m.capture_wait_p50_us, &m.capture_wait_p99_us, &m.convert_p50_us, &m.convert_p99_us,
            &m.encode_p50_us, &m.encode_p99_us, &m.packetize_p50_us, &m.packetize_p99_us, &m.send_p50_us,
            &m.send_p99_us, &m.host_p50_us, &m.host_p99_us, &m.keyframes, &m.invalidations, &m.fec_pct}) {
        *field = r.u32le();
      }
      return m;
    }
    case MessageType::pair_request: {
      PairRequest m;
      r.copy_to(m.element);
      m.name = read_string(r, kMaxNameBytes);
      return m;
    }
    case MessageType::pair_challenge: {
      PairChallenge m;
      r.copy_to(m.element);
      r.copy_to(m.confirm);
      return m;
    }
    case MessageType::pair_proof: {
      PairProof m;
      r.copy_to(m.confirm);
      return m;
    }
    case MessageType::pair_result: {
      PairResult m;
      m.outcome = static_cast<PairOutcome>(r.u8());
      m.access = r.u8();
      m.detail = read_string(r, 4 * kMaxNameBytes);
      return m;
    }
    case MessageType::knock: return Knock{read_string(r, kMaxNameBytes)};
    case MessageType::pair_pending: {
      PairPending m;
      m.request_id = r.u64le();
      m.wait_s = r.u32le();
      return m;
    }
    case MessageType::access_notice: {
      AccessNotice m;
      m.access = r.u8();
      m.seconds_left = r.u32le();
      m.detail = read_string(r, 4 * kMaxNameBytes);
      return m;
    }
    case MessageType::rumble: {
      Rumble m;
      m.pad = r.u8();
      m.strong = r.u16le();
      m.weak = r.u16le();
      m.duration_ms = r.u32le();
      return m;
    }
    case MessageType::unset:
      break;
  }
  return fail(Errc::unsupported, "control message type {} is unknown", static_cast<unsigned>(type));
}

}  // namespace

MessageType type_of(const Message& message) noexcept {
  // The variant's alternatives are in type order, starting at hello = 1.
  return static_cast<MessageType>(message.index() + 1);
}

std::string_view to_string(MessageType type) noexcept {
  switch (type) {
    case MessageType::unset: return "unset";
    case MessageType::hello: return "hello";
    case MessageType::welcome: return "welcome";
    case MessageType::start: return "start";
    case MessageType::reconfigure: return "reconfigure";
    case MessageType::reconfigured: return "reconfigured";
    case MessageType::set_bitrate: return "set_bitrate";
    case MessageType::bitrate_changed: return "bitrate_changed";
    case MessageType::request_keyframe: return "request_keyframe";
    case MessageType::invalidate_frames: return "invalidate_frames";
    case MessageType::loss_report: return "loss_report";
    case MessageType::clock_probe: return "clock_probe";
    case MessageType::clock_echo: return "clock_echo";
    case MessageType::stats: return "stats";
    case MessageType::goodbye: return "goodbye";
    case MessageType::reject: return "reject";
    case MessageType::host_stats: return "host_stats";
    case MessageType::pair_request: return "pair_request";
    case MessageType::pair_challenge: return "pair_challenge";
    case MessageType::pair_proof: return "pair_proof";
    case MessageType::pair_result: return "pair_result";
    case MessageType::knock: return "knock";
    case MessageType::pair_pending: return "pair_pending";
    case MessageType::access_notice: return "access_notice";
    case MessageType::rumble: return "rumble";
  }
  return "unknown";
}

std::string_view to_string(GoodbyeReason reason) noexcept {
  switch (reason) {
    case GoodbyeReason::unset: return "no reason given";
    case GoodbyeReason::quit: return "quit";
    case GoodbyeReason::error: return "an error on the host";
    case GoodbyeReason::idle: return "idle timeout";
    case GoodbyeReason::replaced: return "replaced by a newer session";
    case GoodbyeReason::access_expired: return "access expired";
    case GoodbyeReason::revoked: return "unpaired by the host's operator";
    case GoodbyeReason::stopped: return "ended by the host's operator";
  }
  return "unknown reason";
}

std::string_view to_string(PairOutcome outcome) noexcept {
  switch (outcome) {
    case PairOutcome::unset: return "unset";
    case PairOutcome::paired: return "paired";
    case PairOutcome::wrong_pin: return "wrong_pin";
    case PairOutcome::not_armed: return "not_armed";
    case PairOutcome::locked: return "locked";
    case PairOutcome::busy: return "busy";
    case PairOutcome::denied: return "denied";
    case PairOutcome::timeout: return "timeout";
    case PairOutcome::not_for_you: return "not_for_you";
    case PairOutcome::malformed: return "malformed";
    case PairOutcome::already_paired: return "already_paired";
  }
  return "unknown";
}

Status encode(const Message& message, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + kEnvelopeBytes + kMaxBodyBytes);
  SpanWriter w(MutableBytes(out).subspan(start));
  const MutableBytes envelope = w.reserve(kEnvelopeBytes);
  std::visit(BodyWriter{w}, message);
  if (!w.ok()) {
    out.resize(start);
    return fail(Errc::invalid_argument, "{}: a field is too long to encode", to_string(type_of(message)));
  }
  const std::size_t body = w.size() - kEnvelopeBytes;
  SpanWriter e(envelope);
  e.u32le(static_cast<std::uint32_t>(body));
  e.u16le(static_cast<std::uint16_t>(type_of(message)));
  e.u16le(0);
  out.resize(start + w.size());
  return ok();
}

Result<Decoded> decode_body(MessageType type, Bytes body) {
  SpanReader r(body);
  auto message = read_body(type, r);
  if (!message) {
    return tl::unexpected(message.error());
  }
  if (!r.ok()) {
    return fail(Errc::malformed, "{}: body of {} bytes is short or holds an oversized string",
                to_string(type), body.size());
  }
  return Decoded{std::move(*message), r.remaining()};
}

void StreamDecoder::feed(Bytes bytes) {
  if (read_ > 0 && read_ == buffer_.size()) {
    buffer_.clear();
    read_ = 0;
  } else if (read_ > kMaxBodyBytes) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_));
    read_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

StreamDecoder::Next StreamDecoder::next() {
  if (broken_) {
    return {Outcome::fatal, {}};
  }
  SpanReader r(Bytes(buffer_).subspan(read_));
  const std::uint32_t body_bytes = r.u32le();
  const auto type = static_cast<MessageType>(r.u16le());
  const std::uint16_t flags = r.u16le();
  if (!r.ok()) {
    return {Outcome::need_more, {}};
  }
  if (body_bytes > kMaxBodyBytes || flags != 0) {
    broken_ = true;
    ++malformed_;
    return {Outcome::fatal, {}};
  }
  const Bytes body = r.bytes(body_bytes);
  if (!r.ok()) {
    return {Outcome::need_more, {}};
  }
  read_ += kEnvelopeBytes + body_bytes;
  auto decoded = decode_body(type, body);
  if (!decoded) {
    ++(decoded.error().code == Errc::unsupported ? unknown_types_ : malformed_);
    return {Outcome::skipped, {}};
  }
  return {Outcome::message, std::move(*decoded)};
}

}  // namespace pf::control
