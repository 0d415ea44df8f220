#include "pf/convert/convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <libyuv/convert_from_argb.h>
#include <libyuv/planar_functions.h>

#include "detail.hpp"

namespace pf::convert::detail {
namespace {

struct Weights {
  double kr;
  double kb;
};

Weights weights_of(Matrix m) {
  switch (m) {
    case Matrix::bt601: return {0.299, 0.114};
    case Matrix::bt2020: return {0.2627, 0.0593};
    case Matrix::bt709:
    case Matrix::unset: break;
  }
  return {0.2126, 0.0722};
}

std::int32_t q16(double v) { return static_cast<std::int32_t>(std::lround(v * (1 << kShift))); }

}  // namespace

Coefficients coefficients(const ColorSpec& spec, int bits) {
  const Weights w = weights_of(spec.matrix);
  const double kg = 1.0 - w.kr - w.kb;
  const double max = (1 << bits) - 1;
  const double unit = 1 << (bits - 8);
  const bool limited = spec.range != Range::full;
  const double ys = limited ? 219.0 * unit / max : 1.0;
  const double cs = limited ? 224.0 * unit / max : 1.0;
  const double cb = cs / (2.0 * (1.0 - w.kb));
  const double cr = cs / (2.0 * (1.0 - w.kr));
  return Coefficients{q16(w.kr * ys),
                      q16(kg * ys),
                      q16(w.kb * ys),
                      limited ? static_cast<std::int32_t>(16 * unit) : 0,
                      q16(-w.kr * cb),
                      q16(-kg * cb),
                      q16((1.0 - w.kb) * cb),
                      q16((1.0 - w.kr) * cr),
                      q16(-kg * cr),
                      q16(-w.kb * cr),
                      1 << (bits - 1),
                      (1 << bits) - 1};
}

Status check(const SourceImage& in, const YuvImage& out, ColorSpec spec) {
  if (in.pixels == nullptr || in.width == 0 || in.height == 0) {
    return fail(Errc::invalid_argument, "empty source image");
  }
  if (in.width > 16384 || in.height > 16384) {
    return fail(Errc::invalid_argument, "{}x{} is larger than 16384x16384", in.width, in.height);
  }
  if (in.width != out.width || in.height != out.height) {
    return fail(Errc::invalid_argument, "source is {}x{}, destination {}x{}", in.width, in.height, out.width,
                out.height);
  }
  if (in.pitch_bytes < in.width * 4) {
    return fail(Errc::invalid_argument, "source pitch {} is shorter than a row ({} bytes)", in.pitch_bytes,
                in.width * 4);
  }
  const bool ten_in = in.layout == PixelLayout::x2rgb10;
  if (in.layout == PixelLayout::unset) {
    return fail(Errc::invalid_argument, "source layout not set");
  }
  if (out.format == YuvFormat::p010) {
    if (!ten_in) {
      return fail(Errc::unsupported, "P010 is made from 10-bit input (X2RGB10), not 8-bit");
    }
    if (spec.matrix != Matrix::bt2020) {
      return fail(Errc::unsupported, "P010 is HDR: use the BT.2020 matrix, not {}", to_string(spec.matrix));
    }
  } else if (ten_in) {
    return fail(Errc::unsupported, "10-bit input converts to P010 only, not {}", to_string(out.format));
  }
  if (out.format == YuvFormat::unset || spec.matrix == Matrix::unset || spec.range == Range::unset) {
    return fail(Errc::invalid_argument, "destination format, matrix or range not set");
  }
  const std::uint32_t sample = out.format == YuvFormat::p010 ? 2 : 1;
  const std::uint32_t cw = chroma_width(out.format, out.width);
  const bool interleaved = out.format == YuvFormat::nv12 || out.format == YuvFormat::p010;
  const std::array<std::uint32_t, 3> row_bytes = {out.width * sample, cw * sample * (interleaved ? 2 : 1),
                                                  interleaved ? 0 : cw * sample};
  for (std::size_t i = 0; i < 3; ++i) {
    if (row_bytes[i] == 0) {
      continue;
    }
    if (out.planes[i].data == nullptr || out.planes[i].stride_bytes < row_bytes[i]) {
      return fail(Errc::invalid_argument, "{} plane {} needs rows of {} bytes", to_string(out.format), i,
                  row_bytes[i]);
    }
  }
  return ok();
}

}  // namespace pf::convert::detail

