#include "pf/gamestream/control.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "append.hpp"

namespace pf::gamestream {

using detail::Overload;
using detail::put_bytes;
using detail::put_u16be;
using detail::put_u16le;
using detail::put_u32be;
using detail::put_u32le;
using detail::put_u64le;

namespace {

constexpr std::uint64_t kSeqSpace = std::uint64_t{1} << 32;
/// The client's ping payload: LE16 4, LE32 0, and two more bytes (it sends
/// its whole 8-byte buffer).
constexpr std::size_t kPingBytes = 8;
constexpr std::uint32_t kRumbleJunk = 0x00C0FFEE;

[[nodiscard]] ControlRole peer_of(ControlRole role) noexcept {
  return role == ControlRole::host ? ControlRole::client : ControlRole::host;
}

// Counts a refusal on its way out.
[[nodiscard]] tl::unexpected<Error> counted(std::uint64_t& counter, tl::unexpected<Error> error) {
  ++counter;
  return error;
}

[[nodiscard]] tl::unexpected<Error> short_payload(std::string_view what, std::size_t need,
                                                  std::size_t got) {
  return fail(Errc::malformed, "control: {} needs {} payload bytes, got {}", what, need, got);
}

}  // namespace

ControlIvBytes control_iv(ControlIv mode, ControlRole sender, std::uint32_t seq) noexcept {
  ControlIvBytes iv;
  if (mode == ControlIv::v2) {
    iv.size = kGcmIvBytes;
    iv.bytes[0] = static_cast<std::uint8_t>(seq);
    iv.bytes[1] = static_cast<std::uint8_t>(seq >> 8);
    iv.bytes[2] = static_cast<std::uint8_t>(seq >> 16);
    iv.bytes[3] = static_cast<std::uint8_t>(seq >> 24);
    iv.bytes[10] = sender == ControlRole::host ? std::uint8_t{'H'} : std::uint8_t{'C'};
    iv.bytes[11] = 'C';  // the control stream
  } else {
    iv.size = kGcmLegacyIvBytes;
    iv.bytes[0] = static_cast<std::uint8_t>(seq);  // truncated, as the original host does
  }
  return iv;
}

// ---- ControlCipher ---------------------------------------------------------

Result<ControlCipher> ControlCipher::create(const AesKey& key, ControlIv iv, ControlRole role) {
  if (iv != ControlIv::legacy && iv != ControlIv::v2) {
    return fail(Errc::invalid_argument, "control: the IV mode must be set");
  }
  if (role != ControlRole::host && role != ControlRole::client) {
    return fail(Errc::invalid_argument, "control: the role must be set");
  }
  auto gcm = AesGcm::create(key);
  if (!gcm) {
    return tl::unexpected(gcm.error());
  }
  return ControlCipher(std::move(*gcm), iv, role);
}

Status ControlCipher::seal(std::uint16_t type, Bytes payload, std::vector<std::uint8_t>& out) {
  if (payload.size() > kMaxControlPayloadBytes) {
    return fail(Errc::invalid_argument, "control: a payload of {} bytes is over {}", payload.size(),
                kMaxControlPayloadBytes);
  }
  if (send_seq_ >= kSeqSpace) {
    return fail(Errc::limit_reached, "control: 2^32 packets sealed; the IV would repeat");
  }
  const auto seq = static_cast<std::uint32_t>(send_seq_);
  const std::size_t inner = kControlInnerHeaderBytes + payload.size();
  const std::size_t start = out.size();
  out.resize(start + kControlOverheadBytes + payload.size());
  SpanWriter w(MutableBytes(out).subspan(start));
  w.u16le(kEncryptedControlHeaderType);
  w.u16le(static_cast<std::uint16_t>(4 + kGcmTagBytes + inner));
  w.u32le(seq);
  const MutableBytes tag = w.reserve(kGcmTagBytes);
  const MutableBytes body = w.reserve(inner);
  SpanWriter plain(body);  // the plaintext is written in place, then encrypted over itself
  plain.u16le(type);
  plain.u16le(static_cast<std::uint16_t>(payload.size()));
  plain.bytes(payload);
  const auto iv = control_iv(iv_mode_, role_, seq);
  if (auto st = gcm_.seal(iv.view(), body, body, tag.first<kGcmTagBytes>()); !st) {
    out.resize(start);
    return st;
  }
  ++send_seq_;
  ++counters_.sealed;
  return ok();
}

Result<ControlMessage> ControlCipher::open(Bytes packet, std::vector<std::uint8_t>& plaintext) {
  if (packet.size() > kMaxControlPacketBytes) {
    return counted(counters_.malformed,
                   fail(Errc::malformed, "control: a packet of {} bytes is over {}", packet.size(),
                        kMaxControlPacketBytes));
  }
  SpanReader r(packet);
  const std::uint16_t header_type = r.u16le();
  const std::uint16_t length = r.u16le();
  const std::uint32_t seq = r.u32le();
  const Bytes tag = r.bytes(kGcmTagBytes);
  if (!r.ok() || r.remaining() < kControlInnerHeaderBytes) {
    return counted(
        counters_.malformed,
        fail(Errc::malformed, "control: a packet of {} bytes is shorter than its headers ({})",
             packet.size(), kControlOverheadBytes));
  }
  if (header_type != kEncryptedControlHeaderType) {
    return counted(counters_.malformed,
                   fail(Errc::malformed,
                        "control: header type {:#06x} where an encrypted packet (0x0001) belongs",
                        header_type));
  }
  if (std::size_t{length} + 4 != packet.size()) {
    return counted(counters_.malformed,
                   fail(Errc::malformed,
                        "control: the length field says {} bytes follow it, the packet has {}",
                        length, packet.size() - 4));
  }
  const Bytes ciphertext = r.rest();
  plaintext.resize(ciphertext.size());
  const auto iv = control_iv(iv_mode_, peer_of(role_), seq);
  if (!gcm_.open(iv.view(), ciphertext, tag, plaintext)) {
    if (iv_mode_ == ControlIv::v2) {
      const auto own = control_iv(iv_mode_, role_, seq);
      if (gcm_.open(own.view(), ciphertext, tag, plaintext)) {
        std::fill(plaintext.begin(), plaintext.end(), std::uint8_t{0});
        ++counters_.wrong_direction;
        return fail(Errc::refused, "control: packet {} was sealed by a {}, not by the peer", seq,
                    role_ == ControlRole::host ? "host" : "client");
      }
    }
    ++counters_.auth_failed;
    return fail(Errc::malformed,
                "control: packet {} does not authenticate (forged, corrupted or another key)", seq);
  }
  SpanReader inner(plaintext);
  ControlMessage m;
  m.seq = seq;
  m.type = inner.u16le();
  const std::uint16_t payload_len = inner.u16le();
  if (payload_len != inner.remaining()) {
    return counted(
        counters_.malformed,
        fail(Errc::malformed, "control: message {:#06x} says {} payload bytes, {} follow", m.type,
             payload_len, inner.remaining()));
  }
  m.payload = inner.rest();
  ++counters_.opened;
  return m;
}

// ---- Client → host messages --------------------------------------------------

Result<ClientMessage> parse_client_message(const ControlMessage& m) {
  SpanReader r(m.payload);
  switch (m.type) {
    case control_type::kRequestIdr: return RequestIdr{};
    case control_type::kStartB: return StartB{};
    case control_type::kPing: return PeriodicPing{};
    case control_type::kLossStats: return LossStats{m.payload};
    case control_type::kInput: return InputData{m.payload};
    case control_type::kFrameFecStatus: {
      if (m.payload.size() < kFrameFecStatusBytes) {
        return short_payload("frame FEC status", kFrameFecStatusBytes, m.payload.size());
      }
      FrameFecStatus s;
      s.frame_index = r.u32be();
      s.highest_received_seq = r.u16be();
      s.next_contiguous_seq = r.u16be();
      s.missing_before_highest = r.u16be();
      s.total_data_packets = r.u16be();
      s.total_parity_packets = r.u16be();
      s.received_data_packets = r.u16be();
      s.received_parity_packets = r.u16be();
      s.fec_percentage = r.u8();
      s.multi_fec_block_index = r.u8();
      s.multi_fec_block_count = r.u8();
      return s;
    }
    case control_type::kInvalidateReferences: {
      // Older clients (and the IDR fallback) send 3 × LE64; a client with
      // SS_RFI_REQUEST sends LE32 first, 0, LE32 last, 0…: the same bytes.
      if (m.payload.size() < 16) {
        return short_payload("reference invalidation", 16, m.payload.size());
      }
      InvalidateReferences inv;
      inv.first_frame = r.u64le();
      inv.last_frame = r.u64le();
      if (inv.first_frame > inv.last_frame) {
        return fail(Errc::malformed, "control: reference invalidation runs backwards ({} > {})",
                    inv.first_frame, inv.last_frame);
      }
      return inv;
    }
    case control_type::kLtrAck: {
      if (m.payload.size() < 4) {
        return short_payload("LTR acknowledgement", 4, m.payload.size());
      }
      return LtrAck{r.u32le()};
    }
    default: return UnknownMessage{m.type, m.payload};
  }
}

std::uint16_t type_of(const ClientMessage& m) noexcept {
  return std::visit(
      Overload{
          [](const RequestIdr&) { return control_type::kRequestIdr; },
          [](const StartB&) { return control_type::kStartB; },
          [](const PeriodicPing&) { return control_type::kPing; },
          [](const FrameFecStatus&) { return control_type::kFrameFecStatus; },
          [](const InvalidateReferences&) { return control_type::kInvalidateReferences; },
          [](const LtrAck&) { return control_type::kLtrAck; },
          [](const InputData&) { return control_type::kInput; },
          [](const LossStats&) { return control_type::kLossStats; },
          [](const UnknownMessage& u) { return u.type; },
      },
      m);
}

void append_payload(const ClientMessage& m, std::vector<std::uint8_t>& out) {
  std::visit(Overload{
                 [&](const RequestIdr&) { put_u16le(out, 0); },
                 [&](const StartB&) { out.push_back(0); },
                 [&](const PeriodicPing&) {
                   put_u16le(out, 4);
                   put_u32le(out, 0);
                   put_u16le(out, 0);
                   static_assert(kPingBytes == 8);
                 },
                 [&](const FrameFecStatus& s) {
                   put_u32be(out, s.frame_index);
                   put_u16be(out, s.highest_received_seq);
                   put_u16be(out, s.next_contiguous_seq);
                   put_u16be(out, s.missing_before_highest);
                   put_u16be(out, s.total_data_packets);
                   put_u16be(out, s.total_parity_packets);
                   put_u16be(out, s.received_data_packets);
                   put_u16be(out, s.received_parity_packets);
                   out.push_back(s.fec_percentage);
                   out.push_back(s.multi_fec_block_index);
                   out.push_back(s.multi_fec_block_count);
                 },
                 [&](const InvalidateReferences& inv) {
                   put_u64le(out, inv.first_frame);
                   put_u64le(out, inv.last_frame);
                   put_u64le(out, 0);
                 },
                 [&](const LtrAck& a) {
                   put_u32le(out, a.frame_index);
                   put_u32le(out, 0);
                 },
                 [&](const InputData& d) { put_bytes(out, d.packet); },
                 [&](const LossStats& s) { put_bytes(out, s.payload); },
                 [&](const UnknownMessage& u) { put_bytes(out, u.payload); },
             },
             m);
}

// ---- Host → client messages --------------------------------------------------

std::uint16_t type_of(const HostMessage& m) noexcept {
  return std::visit(Overload{
                        [](const Rumble&) { return control_type::kRumble; },
                        [](const Termination&) { return control_type::kTermination; },
                        [](const HdrMode&) { return control_type::kHdrMode; },
                        [](const RumbleTriggers&) { return control_type::kRumbleTriggers; },
                        [](const UnknownMessage& u) { return u.type; },
                    },
                    m);
}

void append_payload(const HostMessage& m, std::vector<std::uint8_t>& out) {
  std::visit(Overload{
                 [&](const Rumble& r) {
                   put_u32le(out, kRumbleJunk);  // the client skips these 4 bytes
                   put_u16le(out, r.controller);
                   put_u16le(out, r.low_freq);
                   put_u16le(out, r.high_freq);
                 },
                 [&](const Termination& t) { put_u32be(out, t.hresult); },
                 [&](const HdrMode& h) {
                   out.push_back(h.enabled ? 1 : 0);
                   for (const auto& p : h.metadata.primaries) {
                     put_u16le(out, p[0]);
                     put_u16le(out, p[1]);
                   }
                   put_u16le(out, h.metadata.white_point[0]);
                   put_u16le(out, h.metadata.white_point[1]);
                   put_u16le(out, h.metadata.max_display_luminance);
                   put_u16le(out, h.metadata.min_display_luminance);
                   put_u16le(out, h.metadata.max_content_light_level);
                   put_u16le(out, h.metadata.max_frame_average_light_level);
                   put_u16le(out, h.metadata.max_full_frame_luminance);
                 },
                 [&](const RumbleTriggers& t) {
                   put_u16le(out, t.controller);
                   put_u16le(out, t.left);
                   put_u16le(out, t.right);
                 },
                 [&](const UnknownMessage& u) { put_bytes(out, u.payload); },
             },
             m);
}

Result<HostMessage> parse_host_message(const ControlMessage& m) {
  SpanReader r(m.payload);
  switch (m.type) {
    case control_type::kRumble: {
      if (m.payload.size() < kRumbleBytes) {
        return short_payload("rumble", kRumbleBytes, m.payload.size());
      }
      r.skip(4);
      Rumble out;
      out.controller = r.u16le();
      out.low_freq = r.u16le();
      out.high_freq = r.u16le();
      return out;
    }
    case control_type::kTermination: {
      if (m.payload.size() >= 4) {
        return Termination{r.u32be()};
      }
      if (m.payload.size() >= 2) {  // the short form: LE16 reason, 0x0100 = intended
        const std::uint16_t reason = r.u16le();
        return Termination{reason == 0x0100 ? kTerminationGraceful : reason};
      }
      return short_payload("termination", 2, m.payload.size());
    }
    case control_type::kHdrMode: {
      if (m.payload.empty()) {
        return short_payload("HDR mode", 1, 0);
      }
      HdrMode h;
      h.enabled = r.u8() != 0;
      for (auto& p : h.metadata.primaries) {
        p[0] = r.u16le_or_zero();
        p[1] = r.u16le_or_zero();
      }
      h.metadata.white_point[0] = r.u16le_or_zero();
      h.metadata.white_point[1] = r.u16le_or_zero();
      h.metadata.max_display_luminance = r.u16le_or_zero();
      h.metadata.min_display_luminance = r.u16le_or_zero();
      h.metadata.max_content_light_level = r.u16le_or_zero();
      h.metadata.max_frame_average_light_level = r.u16le_or_zero();
      h.metadata.max_full_frame_luminance = r.u16le_or_zero();
      return h;
    }
    case control_type::kRumbleTriggers: {
      if (m.payload.size() < 6) {
        return short_payload("trigger rumble", 6, m.payload.size());
      }
      RumbleTriggers t;
      t.controller = r.u16le();
      t.left = r.u16le();
      t.right = r.u16le();
      return t;
    }
    default: return UnknownMessage{m.type, m.payload};
  }
}

}  // namespace pf::gamestream
