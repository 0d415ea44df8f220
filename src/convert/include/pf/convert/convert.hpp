// Colour conversion: captured RGB frames → the YUV layouts encoders take.
//
// Inputs: BGRA / BGRX (8 bits per channel, B first in memory, which libyuv
// calls "ARGB"), and X2RGB10 (32-bit little-endian words: 2 unused bits,
// then 10 bits each of R, G, B from the top) for HDR.
// Outputs: NV12 and I420 (4:2:0), I444 (4:4:4) from 8-bit input; P010
// (4:2:0, 10 bits in the top of 16-bit words) from 10-bit input.
// Colour: BT.709 limited range by default; BT.601; full range; BT.2020 for
// P010 (the input is taken as already PQ-encoded BT.2020 RGB, as an HDR
// compositor produces it: the conversion is the matrix, not the transfer).
//
// Chroma of 4:2:0 is the average of each 2×2 block (a lone last column or
// row of an odd size averages what exists), sited at the block's centre.
// Every path is within one code value of a float64 reference of these same
// formulas; libyuv is used where it has the path (BT.601 limited to NV12,
// I420 and I444; BT.601 full to I420) and own code everywhere else.
//
// Threads: stateless; any thread. No allocation on the conversion path
// (YuvFrame allocates once, up front).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::convert {

enum class PixelLayout : std::uint8_t { unset = 0, bgra8 = 1, bgrx8 = 2, x2rgb10 = 3 };
enum class YuvFormat : std::uint8_t { unset = 0, nv12 = 1, i420 = 2, i444 = 3, p010 = 4 };
enum class Matrix : std::uint8_t { unset = 0, bt709 = 1, bt601 = 2, bt2020 = 3 };
enum class Range : std::uint8_t { unset = 0, limited = 1, full = 2 };

[[nodiscard]] std::string_view to_string(YuvFormat f) noexcept;
[[nodiscard]] std::string_view to_string(Matrix m) noexcept;
[[nodiscard]] std::string_view to_string(Range r) noexcept;

struct ColorSpec {
  Matrix matrix = Matrix::bt709;
  Range range = Range::limited;
  friend bool operator==(const ColorSpec&, const ColorSpec&) = default;
};

/// A captured frame (borrowed).
struct SourceImage {
  const std::uint8_t* pixels = nullptr;
  std::uint32_t pitch_bytes = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  PixelLayout layout = PixelLayout::unset;
};

struct Plane {
  std::uint8_t* data = nullptr;
  std::uint32_t stride_bytes = 0;
};

/// Where a conversion writes (borrowed). Planes: NV12 Y, UV; I420/I444 Y,
/// U, V; P010 Y, UV (16-bit samples).
struct YuvImage {
  YuvFormat format = YuvFormat::unset;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::array<Plane, 3> planes{};
};

/// Chroma plane size of `format` for a width × height image.
[[nodiscard]] std::uint32_t chroma_width(YuvFormat format, std::uint32_t width) noexcept;
[[nodiscard]] std::uint32_t chroma_height(YuvFormat format, std::uint32_t height) noexcept;

/// An owned image with 64-byte aligned rows, allocated once.
class YuvFrame {
 public:
  [[nodiscard]] static Result<YuvFrame> allocate(YuvFormat format, std::uint32_t width, std::uint32_t height);
  [[nodiscard]] const YuvImage& view() const noexcept { return view_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return storage_.size(); }

 private:
  std::vector<std::uint8_t> storage_;
  YuvImage view_;
};

/// Which implementation serves a conversion (for tests and benchmarks).
enum class Path : std::uint8_t { unset = 0, libyuv = 1, own = 2 };
[[nodiscard]] Path path_for(PixelLayout in, YuvFormat out, ColorSpec spec) noexcept;

/// Converts `in` into `out` (same width and height). Errors name what does
/// not fit: sizes, layouts, a format/colour combination, short strides.
/// `path` unset picks path_for(); Path::own forces our own code (the CUDA
/// kernels' arithmetic, bit for bit), for comparisons.
[[nodiscard]] Status convert(const SourceImage& in, const YuvImage& out, ColorSpec spec = {},
                             Path path = Path::unset);

}  // namespace pf::convert
