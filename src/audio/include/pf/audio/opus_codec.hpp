// Opus for the session's sound: CELT in restricted low-delay mode, 48 kHz,
// 5 ms frames, stereo, 5.1 or 7.1.
//
// Every layout goes through Opus's multistream API so one decoder
// description serves all: `Layout` (channels, streams, coupled streams, the
// channel mapping) is what the host tells the client in Welcome. 5.1 and
// 7.1 use Vorbis channel order (mapping family 1): FL FR FC LFE RL RR
// [SL SR] as PulseAudio's channel maps below name them.
//
// Not thread-safe: one encoder per session's audio thread, one decoder per
// client.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

struct OpusMSEncoder;
struct OpusMSDecoder;

namespace pf::audio {

inline constexpr int kSampleRate = 48'000;
inline constexpr int kFrameSamples = 240;  ///< 5 ms at 48 kHz, per channel
inline constexpr std::size_t kMaxChannels = 8;
/// An Opus packet of a 5 ms frame at up to 510 kb/s per stream is far below.
inline constexpr std::size_t kMaxPacketBytes = 1'400;

struct Layout {
  std::uint8_t channels = 0;  ///< 2, 6 (5.1) or 8 (7.1)
  std::uint8_t streams = 0;
  std::uint8_t coupled = 0;
  std::array<std::uint8_t, kMaxChannels> mapping{};
  friend bool operator==(const Layout&, const Layout&) = default;
};

/// The layout Opus's surround encoder uses for `channels` (2, 6 or 8);
/// unsupported for anything else.
[[nodiscard]] Result<Layout> layout_for(unsigned channels);

/// True when `l` is one a decoder can be built from (counts and mapping
/// consistent): a client checks what the host sent before trusting it.
[[nodiscard]] bool valid(const Layout& l) noexcept;

/// PulseAudio's channel map for the layout ("front-left,front-right").
[[nodiscard]] std::string_view pulse_channel_map(unsigned channels) noexcept;

class Encoder {
 public:
  /// bitrate in bit/s for the whole layout. CBR, complexity 10.
  [[nodiscard]] static Result<Encoder> open(unsigned channels, std::uint32_t bitrate_bps);
  /// Encodes kFrameSamples × channels interleaved floats; returns the bytes
  /// written to `out` (at most kMaxPacketBytes).
  [[nodiscard]] Result<std::size_t> encode(std::span<const float> pcm, MutableBytes out);
  [[nodiscard]] const Layout& layout() const noexcept { return layout_; }

 private:
  struct Free {
    void operator()(OpusMSEncoder* e) const noexcept;
  };
  std::unique_ptr<OpusMSEncoder, Free> enc_;
  Layout layout_;
};

class Decoder {
 public:
  [[nodiscard]] static Result<Decoder> open(const Layout& layout);
  /// Decodes one packet into kFrameSamples × channels floats; an empty
  /// packet conceals a lost frame (Opus's packet loss concealment).
  [[nodiscard]] Status decode(Bytes packet, std::span<float> pcm);
  [[nodiscard]] const Layout& layout() const noexcept { return layout_; }

 private:
  struct Free {
    void operator()(OpusMSDecoder* d) const noexcept;
  };
  std::unique_ptr<OpusMSDecoder, Free> dec_;
  Layout layout_;
};

}  // namespace pf::audio
