// The host side of GameStream video: the FEC shape rules, the packetizer,
// and the client's UDP ping. The layout is described in video_packets.hpp.
#include "pf/gamestream/video_packets.hpp"

#include <algorithm>
#include <cstring>

#include "pf/fec/coder.hpp"
#include "video_wire.hpp"

namespace pf::gamestream {

namespace vw = video_wire;

namespace {

[[nodiscard]] std::uint32_t client_parity(std::uint32_t data, std::uint32_t pct) noexcept {
  return static_cast<std::uint32_t>((std::uint64_t{data} * pct + 99) / 100);
}

[[nodiscard]] Status check_packet_size(std::uint32_t packet_size) {
  if (packet_size < kMinVideoPacketSize || packet_size > kMaxVideoPacketSize) {
    return fail(Errc::invalid_argument, "video packet size {} is outside [{}, {}]", packet_size,
                kMinVideoPacketSize, kMaxVideoPacketSize);
  }
  return ok();
}

}  // namespace

FecBlockShape fec_block_shape(std::uint32_t data_shards, std::uint32_t fec_percentage,
                              std::uint32_t min_parity) noexcept {
  std::uint32_t pct = std::min(fec_percentage, kMaxVideoFecPercentage);
  if (data_shards == 0 || pct == 0) {
    return {.data_shards = data_shards, .parity_shards = 0, .fec_percentage = 0};
  }
  if (client_parity(data_shards, pct) < min_parity) {
    const std::uint64_t floor_pct = std::uint64_t{100} * min_parity / data_shards;
    pct = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(floor_pct, 1, kMaxVideoFecPercentage));
    while (client_parity(data_shards, pct) < min_parity && pct < kMaxVideoFecPercentage) {
      ++pct;
    }
  }
  return {.data_shards = data_shards, .parity_shards = client_parity(data_shards, pct), .fec_percentage = pct};
}

std::uint32_t max_data_shards_per_block(std::uint32_t fec_percentage, std::uint32_t min_parity) noexcept {
  if (std::min(fec_percentage, kMaxVideoFecPercentage) == 0) {
    return kMaxFecBlockShards;
  }
  // A one-shard block gets at most ceil(2.55) = 3 parity shards, so 1 always fits.
  std::uint32_t best = 1;
  for (std::uint32_t d = 1; d < kMaxFecBlockShards; ++d) {
    if (d + fec_block_shape(d, fec_percentage, min_parity).parity_shards > kMaxFecBlockShards) {
      break;
    }
    best = d;
  }
  return best;
}

Result<VideoFramePlan> plan_video_frame(std::uint32_t data_shards, std::uint32_t fec_percentage,
                                        std::uint32_t min_parity) {
  if (data_shards == 0) {
    return fail(Errc::invalid_argument, "a video frame has at least one shard");
  }
  std::uint32_t pct = std::min(fec_percentage, kMaxVideoFecPercentage);
  VideoFramePlan plan;
  const std::uint32_t per_block_max = max_data_shards_per_block(pct, min_parity);
  std::uint32_t blocks = (data_shards + per_block_max - 1) / per_block_max;
  if (blocks > kMaxVideoFecBlocks) {
    plan.fec_dropped = pct != 0;
    pct = 0;
    blocks = kMaxVideoFecBlocks;
  }
  const std::uint32_t per_block = (data_shards + blocks - 1) / blocks;
  if (per_block > kMaxVideoBlockShards) {
    return fail(Errc::limit_reached, "a video frame of {} shards exceeds {} blocks of {}", data_shards,
                kMaxVideoFecBlocks, kMaxVideoBlockShards);
  }
  plan.blocks = (data_shards + per_block - 1) / per_block;
  for (std::uint32_t b = 0; b < plan.blocks; ++b) {
    const std::uint32_t d = std::min(per_block, data_shards - b * per_block);
    plan.block[b] = fec_block_shape(d, pct, min_parity);
  }
  return plan;
}

// ---------------------------------------------------------------------------

struct VideoPacketizer::State {
  VideoPacketizerConfig config;
  std::unique_ptr<fec::Coder> coder;
  std::optional<AesGcm> gcm;
  std::uint32_t next_packet = 0;
  std::uint64_t iv_counter = 0;
  std::size_t shard_bytes = 0;  ///< packet_size + 16
  std::size_t chunk_bytes = 0;  ///< packet_size − 16: frame bytes per shard
  std::size_t prefix_bytes = 0;  ///< ENC_VIDEO_HEADER or nothing
  std::size_t slot_bytes = 0;
  std::vector<std::uint8_t> arena;
  std::vector<Bytes> views;
  std::vector<const std::uint8_t*> data;
  std::vector<std::uint8_t*> parity;
  VideoPacketizerCounters counters;

  [[nodiscard]] std::uint8_t* shard(std::size_t slot) noexcept {
    return arena.data() + slot * slot_bytes + prefix_bytes;
  }
};

