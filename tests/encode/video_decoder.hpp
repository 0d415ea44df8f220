// The reference client's decoder (libavcodec, H.264 or HEVC) for the
// encoder tests: access units in, frames copied out (8-bit also back to
// BGRA, 10-bit luma as is), with the errors the decoder reported.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pf/client/decoder.hpp"
#include "pf/core/span_io.hpp"

namespace pf::encode::test {

struct DecodedFrame {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int bit_depth = 8;
  std::vector<std::uint8_t> y;     ///< 8-bit luma, width × height
  std::vector<std::uint16_t> y10;  ///< 10-bit luma (10-bit streams only)
  std::vector<std::uint8_t> bgra;  ///< BT.709 limited back to BGRA (8-bit streams only)
};

class VideoDecoder {
 public:
  enum class Codec : std::uint8_t { h264, hevc };
  explicit VideoDecoder(Codec codec = Codec::h264);

  /// Decodes one access unit; nullopt when the decoder produced no picture
  /// or reported an error, concealment included (counted in errors()).
  std::optional<DecodedFrame> decode(Bytes access_unit);
  [[nodiscard]] int errors() const noexcept { return errors_; }

 private:
  client::Decoder decoder_;
  int errors_ = 0;
};

/// PSNR in dB of two luma planes of the same size, for samples up to `peak`.
[[nodiscard]] double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b);
[[nodiscard]] double psnr10(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b);

}  // namespace pf::encode::test
