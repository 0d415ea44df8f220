// The reference client's video decoder: libavcodec (H.264 or HEVC), one
// access unit in, at most one picture out, with no reordering delay.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::client {

enum class VideoCodec : std::uint8_t { unset = 0, h264 = 1, hevc = 2 };

/// A decoded picture, borrowed from the decoder until its next call.
/// 4:2:0; 8-bit samples, or with bit_depth 10 little-endian 16-bit ones
/// (strides are in bytes either way).
struct Picture {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint8_t bit_depth = 8;
  const std::uint8_t* luma = nullptr;
  std::uint32_t luma_stride = 0;
  const std::uint8_t* cb = nullptr;
  const std::uint8_t* cr = nullptr;
  std::uint32_t chroma_stride = 0;  ///< 4:2:0 planes
};

class Decoder {
 public:
  [[nodiscard]] static Result<Decoder> open(VideoCodec codec);
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  ~Decoder();

  /// Decodes one access unit. Errors: malformed (the decoder refused it).
  /// A unit that yields no picture returns a Picture with width 0.
  [[nodiscard]] Result<Picture> decode(Bytes access_unit);

 private:
  struct State;
  explicit Decoder(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

/// BT.709 limited-range 4:2:0 (8-bit) → packed RGB (for PNG snapshots).
[[nodiscard]] std::vector<std::uint8_t> to_rgb(const Picture& picture);

}  // namespace pf::client