Result<VideoPacketizer> VideoPacketizer::create(const VideoPacketizerConfig& config) {
  if (auto st = check_packet_size(config.packet_size); !st) {
    return tl::unexpected(st.error());
  }
  if (config.fec_percentage > kMaxVideoFecPercentage || config.min_required_fec_packets > kMaxFecBlockShards) {
    return fail(Errc::invalid_argument, "video FEC {}% with at least {} parity shards is out of range",
                config.fec_percentage, config.min_required_fec_packets);
  }
  auto state = std::make_unique<State>();
  state->config = config;
  auto coder = fec::make_coder(fec::Scheme::gf8);
  if (!coder) {
    return tl::unexpected(coder.error());
  }
  state->coder = std::move(*coder);
  if (config.encrypt) {
    auto gcm = AesGcm::create(config.key);
    if (!gcm) {
      return tl::unexpected(gcm.error());
    }
    state->gcm.emplace(std::move(*gcm));
    state->prefix_bytes = kEncVideoHeaderBytes;
  }
  state->next_packet = config.first_packet_index;
  state->shard_bytes = std::size_t{config.packet_size} + kVideoRtpHeaderBytes;
  state->chunk_bytes = std::size_t{config.packet_size} - kNvVideoPacketBytes;
  state->slot_bytes = state->prefix_bytes + state->shard_bytes;
  return VideoPacketizer(std::move(state));
}

VideoPacketizer::VideoPacketizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
VideoPacketizer::VideoPacketizer(VideoPacketizer&&) noexcept = default;
VideoPacketizer& VideoPacketizer::operator=(VideoPacketizer&&) noexcept = default;
VideoPacketizer::~VideoPacketizer() = default;

void VideoPacketizer::set_fec_percentage(std::uint32_t pct) noexcept {
  state_->config.fec_percentage = std::min(pct, kMaxVideoFecPercentage);
}

std::size_t VideoPacketizer::datagram_bytes() const noexcept { return state_->slot_bytes; }

const VideoPacketizerCounters& VideoPacketizer::counters() const noexcept { return state_->counters; }

