// GameStream video on UDP 47998, sans-I/O: an encoded frame in, its RTP
// datagrams out (VideoPacketizer), and the client's side of it back
// (VideoReassembler, for our tests and as the fuzzed parser); also the UDP
// ping a client sends to the video and audio ports (parse_ping).
//
// A frame on the wire (the layout Moonlight's RtpVideoQueue and
// VideoDepacketizer read):
//
//   * the access unit gets an 8-byte short frame header: u8 0x01, LE16 host
//     processing latency (1/10 ms), u8 frame type, LE16 lastPayloadLen (the
//     bytes of header + access unit in the frame's last shard), 2 bytes 0;
//   * header + access unit are cut into chunks of packet_size − 16 bytes
//     (packet_size: the client's x-nv-video[0].packetSize);
//   * each chunk becomes a shard of packet_size + 16 bytes: RTP header (12:
//     0x90, payload type 0, BE16 sequence, BE32 90 kHz timestamp, SSRC 0),
//     4 reserved zero bytes, NV_VIDEO_PACKET (16, little-endian:
//     streamPacketIndex = 24-bit packet counter << 8, frameIndex, flags,
//     extraFlags, multiFecFlags 0x10, multiFecBlocks = block << 4 |
//     (blocks − 1) << 6, fecInfo = shard << 12 | data shards << 22 |
//     fec% << 4), then the chunk; the frame's last chunk is zero-padded;
//   * the shards are grouped into at most 4 FEC blocks; each block's first
//     data shard carries SOF, its last EOF, every data shard PIC_DATA (the
//     client checks exactly this on shards it rebuilds);
//   * per block, parity = Reed–Solomon GF(2^8) (Moonlight's Cauchy code)
//     over whole shards; the client rebuilds a lost shard and then
//     overwrites its RTP header, frameIndex and multiFecBlocks itself, so
//     parity shards carry their own RTP header, frameIndex, multiFecBlocks
//     and fecInfo, written after encoding, and every other byte as encoded;
//   * with SS_ENC_VIDEO each shard is sealed with AES-128-GCM and prefixed
//     with {iv[12], LE32 frame index, tag[16]} (the client then asks for a
//     packet_size 32 bytes smaller).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/gamestream/cipher.hpp"

