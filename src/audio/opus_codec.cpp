#include "pf/audio/opus_codec.hpp"

#include <opus_multistream.h>

namespace pf::audio {
namespace {

std::string_view opus_error(int code) { return opus_strerror(code); }

}  // namespace

Result<Layout> layout_for(unsigned channels) {
  if (channels != 2 && channels != 6 && channels != 8) {
    return fail(Errc::unsupported, "{} audio channels: stereo (2), 5.1 (6) and 7.1 (8) are supported", channels);
  }
  Layout l;
  l.channels = static_cast<std::uint8_t>(channels);
  int streams = 0;
  int coupled = 0;
  int error = OPUS_OK;
  OpusMSEncoder* probe = opus_multistream_surround_encoder_create(
      kSampleRate, static_cast<int>(channels), channels > 2 ? 1 : 0, &streams, &coupled, l.mapping.data(),
      OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error);
  if (probe == nullptr) {
    return fail(Errc::unsupported, "opus: {} channels: {}", channels, opus_error(error));
  }
  opus_multistream_encoder_destroy(probe);
  l.streams = static_cast<std::uint8_t>(streams);
  l.coupled = static_cast<std::uint8_t>(coupled);
  return l;
}

bool valid(const Layout& l) noexcept {
  if (l.channels == 0 || l.channels > kMaxChannels || l.streams == 0 || l.coupled > l.streams ||
      l.streams + l.coupled > 255) {
    return false;
  }
  const unsigned decoded = unsigned{l.streams} + l.coupled;
  for (std::size_t c = 0; c < l.channels; ++c) {
    if (l.mapping[c] != 255 && l.mapping[c] >= decoded) {
      return false;
    }
  }
  return true;
}

std::string_view pulse_channel_map(unsigned channels) noexcept {
  switch (channels) {
    case 2: return "front-left,front-right";
    case 6: return "front-left,front-right,front-center,lfe,rear-left,rear-right";
    case 8: return "front-left,front-right,front-center,lfe,rear-left,rear-right,side-left,side-right";
    default: return "";
  }
}

void Encoder::Free::operator()(OpusMSEncoder* e) const noexcept { opus_multistream_encoder_destroy(e); }
void Decoder::Free::operator()(OpusMSDecoder* d) const noexcept { opus_multistream_decoder_destroy(d); }

Result<Encoder> Encoder::open(unsigned channels, std::uint32_t bitrate_bps) {
  auto layout = layout_for(channels);
  if (!layout) {
    return tl::unexpected(layout.error());
  }
  Encoder e;
  e.layout_ = *layout;
  int streams = 0;
  int coupled = 0;
  int error = OPUS_OK;
  e.enc_.reset(opus_multistream_surround_encoder_create(kSampleRate, static_cast<int>(channels), channels > 2 ? 1 : 0,
                                                        &streams, &coupled, e.layout_.mapping.data(),
                                                        OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error));
  if (!e.enc_) {
    return fail(Errc::unsupported, "opus encoder: {}", opus_error(error));
  }
  const auto bitrate = static_cast<opus_int32>(bitrate_bps);
  if (const int r = opus_multistream_encoder_ctl(e.enc_.get(), OPUS_SET_BITRATE(bitrate)); r != OPUS_OK) {
    return fail(Errc::invalid_argument, "opus bitrate {} b/s: {}", bitrate_bps, opus_error(r));
  }
  (void)opus_multistream_encoder_ctl(e.enc_.get(), OPUS_SET_VBR(0));
  (void)opus_multistream_encoder_ctl(e.enc_.get(), OPUS_SET_COMPLEXITY(10));
  return e;
}

Result<std::size_t> Encoder::encode(std::span<const float> pcm, MutableBytes out) {
  if (pcm.size() != std::size_t{kFrameSamples} * layout_.channels) {
    return fail(Errc::invalid_argument, "opus: {} samples for a {}-channel 5 ms frame", pcm.size(), layout_.channels);
  }
  const int n = opus_multistream_encode_float(enc_.get(), pcm.data(), kFrameSamples, out.data(),
                                              static_cast<opus_int32>(std::min(out.size(), kMaxPacketBytes)));
  if (n < 0) {
    return fail(Errc::invalid_argument, "opus encode: {}", opus_error(n));
  }
  return static_cast<std::size_t>(n);
}

Result<Decoder> Decoder::open(const Layout& layout) {
  if (!valid(layout)) {
    return fail(Errc::malformed, "opus: an inconsistent channel layout ({} channels, {} streams, {} coupled)",
                layout.channels, layout.streams, layout.coupled);
  }
  Decoder d;
  d.layout_ = layout;
  int error = OPUS_OK;
  d.dec_.reset(opus_multistream_decoder_create(kSampleRate, layout.channels, layout.streams, layout.coupled,
                                               layout.mapping.data(), &error));
  if (!d.dec_) {
    return fail(Errc::malformed, "opus decoder: {}", opus_error(error));
  }
  return d;
}

Status Decoder::decode(Bytes packet, std::span<float> pcm) {
  if (pcm.size() != std::size_t{kFrameSamples} * layout_.channels) {
    return fail(Errc::invalid_argument, "opus: room for {} samples, a frame is {}", pcm.size(),
                kFrameSamples * layout_.channels);
  }
  const int n = opus_multistream_decode_float(dec_.get(), packet.empty() ? nullptr : packet.data(),
                                              static_cast<opus_int32>(packet.size()), pcm.data(), kFrameSamples, 0);
  if (n < 0) {
    return fail(Errc::malformed, "opus decode: {}", opus_error(n));
  }
  if (n != kFrameSamples) {
    return fail(Errc::malformed, "opus decode: {} samples where a 5 ms frame has {}", n, kFrameSamples);
  }
  return ok();
}

}  // namespace pf::audio