Result<std::span<const Bytes>> VideoPacketizer::packetize(const VideoFrame& frame) {
  State& s = *state_;
  if (frame.frame_type == FrameType::unset) {
    return fail(Errc::invalid_argument, "video frame {} has no frame type", frame.frame_index);
  }
  const std::size_t total = kShortFrameHeaderBytes + frame.access_unit.size();
  const std::size_t shards = (total + s.chunk_bytes - 1) / s.chunk_bytes;
  if (shards > std::size_t{kMaxVideoFecBlocks} * kMaxVideoBlockShards) {
    return fail(Errc::limit_reached, "video frame {} of {} bytes needs {} shards, more than the protocol carries",
                frame.frame_index, frame.access_unit.size(), shards);
  }
  auto plan = plan_video_frame(static_cast<std::uint32_t>(shards), s.config.fec_percentage,
                               s.config.min_required_fec_packets);
  if (!plan) {
    return tl::unexpected(plan.error());
  }
  std::size_t slots = 0;
  std::uint32_t max_block = 0;
  for (std::uint32_t b = 0; b < plan->blocks; ++b) {
    slots += plan->block[b].data_shards + plan->block[b].parity_shards;
    max_block = std::max(max_block, plan->block[b].data_shards + plan->block[b].parity_shards);
  }
  if (s.arena.size() < slots * s.slot_bytes) {
    s.arena.resize(slots * s.slot_bytes);
  }
  if (s.data.size() < max_block) {
    s.data.resize(max_block);
    s.parity.resize(max_block);
  }

  // The short frame header; the frame's bytes are this followed by the access unit.
  std::size_t last_len = total % s.chunk_bytes;
  if (last_len == 0) {
    last_len = s.chunk_bytes;
  }
  std::array<std::uint8_t, kShortFrameHeaderBytes> header{};
  header[0] = 0x01;
  header[1] = static_cast<std::uint8_t>(frame.host_latency_tenths_ms);
  header[2] = static_cast<std::uint8_t>(frame.host_latency_tenths_ms >> 8);
  header[3] = static_cast<std::uint8_t>(frame.frame_type);
  header[4] = static_cast<std::uint8_t>(last_len);
  header[5] = static_cast<std::uint8_t>(last_len >> 8);
  // Copies frame bytes [from, from + n) (header, then access unit) to dst.
  auto copy_frame_bytes = [&](std::uint8_t* dst, std::size_t from, std::size_t n) {
    if (from < kShortFrameHeaderBytes) {
      const std::size_t h = std::min(n, kShortFrameHeaderBytes - from);
      std::memcpy(dst, header.data() + from, h);
      dst += h;
      from += h;
      n -= h;
    }
    if (n != 0) {
      std::memcpy(dst, frame.access_unit.data() + (from - kShortFrameHeaderBytes), n);
    }
  };

  const std::uint8_t extra = frame.ltr_frame ? kVideoExtraFlagLtr : 0;
  std::size_t slot = 0;
  std::size_t offset = 0;  // into the frame's bytes
  for (std::uint32_t b = 0; b < plan->blocks; ++b) {
    const FecBlockShape& shape = plan->block[b];
    const std::uint8_t mfb = vw::multi_fec_blocks(b, plan->blocks);
    const std::uint32_t base = s.next_packet;
    for (std::uint32_t i = 0; i < shape.data_shards; ++i) {
      std::uint8_t* p = s.shard(slot + i);
      std::memset(p, 0, vw::kPayload);
      vw::write_block_fields(p, static_cast<std::uint16_t>(base + i), frame.rtp_timestamp, frame.frame_index, mfb,
                             vw::fec_info(i, shape.data_shards, shape.fec_percentage));
      vw::put_le32(p + vw::kStreamPacketIndex, (base + i) << 8);
      std::uint8_t flags = kVideoFlagPicData;
      if (i == 0) {
        flags |= kVideoFlagSof;
      }
      if (i + 1 == shape.data_shards) {
        flags |= kVideoFlagEof;
      }
      p[vw::kFlags] = flags;
      p[vw::kExtraFlags] = extra;
      p[vw::kMultiFecFlags] = kMultiFecFlags;
      const std::size_t n = std::min(s.chunk_bytes, total - offset);
      copy_frame_bytes(p + vw::kPayload, offset, n);
      std::memset(p + vw::kPayload + n, 0, s.chunk_bytes - n);
      offset += n;
      s.data[i] = p;
    }
    if (shape.parity_shards != 0) {
      for (std::uint32_t j = 0; j < shape.parity_shards; ++j) {
        s.parity[j] = s.shard(slot + shape.data_shards + j);
      }
      if (auto st = s.coder->encode(std::span(s.data).first(shape.data_shards),
                                    std::span(s.parity).first(shape.parity_shards), s.shard_bytes);
          !st) {
        return tl::unexpected(st.error());
      }
      // Parity shards get their own header fields; every other byte stays as
      // encoded, which is what the client's decoder expects there.
      for (std::uint32_t j = 0; j < shape.parity_shards; ++j) {
        const std::uint32_t index = shape.data_shards + j;
        vw::write_block_fields(s.parity[j], static_cast<std::uint16_t>(base + index), frame.rtp_timestamp,
                               frame.frame_index, mfb, vw::fec_info(index, shape.data_shards, shape.fec_percentage));
      }
    }
    slot += shape.data_shards + shape.parity_shards;
    s.next_packet = base + shape.data_shards + shape.parity_shards;
    s.counters.data_shards += shape.data_shards;
    s.counters.parity_shards += shape.parity_shards;
  }

  s.views.clear();
  for (std::size_t i = 0; i < slots; ++i) {
    std::uint8_t* datagram = s.arena.data() + i * s.slot_bytes;
    if (s.gcm) {
      const auto iv = vw::video_iv(s.iv_counter++);
      std::memcpy(datagram + vw::kEncIv, iv.data(), iv.size());
      vw::put_le32(datagram + vw::kEncFrameNumber, frame.frame_index);
      const MutableBytes shard(datagram + kEncVideoHeaderBytes, s.shard_bytes);
      if (auto st = s.gcm->seal(iv, shard, shard,
                                std::span<std::uint8_t, kGcmTagBytes>(datagram + vw::kEncTag, kGcmTagBytes));
          !st) {
        return tl::unexpected(st.error());
      }
    }
    s.views.emplace_back(datagram, s.slot_bytes);
  }
  ++s.counters.frames;
  s.counters.frames_without_fec += plan->fec_dropped ? 1U : 0U;
  s.counters.datagrams += slots;
  s.counters.bytes += slots * s.slot_bytes;
  return std::span<const Bytes>(s.views);
}

// ---------------------------------------------------------------------------

Result<Ping> parse_ping(Bytes datagram) {
  static constexpr std::array<std::uint8_t, 4> kLegacy{'P', 'I', 'N', 'G'};
  if (datagram.size() == kLegacy.size() && std::equal(kLegacy.begin(), kLegacy.end(), datagram.begin())) {
    return Ping{};
  }
  if (datagram.size() < kPingPayloadBytes + 4) {
    return fail(Errc::malformed, "a {}-byte datagram is no ping", datagram.size());
  }
  Ping ping;
  ping.payload.emplace();
  std::memcpy(ping.payload->data(), datagram.data(), kPingPayloadBytes);
  ping.sequence = vw::get_be32(datagram.data() + kPingPayloadBytes);
  return ping;
}

}  // namespace pf::gamestream
