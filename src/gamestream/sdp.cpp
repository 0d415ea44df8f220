#include "pf/gamestream/sdp.hpp"

#include <charconv>
#include <initializer_list>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "pf/core/text.hpp"

namespace pf::gamestream {
namespace {

using Attributes = std::map<std::string, std::string>;

// A key's value as a whole number in [0, max]; nullopt when absent.
Result<std::optional<std::uint32_t>> number(const Attributes& a, const std::string& key,
                                            std::uint32_t max = std::numeric_limits<std::uint32_t>::max()) {
  const auto it = a.find(key);
  if (it == a.end()) {
    return std::optional<std::uint32_t>{};
  }
  const std::string& text = it->second;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0 ||
      v > static_cast<std::int64_t>(max)) {
    return fail(Errc::malformed, "ANNOUNCE {}='{}' is not a whole number from 0 to {}", key, text.substr(0, 32), max);
  }
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(v));
}

}  // namespace

Result<Attributes> parse_attributes(std::string_view body) {
  Attributes out;
  std::size_t lines = 0;
  while (!body.empty()) {
    const auto eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    line = trim_blanks(line);
    if (!line.empty() && line.back() == '\r') {
      line = trim_blanks(line.substr(0, line.size() - 1));
    }
    if (!line.starts_with("a=")) {
      continue;  // v=, o=, s=, t=, m=: nothing the host uses
    }
    if (++lines > kMaxAnnounceAttributes) {
      return fail(Errc::overflow, "ANNOUNCE has more than {} attributes", kMaxAnnounceAttributes);
    }
    line.remove_prefix(2);
    const auto colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view{} : trim_blanks(line.substr(colon + 1));
    if (name.empty() || name.size() > kMaxAttributeNameBytes || value.size() > kMaxAttributeValueBytes) {
      return fail(Errc::malformed, "ANNOUNCE attribute with an empty or oversized name or value");
    }
    out.emplace(std::string(name), std::string(value));  // the first of a repeated name stays
  }
  return out;
}

Result<StreamConfig> parse_announce(std::string_view body) {
  auto attributes = parse_attributes(body);
  if (!attributes) {
    return tl::unexpected(attributes.error());
  }
  const Attributes& a = *attributes;
  StreamConfig c;
  // Each field: the key, its limit, and whether the stream is refused without it.
  struct Field {
    const char* key;
    std::uint32_t* out;
    std::uint32_t max;
    bool required;
  };
  std::uint32_t codec = 0;
  std::uint32_t chroma = 0;
  std::uint32_t max_bitrate = 0;
  std::uint32_t configured_bitrate = 0;
  const std::initializer_list<Field> fields = {
      {"x-nv-video[0].clientViewportWd", &c.width, 16384, true},
      {"x-nv-video[0].clientViewportHt", &c.height, 16384, true},
      {"x-nv-video[0].maxFPS", &c.fps, 1000, true},
      {"x-nv-video[0].packetSize", &c.packet_size, 65535, true},
      {"x-nv-video[0].clientRefreshRateX100", &c.refresh_x100, 100000, false},
      {"x-nv-vqos[0].bw.maximumBitrateKbps", &max_bitrate, 10'000'000, false},
      {"x-ml-video.configuredBitrateKbps", &configured_bitrate, 10'000'000, false},
      {"x-nv-video[0].videoEncoderSlicesPerFrame", &c.slices_per_frame, 64, false},
      {"x-nv-video[0].maxNumReferenceFrames", &c.max_reference_frames, 16, false},
      {"x-nv-vqos[0].bitStreamFormat", &codec, 2, false},
      {"x-nv-video[0].dynamicRangeMode", &c.dynamic_range, 1, false},
      {"x-nv-video[0].encoderCscMode", &c.csc_mode, 255, false},
      {"x-ss-video[0].chromaSamplingType", &chroma, 1, false},
      {"x-nv-vqos[0].fec.minRequiredFecPackets", &c.min_fec_packets, 255, false},
      {"x-nv-general.useReliableUdp", &c.control_protocol, 255, false},
      {"x-nv-general.featureFlags", &c.nv_feature_flags, std::numeric_limits<std::uint32_t>::max(), false},
      {"x-ss-general.encryptionEnabled", &c.encryption_enabled, 0x7, false},
      {"x-ml-general.featureFlags", &c.ml_feature_flags, std::numeric_limits<std::uint32_t>::max(), false},
      {"x-nv-aqos.packetDuration", &c.audio_packet_ms, 100, false},
      {"x-nv-audio.surround.numChannels", &c.audio_channels, 8, false},
      {"x-nv-audio.surround.channelMask", &c.audio_channel_mask, 0xFFFF, false},
      {"x-nv-audio.surround.AudioQuality", &c.audio_quality, 1, false},
  };
  for (const Field& f : fields) {
    auto v = number(a, f.key, f.max);
    if (!v) {
      return tl::unexpected(v.error());
    }
    if (*v) {
      *f.out = **v;
    } else if (f.required) {
      return fail(Errc::malformed, "ANNOUNCE lacks {}", f.key);
    }
  }
  if (c.width == 0 || c.height == 0 || c.fps == 0 || c.packet_size == 0) {
    return fail(Errc::malformed, "ANNOUNCE asks for a {}x{} stream at {} fps in {}-byte packets", c.width,
                c.height, c.fps, c.packet_size);
  }
  c.codec = static_cast<StreamCodec>(codec);
  c.chroma_444 = chroma == 1;
  c.bitrate_kbps = configured_bitrate != 0 ? configured_bitrate : max_bitrate;
  return c;
}

std::string describe_body(const DescribeOffer& offer) {
  std::string out;
  out += fmt::format("a=x-ss-general.featureFlags:{}\r\n", offer.feature_flags);
  out += fmt::format("a=x-ss-general.encryptionSupported:{}\r\n", offer.encryption_supported);
  out += fmt::format("a=x-ss-general.encryptionRequested:{}\r\n", offer.encryption_requested);
  if (offer.reference_invalidation) {
    out += "a=x-nv-video[0].refPicInvalidation:1\r\n";
  }
  if (offer.hevc) {
    out += "sprop-parameter-sets=AAAAAU\r\n";  // clients look for this VPS prefix to know HEVC is there
  }
  if (offer.av1) {
    out += "a=rtpmap:98 AV1/90000\r\n";
  }
  for (const auto& s : offer.surround) {
    std::string mapping;
    for (const auto m : s.mapping) {
      mapping += static_cast<char>('0' + (m % 10));
    }
    out += fmt::format("a=fmtp:97 surround-params={}{}{}{}\r\n", s.channels, s.streams, s.coupled, mapping);
  }
  return out;
}

}  // namespace pf::gamestream
