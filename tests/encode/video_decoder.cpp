#include "encode/video_decoder.hpp"

#include <cmath>
#include <cstring>

#include <libyuv/convert_argb.h>

namespace pf::encode::test {

VideoDecoder::VideoDecoder(Codec which)
    : decoder_(client::Decoder::open(which == Codec::hevc ? client::VideoCodec::hevc : client::VideoCodec::h264)
                   .value()) {}

std::optional<DecodedFrame> VideoDecoder::decode(Bytes au) {
  const auto picture = decoder_.decode(au);
  if (!picture) {
    ++errors_;
    return std::nullopt;
  }
  const client::Picture& p = *picture;
  if (p.width == 0) {
    return std::nullopt;
  }
  DecodedFrame out;
  out.width = p.width;
  out.height = p.height;
  out.bit_depth = p.bit_depth;
  if (p.bit_depth == 10) {
    out.y10.resize(std::size_t{p.width} * p.height);
    for (std::uint32_t row = 0; row < p.height; ++row) {
      std::memcpy(out.y10.data() + std::size_t{row} * p.width, p.luma + std::size_t{row} * p.luma_stride,
                  std::size_t{p.width} * 2);
    }
    return out;
  }
  out.y.resize(std::size_t{p.width} * p.height);
  out.bgra.resize(std::size_t{p.width} * p.height * 4);
  for (std::uint32_t row = 0; row < p.height; ++row) {
    std::memcpy(out.y.data() + std::size_t{row} * p.width, p.luma + std::size_t{row} * p.luma_stride, p.width);
  }
  libyuv::H420ToARGB(p.luma, static_cast<int>(p.luma_stride), p.cb, static_cast<int>(p.chroma_stride), p.cr,
                     static_cast<int>(p.chroma_stride), out.bgra.data(), static_cast<int>(p.width * 4),
                     static_cast<int>(p.width), static_cast<int>(p.height));
  return out;
}

namespace {

template <typename T>
double psnr_of(const std::vector<T>& a, const std::vector<T>& b, double peak) {
  double se = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(std::max<std::size_t>(1, a.size()));
  return mse == 0 ? 99.0 : 10.0 * std::log10(peak * peak / mse);
}

}  // namespace

double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) { return psnr_of(a, b, 255.0); }
double psnr10(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b) {
  return psnr_of(a, b, 1023.0);
}

}  // namespace pf::encode::test
