// Where the fields of a GameStream video shard sit (internal to
// pf_gamestream): the RTP header and the 4 reserved bytes (16), then
// NV_VIDEO_PACKET (16, little-endian), then the payload; the
// ENC_VIDEO_HEADER that prefixes a sealed shard; the GCM IV.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pf/gamestream/video_packets.hpp"

namespace pf::gamestream::video_wire {

// RTP_PACKET
inline constexpr std::size_t kRtpHeader = 0;
inline constexpr std::size_t kRtpPayloadType = 1;
inline constexpr std::size_t kRtpSequence = 2;   // BE16
inline constexpr std::size_t kRtpTimestamp = 4;  // BE32
inline constexpr std::size_t kRtpSsrc = 8;       // BE32
// NV_VIDEO_PACKET, after the 4 reserved bytes
inline constexpr std::size_t kStreamPacketIndex = 16;  // LE32
inline constexpr std::size_t kFrameIndex = 20;         // LE32
inline constexpr std::size_t kFlags = 24;
inline constexpr std::size_t kExtraFlags = 25;
inline constexpr std::size_t kMultiFecFlags = 26;
inline constexpr std::size_t kMultiFecBlocks = 27;
inline constexpr std::size_t kFecInfo = 28;  // LE32
inline constexpr std::size_t kPayload = 32;
static_assert(kPayload == kVideoShardHeaderBytes);

// ENC_VIDEO_HEADER
inline constexpr std::size_t kEncIv = 0;
inline constexpr std::size_t kEncFrameNumber = 12;  // LE32
inline constexpr std::size_t kEncTag = 16;
static_assert(kEncTag + kGcmTagBytes == kEncVideoHeaderBytes);

[[nodiscard]] inline std::uint32_t fec_info(std::uint32_t shard, std::uint32_t data_shards,
                                            std::uint32_t pct) noexcept {
  return shard << 12 | data_shards << 22 | pct << 4;
}
[[nodiscard]] inline std::uint8_t multi_fec_blocks(std::uint32_t block, std::uint32_t blocks) noexcept {
  return static_cast<std::uint8_t>(block << 4 | (blocks - 1) << 6);
}

inline void put_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}
inline void put_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  }
}
[[nodiscard]] inline std::uint32_t get_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
[[nodiscard]] inline std::uint16_t get_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
[[nodiscard]] inline std::uint32_t get_be32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

/// Writes the fields the client overwrites in a shard it rebuilds (RTP
/// header, frameIndex, multiFecBlocks) and fecInfo: what a parity shard
/// carries in place of its encoded bytes there.
inline void write_block_fields(std::uint8_t* shard, std::uint16_t sequence, std::uint32_t rtp_timestamp,
                               std::uint32_t frame_index, std::uint8_t multi_fec_blocks_byte,
                               std::uint32_t fec_info_word) noexcept {
  shard[kRtpHeader] = kRtpVideoHeaderByte;
  shard[kRtpPayloadType] = 0;
  put_be16(shard + kRtpSequence, sequence);
  put_be32(shard + kRtpTimestamp, rtp_timestamp);
  put_be32(shard + kRtpSsrc, 0);
  put_le32(shard + kFrameIndex, frame_index);
  shard[kMultiFecBlocks] = multi_fec_blocks_byte;
  put_le32(shard + kFecInfo, fec_info_word);
}

/// The host's GCM IV for video: a 64-bit little-endian counter, three zero
/// bytes, 'V' (the fixed field that keeps it apart from the other streams
/// keyed with the same rikey).
[[nodiscard]] inline std::array<std::uint8_t, kGcmIvBytes> video_iv(std::uint64_t counter) noexcept {
  std::array<std::uint8_t, kGcmIvBytes> iv{};
  for (int i = 0; i < 8; ++i) {
    iv[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter >> (8 * i));
  }
  iv[11] = 'V';
  return iv;
}

[[nodiscard]] constexpr bool serial_before(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) < 0;
}

}  // namespace pf::gamestream::video_wire