namespace pf::convert {
namespace {

// GCC builds the hot loops twice, for AVX2 and for any x86-64, and picks
// one when the program loads; the loops are written to vectorise.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PF_VECTOR_CLONES [[gnu::target_clones("avx2", "default")]]
#else
#define PF_VECTOR_CLONES
#endif

using detail::Coefficients;
using detail::check;
using detail::coefficients;
using detail::kShift;

std::int32_t clamp_to(std::int32_t v, std::int32_t max) { return v < 0 ? 0 : (v > max ? max : v); }

// One pixel's channels from either input layout.
struct Rgb {
  std::int32_t r, g, b;
};
// A whole little-endian word per pixel, split with shifts: the vectoriser
// turns this into plain lane-wise masks instead of byte shuffles.
inline Rgb load8(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return {static_cast<std::int32_t>((v >> 16) & 0xFF), static_cast<std::int32_t>((v >> 8) & 0xFF),
          static_cast<std::int32_t>(v & 0xFF)};
}
inline Rgb load10(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return {static_cast<std::int32_t>((v >> 20) & 0x3FF), static_cast<std::int32_t>((v >> 10) & 0x3FF),
          static_cast<std::int32_t>(v & 0x3FF)};
}

template <bool Ten>
inline Rgb load(const std::uint8_t* p) {
  if constexpr (Ten) {
    return load10(p);
  } else {
    return load8(p);
  }
}

template <typename Sample>
inline void store(std::uint8_t* plane, std::size_t index, std::int32_t value, int shift) {
  if constexpr (sizeof(Sample) == 1) {
    plane[index] = static_cast<std::uint8_t>(value);
  } else {
    const auto v = static_cast<std::uint16_t>(value << shift);
    std::memcpy(plane + index * 2, &v, 2);
  }
}

// Luma of one row.
template <bool Ten, typename Sample>
PF_VECTOR_CLONES void luma_row(const std::uint8_t* src, std::uint8_t* dst, std::uint32_t width,
                               const Coefficients& c, int shift) {
  for (std::uint32_t x = 0; x < width; ++x) {
    const Rgb p = load<Ten>(src + std::size_t{x} * 4);
    const std::int32_t y = ((c.yr * p.r + c.yg * p.g + c.yb * p.b + (1 << (kShift - 1))) >> kShift) + c.y_offset;
    store<Sample>(dst, x, clamp_to(y, c.max), shift);
  }
}

// Chroma of one 2×2 block from the channel sums of its four pixels.
struct Chroma {
  std::int32_t u, v;
};
inline Chroma chroma_of_sums(std::int32_t r, std::int32_t g, std::int32_t b, const Coefficients& c) {
  constexpr std::int32_t kRound = 1 << (kShift + 1);  // half of the >> (kShift + 2)
  return {clamp_to(((c.ur * r + c.ug * g + c.ub * b + kRound) >> (kShift + 2)) + c.mid, c.max),
          clamp_to(((c.vr * r + c.vg * g + c.vb * b + kRound) >> (kShift + 2)) + c.mid, c.max)};
}

template <bool Ten>
inline Chroma chroma_of_block(const std::uint8_t* a, const std::uint8_t* b, std::size_t x, std::size_t right,
                              const Coefficients& c) {
  const Rgb p0 = load<Ten>(a + x * 8);
  const Rgb p1 = load<Ten>(a + x * 8 + right);
  const Rgb p2 = load<Ten>(b + x * 8);
  const Rgb p3 = load<Ten>(b + x * 8 + right);
  return chroma_of_sums(p0.r + p1.r + p2.r + p3.r, p0.g + p1.g + p2.g + p3.g, p0.b + p1.b + p2.b + p3.b, c);
}

// Chroma of one row of 2×2 blocks (rows `a` and `b`, the same row when the
// height is odd; a lone last column counts twice): interleaved (NV12, P010)
// into `uv`, or planar (I420) into `u` and `v`. Branch-free inner loops,
// so that they vectorise.
template <bool Ten, typename Sample>
PF_VECTOR_CLONES void chroma_row_interleaved(const std::uint8_t* a, const std::uint8_t* b, std::uint8_t* uv,
                                             std::uint32_t width, const Coefficients& c, int shift) {
  const std::uint32_t pairs = width / 2;
  for (std::uint32_t x = 0; x < pairs; ++x) {
    const Chroma k = chroma_of_block<Ten>(a, b, x, 4, c);
    store<Sample>(uv, std::size_t{x} * 2, k.u, shift);
    store<Sample>(uv, std::size_t{x} * 2 + 1, k.v, shift);
  }
  if ((width & 1) != 0) {
    const Chroma k = chroma_of_block<Ten>(a, b, pairs, 0, c);
    store<Sample>(uv, std::size_t{pairs} * 2, k.u, shift);
    store<Sample>(uv, std::size_t{pairs} * 2 + 1, k.v, shift);
  }
}

PF_VECTOR_CLONES void chroma_row_planar(const std::uint8_t* a, const std::uint8_t* b, std::uint8_t* u,
                                        std::uint8_t* v, std::uint32_t width, const Coefficients& c) {
  const std::uint32_t pairs = width / 2;
  for (std::uint32_t x = 0; x < pairs; ++x) {
    const Chroma k = chroma_of_block<false>(a, b, x, 4, c);
    u[x] = static_cast<std::uint8_t>(k.u);
    v[x] = static_cast<std::uint8_t>(k.v);
  }
  if ((width & 1) != 0) {
    const Chroma k = chroma_of_block<false>(a, b, pairs, 0, c);
    u[pairs] = static_cast<std::uint8_t>(k.u);
    v[pairs] = static_cast<std::uint8_t>(k.v);
  }
}

PF_VECTOR_CLONES void chroma_row_444(const std::uint8_t* src, std::uint8_t* u, std::uint8_t* v, std::uint32_t width,
                                     const Coefficients& c) {
  for (std::uint32_t x = 0; x < width; ++x) {
    const Rgb p = load8(src + std::size_t{x} * 4);
    const std::int32_t cu = ((c.ur * p.r + c.ug * p.g + c.ub * p.b + (1 << (kShift - 1))) >> kShift) + c.mid;
    const std::int32_t cv = ((c.vr * p.r + c.vg * p.g + c.vb * p.b + (1 << (kShift - 1))) >> kShift) + c.mid;
    u[x] = static_cast<std::uint8_t>(clamp_to(cu, c.max));
    v[x] = static_cast<std::uint8_t>(clamp_to(cv, c.max));
  }
}

// Row pairs: both luma rows, then their chroma while the two source rows
// are still in L1, so each source byte comes from memory once.
template <bool Ten, typename Sample>
void own_420(const SourceImage& in, const YuvImage& out, const Coefficients& c, bool interleaved, int shift) {
  const auto luma = [&](std::uint32_t y) {
    luma_row<Ten, Sample>(in.pixels + std::size_t{in.pitch_bytes} * y,
                          out.planes[0].data + std::size_t{out.planes[0].stride_bytes} * y, in.width, c, shift);
  };
  for (std::uint32_t cy = 0; cy < (in.height + 1) / 2; ++cy) {
    const std::uint8_t* a = in.pixels + std::size_t{in.pitch_bytes} * (cy * 2);
    const bool pair = cy * 2 + 1 < in.height;
    const std::uint8_t* b = pair ? a + in.pitch_bytes : a;  // odd height: the last row twice
    luma(cy * 2);
    if (pair) {
      luma(cy * 2 + 1);
    }
    std::uint8_t* u = out.planes[1].data + std::size_t{out.planes[1].stride_bytes} * cy;
    if (interleaved) {
      chroma_row_interleaved<Ten, Sample>(a, b, u, in.width, c, shift);
    } else {
      chroma_row_planar(a, b, u, out.planes[2].data + std::size_t{out.planes[2].stride_bytes} * cy, in.width, c);
    }
  }
}

void own_444(const SourceImage& in, const YuvImage& out, const Coefficients& c) {
  for (std::uint32_t y = 0; y < in.height; ++y) {
    const std::uint8_t* row = in.pixels + std::size_t{in.pitch_bytes} * y;
    luma_row<false, std::uint8_t>(row, out.planes[0].data + std::size_t{out.planes[0].stride_bytes} * y, in.width,
                                  c, 0);
    chroma_row_444(row, out.planes[1].data + std::size_t{out.planes[1].stride_bytes} * y,
                   out.planes[2].data + std::size_t{out.planes[2].stride_bytes} * y, in.width, c);
  }
}

int as_int(std::uint32_t v) { return static_cast<int>(v); }

Status libyuv_result(int rc, YuvFormat out) {
  return rc == 0 ? ok() : fail(Errc::invalid_argument, "libyuv refused the {} conversion ({})", to_string(out), rc);
}

}  // namespace

std::string_view to_string(YuvFormat f) noexcept {
  switch (f) {
    case YuvFormat::nv12: return "NV12";
    case YuvFormat::i420: return "I420";
    case YuvFormat::i444: return "I444";
    case YuvFormat::p010: return "P010";
    case YuvFormat::unset: break;
  }
  return "unset";
}

std::string_view to_string(Matrix m) noexcept {
  switch (m) {
    case Matrix::bt709: return "BT.709";
    case Matrix::bt601: return "BT.601";
    case Matrix::bt2020: return "BT.2020";
    case Matrix::unset: break;
  }
  return "unset";
}

std::string_view to_string(Range r) noexcept {
  switch (r) {
    case Range::limited: return "limited";
    case Range::full: return "full";
    case Range::unset: break;
  }
  return "unset";
}

std::uint32_t chroma_width(YuvFormat format, std::uint32_t width) noexcept {
  return format == YuvFormat::i444 ? width : (width + 1) / 2;
}

std::uint32_t chroma_height(YuvFormat format, std::uint32_t height) noexcept {
  return format == YuvFormat::i444 ? height : (height + 1) / 2;
}

Result<YuvFrame> YuvFrame::allocate(YuvFormat format, std::uint32_t width, std::uint32_t height) {
  if (format == YuvFormat::unset || width == 0 || height == 0 || width > 16384 || height > 16384) {
    return fail(Errc::invalid_argument, "cannot allocate a {} frame of {}x{}", to_string(format), width, height);
  }
  const auto align = [](std::size_t n) { return (n + 63) / 64 * 64; };
  const std::uint32_t sample = format == YuvFormat::p010 ? 2 : 1;
  const std::uint32_t cw = chroma_width(format, width);
  const std::uint32_t ch = chroma_height(format, height);
  const bool interleaved = format == YuvFormat::nv12 || format == YuvFormat::p010;
  const std::size_t y_stride = align(std::size_t{width} * sample);
  const std::size_t c_stride = align(std::size_t{cw} * sample * (interleaved ? 2 : 1));
  const std::size_t planes = interleaved ? 1 : 2;
  YuvFrame f;
  f.storage_.resize(y_stride * height + c_stride * ch * planes + 64);
  auto* base = reinterpret_cast<std::uint8_t*>(align(reinterpret_cast<std::uintptr_t>(f.storage_.data())));
  f.view_ = YuvImage{format, width, height, {}};
  f.view_.planes[0] = {base, static_cast<std::uint32_t>(y_stride)};
  f.view_.planes[1] = {base + y_stride * height, static_cast<std::uint32_t>(c_stride)};
  if (!interleaved) {
    f.view_.planes[2] = {base + y_stride * height + c_stride * ch, static_cast<std::uint32_t>(c_stride)};
  }
  return f;
}

Path path_for(PixelLayout in, YuvFormat out, ColorSpec spec) noexcept {
  if (in == PixelLayout::x2rgb10 || spec.matrix != Matrix::bt601) {
    return Path::own;
  }
  if (spec.range == Range::limited) {
    return out == YuvFormat::nv12 || out == YuvFormat::i420 || out == YuvFormat::i444 ? Path::libyuv : Path::own;
  }
  return out == YuvFormat::i420 ? Path::libyuv : Path::own;
}

Status convert(const SourceImage& in, const YuvImage& out, ColorSpec spec, Path path) {
  if (auto st = check(in, out, spec); !st) {
    return st;
  }
  const auto& p = out.planes;
  if (path == Path::libyuv && path_for(in.layout, out.format, spec) != Path::libyuv) {
    return fail(Errc::unsupported, "libyuv has no path to {} {} {}", to_string(out.format), to_string(spec.matrix),
                to_string(spec.range));
  }
  if (path != Path::own && path_for(in.layout, out.format, spec) == Path::libyuv) {
    const int w = as_int(in.width);
    const int h = as_int(in.height);
    const int pitch = as_int(in.pitch_bytes);
    switch (out.format) {
      case YuvFormat::nv12:
        return libyuv_result(libyuv::ARGBToNV12(in.pixels, pitch, p[0].data, as_int(p[0].stride_bytes), p[1].data,
                                                as_int(p[1].stride_bytes), w, h),
                             out.format);
      case YuvFormat::i420:
        return libyuv_result(
            (spec.range == Range::full ? libyuv::ARGBToJ420 : libyuv::ARGBToI420)(
                in.pixels, pitch, p[0].data, as_int(p[0].stride_bytes), p[1].data, as_int(p[1].stride_bytes),
                p[2].data, as_int(p[2].stride_bytes), w, h),
            out.format);
      case YuvFormat::i444:
        return libyuv_result(libyuv::ARGBToI444(in.pixels, pitch, p[0].data, as_int(p[0].stride_bytes), p[1].data,
                                                as_int(p[1].stride_bytes), p[2].data, as_int(p[2].stride_bytes), w,
                                                h),
                             out.format);
      case YuvFormat::p010:
      case YuvFormat::unset:
        break;
    }
  }
  switch (out.format) {
    case YuvFormat::nv12:
      own_420<false, std::uint8_t>(in, out, coefficients(spec, 8), true, 0);
      break;
    case YuvFormat::i420:
      own_420<false, std::uint8_t>(in, out, coefficients(spec, 8), false, 0);
      break;
    case YuvFormat::i444:
      own_444(in, out, coefficients(spec, 8));
      break;
    case YuvFormat::p010:
      own_420<true, std::uint16_t>(in, out, coefficients(spec, 10), true, 6);
      break;
    case YuvFormat::unset:
      break;
  }
  return ok();
}

}  // namespace pf::convert
