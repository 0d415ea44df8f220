// The two SDP-like bodies of GameStream's RTSP, sans-I/O.
//
// DESCRIBE (host → client): attribute lines the client searches for by
// name — encryption it may use, whether the encoder invalidates
// references, HEVC (the literal VPS prefix "sprop-parameter-sets=AAAAAU"),
// AV1 ("a=rtpmap:98 AV1/90000") and the surround layouts it offers.
//
// ANNOUNCE (client → host): "a=name:value" lines, among ordinary SDP lines
// (v=, o=, s=, t=, m=) that carry nothing the host uses. The stream the
// client wants is read from them; keys it did not send take the defaults
// below, and a stream without a size, frame rate or packet size is refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::gamestream {

inline constexpr std::size_t kMaxAnnounceAttributes = 512;
inline constexpr std::size_t kMaxAttributeNameBytes = 128;
inline constexpr std::size_t kMaxAttributeValueBytes = 1024;

/// Encryption flags of x-ss-general.encryption*: control v2, video, audio.
enum EncryptionFlags : std::uint32_t {
  kEncryptControlV2 = 0x1,
  kEncryptVideo = 0x2,
  kEncryptAudio = 0x4,
};

/// x-nv-vqos[0].bitStreamFormat.
enum class StreamCodec : std::uint8_t { h264 = 0, hevc = 1, av1 = 2 };

/// The "a=" lines of an ANNOUNCE body: name → value (the first of a repeated
/// name). Errors: a line past the limits above, or too many of them.
[[nodiscard]] Result<std::map<std::string, std::string>> parse_attributes(std::string_view body);

struct StreamConfig {
  std::uint32_t width = 0;            ///< x-nv-video[0].clientViewportWd (required)
  std::uint32_t height = 0;           ///< x-nv-video[0].clientViewportHt (required)
  std::uint32_t fps = 0;              ///< x-nv-video[0].maxFPS (required)
  std::uint32_t refresh_x100 = 0;     ///< x-nv-video[0].clientRefreshRateX100; 0: fps × 100
  std::uint32_t packet_size = 0;      ///< x-nv-video[0].packetSize (required): video payload bytes per packet
  std::uint32_t bitrate_kbps = 0;     ///< x-ml-video.configuredBitrateKbps, else x-nv-vqos[0].bw.maximumBitrateKbps
  std::uint32_t slices_per_frame = 1;     ///< x-nv-video[0].videoEncoderSlicesPerFrame
  std::uint32_t max_reference_frames = 0; ///< x-nv-video[0].maxNumReferenceFrames; 0: no limit
  StreamCodec codec = StreamCodec::h264;  ///< x-nv-vqos[0].bitStreamFormat
  std::uint32_t dynamic_range = 0;        ///< x-nv-video[0].dynamicRangeMode: 1 = HDR
  std::uint32_t csc_mode = 0;             ///< x-nv-video[0].encoderCscMode
  bool chroma_444 = false;                ///< x-ss-video[0].chromaSamplingType = 1
  std::uint32_t min_fec_packets = 0;      ///< x-nv-vqos[0].fec.minRequiredFecPackets
  std::uint32_t control_protocol = 0;     ///< x-nv-general.useReliableUdp: 13 = encrypted control
  std::uint32_t nv_feature_flags = 0;     ///< x-nv-general.featureFlags (0x20: audio encryption)
  std::uint32_t encryption_enabled = 0;   ///< x-ss-general.encryptionEnabled: EncryptionFlags
  std::uint32_t ml_feature_flags = 0;     ///< x-ml-general.featureFlags (0x1 FEC status, 0x2 ping payload)
  std::uint32_t audio_packet_ms = 5;      ///< x-nv-aqos.packetDuration
  std::uint32_t audio_channels = 2;       ///< x-nv-audio.surround.numChannels
  std::uint32_t audio_channel_mask = 0x3; ///< x-nv-audio.surround.channelMask
  std::uint32_t audio_quality = 0;        ///< x-nv-audio.surround.AudioQuality: 1 = high
  friend bool operator==(const StreamConfig&, const StreamConfig&) = default;
};

/// The stream an ANNOUNCE body asks for. Errors name the key: a required
/// one missing, a value that is not a whole number in range.
[[nodiscard]] Result<StreamConfig> parse_announce(std::string_view body);

/// One surround layout offered in DESCRIBE: "a=fmtp:97 surround-params=" then
/// channels, streams, coupled streams and the channel mapping as digits.
struct SurroundOffer {
  std::uint8_t channels = 0;
  std::uint8_t streams = 0;
  std::uint8_t coupled = 0;
  std::vector<std::uint8_t> mapping;  ///< one digit (0-9) per channel
};

struct DescribeOffer {
  bool hevc = false;
  bool av1 = false;
  bool reference_invalidation = false;   ///< a=x-nv-video[0].refPicInvalidation:1
  std::uint32_t feature_flags = 0;       ///< x-ss-general.featureFlags (pen 0x1, controller touch 0x2)
  std::uint32_t encryption_supported = 0;
  std::uint32_t encryption_requested = 0;
  std::vector<SurroundOffer> surround;
};

/// The DESCRIBE body, lines ending in CRLF.
[[nodiscard]] std::string describe_body(const DescribeOffer& offer);

}  // namespace pf::gamestream