namespace pf::gamestream {

inline constexpr std::size_t kRtpHeaderBytes = 12;          ///< RTP_PACKET
inline constexpr std::size_t kVideoRtpHeaderBytes = 16;     ///< RTP + 4 reserved (MAX_RTP_HEADER_SIZE)
inline constexpr std::size_t kNvVideoPacketBytes = 16;      ///< NV_VIDEO_PACKET
inline constexpr std::size_t kVideoShardHeaderBytes = kVideoRtpHeaderBytes + kNvVideoPacketBytes;
inline constexpr std::size_t kShortFrameHeaderBytes = 8;
inline constexpr std::size_t kEncVideoHeaderBytes = 32;     ///< ENC_VIDEO_HEADER
inline constexpr std::uint32_t kMaxVideoFecBlocks = 4;      ///< 2-bit block fields
inline constexpr std::uint32_t kMaxFecBlockShards = 255;    ///< data + parity of a coded block
inline constexpr std::uint32_t kMaxVideoBlockShards = 1023; ///< 10-bit shard index and data count
inline constexpr std::uint32_t kMaxVideoFecPercentage = 255;  ///< 8 bits of fecInfo
inline constexpr std::uint32_t kMinVideoPacketSize = 32;
/// A sealed shard (packet_size + 48 bytes) still fits one UDP datagram.
inline constexpr std::uint32_t kMaxVideoPacketSize = 65'408;

inline constexpr std::uint8_t kRtpVideoHeaderByte = 0x90;  ///< version 2 | FLAG_EXTENSION
inline constexpr std::uint8_t kVideoFlagPicData = 0x1;
inline constexpr std::uint8_t kVideoFlagEof = 0x2;
inline constexpr std::uint8_t kVideoFlagSof = 0x4;
inline constexpr std::uint8_t kVideoExtraFlagLtr = 0x1;
inline constexpr std::uint8_t kMultiFecFlags = 0x10;

/// Byte 3 of the short frame header.
enum class FrameType : std::uint8_t {
  unset = 0,
  p = 1,
  idr = 2,
  intra_refresh = 4,
  after_invalidation = 5,  ///< a P-frame after reference invalidation
};

// ---------------------------------------------------------------------------
// FEC shape: how many parity shards a block gets, and how a frame is split.

struct FecBlockShape {
  std::uint32_t data_shards = 0;
  std::uint32_t parity_shards = 0;
  /// As written in fecInfo. The client derives the parity count from it as
  /// (data · pct + 99) / 100, so parity_shards always equals that.
  std::uint32_t fec_percentage = 0;
};

/// pct 0: no parity. Otherwise parity = ceil(data · pct / 100); below
/// min_parity it is raised: pct = floor(100 · min_parity / data), nudged up
/// (at most to 255) until the client's formula gives min_parity or more, and
/// parity is what that formula gives. pct is clamped to 255.
[[nodiscard]] FecBlockShape fec_block_shape(std::uint32_t data_shards, std::uint32_t fec_percentage,
                                            std::uint32_t min_parity) noexcept;

/// The most data shards a coded block can hold at this pct and minimum so
/// that it and every smaller block keep data + parity ≤ 255 (255 for pct 0).
[[nodiscard]] std::uint32_t max_data_shards_per_block(std::uint32_t fec_percentage,
                                                      std::uint32_t min_parity) noexcept;

struct VideoFramePlan {
  std::uint32_t blocks = 0;
  std::array<FecBlockShape, kMaxVideoFecBlocks> block{};
  /// The frame needed more than 4 coded blocks, so it goes out without FEC
  /// in 4 blocks.
  bool fec_dropped = false;
};

/// Splits `data_shards` (≥ 1) into blocks the way the client can take them:
/// blocks = ceil(data / max_data_shards_per_block), each ceil(data / blocks)
/// shards but the last; more than 4 blocks → pct 0 and 4 blocks. limit_reached
/// when a block would still hold more than 1023 shards.
[[nodiscard]] Result<VideoFramePlan> plan_video_frame(std::uint32_t data_shards, std::uint32_t fec_percentage,
                                                      std::uint32_t min_parity);

// ---------------------------------------------------------------------------
// Host side.

struct VideoPacketizerConfig {
  std::uint32_t packet_size = 0;             ///< the client's x-nv-video[0].packetSize (required)
  std::uint32_t fec_percentage = 20;         ///< 0 = no FEC, at most 255
  std::uint32_t min_required_fec_packets = 2;  ///< x-nv-vqos[0].fec.minRequiredFecPackets
  bool encrypt = false;                      ///< SS_ENC_VIDEO
  AesKey key{};                              ///< the session's rikey, with encrypt
  /// The first shard's packet counter (sequence = its low 16 bits,
  /// streamPacketIndex = it << 8). Sessions start at 0.
  std::uint32_t first_packet_index = 0;
};

struct VideoFrame {
  std::uint32_t frame_index = 0;    ///< 1 for the session's first frame, then +1
  std::uint32_t rtp_timestamp = 0;  ///< 90 kHz
  FrameType frame_type = FrameType::unset;
  std::uint16_t host_latency_tenths_ms = 0;
  bool ltr_frame = false;           ///< extraFlags LTR: the encoder keeps it as a long-term reference
  Bytes access_unit{};              ///< Annex B (H.264/HEVC) or an AV1 temporal unit
};

struct VideoPacketizerCounters {
  std::uint64_t frames = 0;
  std::uint64_t datagrams = 0;
  std::uint64_t data_shards = 0;
  std::uint64_t parity_shards = 0;
  std::uint64_t frames_without_fec = 0;  ///< too large for 4 coded blocks
  std::uint64_t bytes = 0;               ///< datagram bytes
};

/// One per video stream and thread. Frames in, datagrams out; the arena
/// holding them grows to the largest frame and is reused, so steady state
/// allocates nothing.
class VideoPacketizer {
 public:
  /// invalid_argument for a packet size outside [32, 65408], pct above 255
  /// or a minimum above 255; io if the cipher cannot be set up.
  [[nodiscard]] static Result<VideoPacketizer> create(const VideoPacketizerConfig& config);

  VideoPacketizer(VideoPacketizer&&) noexcept;
  VideoPacketizer& operator=(VideoPacketizer&&) noexcept;
  ~VideoPacketizer();

  /// The frame's datagrams in send order (each block's data shards, then
  /// its parity), viewing memory valid until the next call. Sequence
  /// numbers continue across frames. invalid_argument for an unset frame
  /// type; limit_reached for a frame too large for the protocol (more than
  /// 4 × 1023 shards).
  [[nodiscard]] Result<std::span<const Bytes>> packetize(const VideoFrame& frame);

  /// Applies from the next frame (clamped to 255).
  void set_fec_percentage(std::uint32_t pct) noexcept;

  /// Bytes of every datagram: packet_size + 16, plus 32 when encrypted.
  [[nodiscard]] std::size_t datagram_bytes() const noexcept;
  [[nodiscard]] const VideoPacketizerCounters& counters() const noexcept;

 private:
  struct State;
  explicit VideoPacketizer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// ---------------------------------------------------------------------------
// Client side.

struct VideoReassemblerConfig {
  std::uint32_t packet_size = 0;  ///< as announced (required)
  bool encrypted = false;
  AesKey key{};
  /// Frames before it are late, and so are those 2^30 or more ahead of the
  /// next one expected.
  std::uint32_t first_frame_index = 1;
  std::size_t max_frames_in_flight = 8;
  /// Shard buffers of open frames (a block takes data + parity shards).
  std::size_t max_bytes_in_flight = std::size_t{64} << 20;
};

struct ReassembledVideoFrame {
  std::uint32_t frame_index = 0;
  std::uint32_t rtp_timestamp = 0;
  std::uint8_t frame_type = 0;  ///< byte 3 of the short header, as sent
  std::uint16_t host_latency_tenths_ms = 0;
  bool ltr_frame = false;
  std::uint32_t fec_blocks = 0;
  std::uint32_t recovered_shards = 0;  ///< data shards FEC rebuilt
  Bytes access_unit{};                 ///< valid only during on_frame
};

class VideoFrameSink {
 public:
  virtual void on_frame(const ReassembledVideoFrame& frame) = 0;
  /// Frames first .. first + count − 1 (mod 2^32) will never be delivered.
  virtual void on_lost(std::uint32_t first, std::uint32_t count) = 0;

 protected:
  ~VideoFrameSink() = default;
};

struct VideoReassemblerCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t malformed = 0;     ///< too short or long, a field out of range
  std::uint64_t auth_failed = 0;   ///< did not decrypt
  std::uint64_t late = 0;          ///< for a frame delivered or reported lost
  std::uint64_t duplicate = 0;
  std::uint64_t inconsistent = 0;  ///< contradicts earlier shards of its frame or block
  std::uint64_t surplus = 0;       ///< for a block already whole
  std::uint64_t dropped = 0;       ///< no room within the limits, and older than what holds it
  std::uint64_t corrupt = 0;       ///< a whole frame that fails the depacketizer's checks
  std::uint64_t evicted = 0;       ///< frames forced out by the limits
  std::uint64_t frames_delivered = 0;
  std::uint64_t frames_recovered = 0;
  std::uint64_t frames_lost = 0;
  std::uint64_t shards_recovered = 0;
};

/// Datagrams in any order, some lost or repeated; frames out in increasing
/// index order, each once, byte-exact or reported lost (never partial): a
/// frame is lost when a later one completes first, when the limits force it
/// out, or on flush(). Every field is checked before it touches state, and
/// when encrypted nothing does before it authenticated. Not thread-safe.
class VideoReassembler {
 public:
  /// invalid_argument for a packet size outside [32, 65408] or zero limits.
  [[nodiscard]] static Result<VideoReassembler> create(const VideoReassemblerConfig& config);

  VideoReassembler(VideoReassembler&&) noexcept;
  VideoReassembler& operator=(VideoReassembler&&) noexcept;
  ~VideoReassembler();

  void receive(Bytes datagram, VideoFrameSink& sink);
  /// Reports every open frame lost (the stream ended or stalled).
  void flush(VideoFrameSink& sink);

  [[nodiscard]] const VideoReassemblerCounters& counters() const noexcept;
  [[nodiscard]] std::size_t frames_in_flight() const noexcept;
  [[nodiscard]] std::size_t bytes_in_flight() const noexcept;

 private:
  struct State;
  explicit VideoReassembler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// ---------------------------------------------------------------------------
// The client's UDP ping, sent every 500 ms from its video and audio sockets
// until media flows: SS_PING {char payload[16]; BE32 sequence} (the payload
// is the session's X-SS-Ping-Payload), or the legacy 4 bytes "PING". Media
// goes to the address and port it came from.

inline constexpr std::size_t kPingPayloadBytes = 16;

struct Ping {
  /// Empty for the legacy "PING".
  std::optional<std::array<char, kPingPayloadBytes>> payload;
  std::uint32_t sequence = 0;  ///< 0 for the legacy form

  [[nodiscard]] std::string_view payload_view() const noexcept {
    return payload ? std::string_view(payload->data(), payload->size()) : std::string_view();
  }
};

/// malformed for anything else: exactly "PING", or at least 20 bytes (a
/// longer datagram's tail is ignored, as hosts do).
[[nodiscard]] Result<Ping> parse_ping(Bytes datagram);

}  // namespace pf::gamestream
