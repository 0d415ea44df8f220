// Conversion accuracy: every path within one code value of a float64
// reference of the documented formulas, on random images and edge values,
// at odd sizes too.
#include "pf/convert/convert.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "convert/conversion_cases.hpp"

namespace pf::convert {
namespace {

struct Rgb {
  double r, g, b;
};

// The reference: the formulas of convert.hpp in double precision.
struct Reference {
  ColorSpec spec;
  int bits;

  [[nodiscard]] double kr() const {
    return spec.matrix == Matrix::bt601 ? 0.299 : spec.matrix == Matrix::bt2020 ? 0.2627 : 0.2126;
  }
  [[nodiscard]] double kb() const {
    return spec.matrix == Matrix::bt601 ? 0.114 : spec.matrix == Matrix::bt2020 ? 0.0593 : 0.0722;
  }
  [[nodiscard]] int clamp(double v) const {
    const double max = (1 << bits) - 1;
    return static_cast<int>(std::lround(std::clamp(v, 0.0, max)));
  }
  [[nodiscard]] double scale_y() const {
    return spec.range == Range::full ? 1.0 : 219.0 * (1 << (bits - 8)) / ((1 << bits) - 1);
  }
  [[nodiscard]] double scale_c() const {
    return spec.range == Range::full ? 1.0 : 224.0 * (1 << (bits - 8)) / ((1 << bits) - 1);
  }
  [[nodiscard]] int y(Rgb p) const {
    const double lin = kr() * p.r + (1 - kr() - kb()) * p.g + kb() * p.b;
    return clamp(lin * scale_y() + (spec.range == Range::full ? 0 : 16 << (bits - 8)));
  }
  [[nodiscard]] int u(Rgb p) const {
    const double lin = kr() * p.r + (1 - kr() - kb()) * p.g + kb() * p.b;
    return clamp((p.b - lin) / (2 * (1 - kb())) * scale_c() + (1 << (bits - 1)));
  }
  [[nodiscard]] int v(Rgb p) const {
    const double lin = kr() * p.r + (1 - kr() - kb()) * p.g + kb() * p.b;
    return clamp((p.r - lin) / (2 * (1 - kr())) * scale_c() + (1 << (bits - 1)));
  }
};

struct Image {
  std::uint32_t width, height;
  PixelLayout layout;
  std::vector<std::uint8_t> bytes;

  [[nodiscard]] SourceImage view() const { return {bytes.data(), width * 4, width, height, layout}; }
  [[nodiscard]] Rgb at(std::uint32_t x, std::uint32_t y) const {
    const std::uint8_t* p = bytes.data() + (std::size_t{y} * width + x) * 4;
    if (layout == PixelLayout::x2rgb10) {
      std::uint32_t w;
      std::memcpy(&w, p, 4);
      return {static_cast<double>((w >> 20) & 0x3FF), static_cast<double>((w >> 10) & 0x3FF),
              static_cast<double>(w & 0x3FF)};
    }
    return {static_cast<double>(p[2]), static_cast<double>(p[1]), static_cast<double>(p[0])};
  }
  // The average of the 2×2 block at chroma position (cx, cy), clipped at the edges.
  [[nodiscard]] Rgb block(std::uint32_t cx, std::uint32_t cy) const {
    Rgb sum{0, 0, 0};
    int n = 0;
    for (std::uint32_t y = cy * 2; y < std::min(height, cy * 2 + 2); ++y) {
      for (std::uint32_t x = cx * 2; x < std::min(width, cx * 2 + 2); ++x) {
        const Rgb p = at(x, y);
        sum = {sum.r + p.r, sum.g + p.g, sum.b + p.b};
        ++n;
      }
    }
    return {sum.r / n, sum.g / n, sum.b / n};
  }
};

Image random_image(std::uint32_t w, std::uint32_t h, PixelLayout layout, std::uint32_t seed) {
  Image img{w, h, layout, std::vector<std::uint8_t>(std::size_t{w} * h * 4)};
  std::mt19937 rng(seed);
  for (auto& b : img.bytes) {
    b = static_cast<std::uint8_t>(rng());
  }
  return img;
}

// Saturated colours, black, white, greys and the extremes of each channel.
Image edge_image(std::uint32_t w, std::uint32_t h, PixelLayout layout) {
  Image img{w, h, layout, std::vector<std::uint8_t>(std::size_t{w} * h * 4)};
  const int max = layout == PixelLayout::x2rgb10 ? 1023 : 255;
  const std::vector<std::array<int, 3>> colours = {
      {0, 0, 0},       {max, max, max}, {max, 0, 0},   {0, max, 0},       {0, 0, max}, {max, max, 0},
      {0, max, max},   {max, 0, max},   {1, 1, 1},     {max - 1, 0, 1},   {max / 2, max / 2, max / 2}};
  for (std::uint32_t i = 0; i < w * h; ++i) {
    const auto& c = colours[(i / 3) % colours.size()];  // runs of 3 mix blocks of one and two colours
    std::uint8_t* p = img.bytes.data() + std::size_t{i} * 4;
    if (layout == PixelLayout::x2rgb10) {
      const std::uint32_t word = std::uint32_t(c[0]) << 20 | std::uint32_t(c[1]) << 10 | std::uint32_t(c[2]);
      std::memcpy(p, &word, 4);
    } else {
      p[0] = static_cast<std::uint8_t>(c[2]);
      p[1] = static_cast<std::uint8_t>(c[1]);
      p[2] = static_cast<std::uint8_t>(c[0]);
      p[3] = 0xFF;
    }
  }
  return img;
}

int sample(const Plane& p, YuvFormat f, std::uint32_t x, std::uint32_t y) {
  const std::uint8_t* row = p.data + std::size_t{p.stride_bytes} * y;
  if (f == YuvFormat::p010) {
    std::uint16_t v;
    std::memcpy(&v, row + std::size_t{x} * 2, 2);
    EXPECT_EQ(v & 0x3F, 0) << "P010 keeps its 10 bits at the top";
    return v >> 6;
  }
  return row[x];
}

// The largest difference from the reference over all samples.
int max_error(const Image& img, YuvFormat format, ColorSpec spec) {
  auto frame = YuvFrame::allocate(format, img.width, img.height);
  EXPECT_TRUE(frame);
  const auto st = convert(img.view(), frame->view(), spec);
  EXPECT_TRUE(st) << st.error().message;
  const YuvImage& out = frame->view();
  const Reference ref{spec, format == YuvFormat::p010 ? 10 : 8};
  int worst = 0;
  for (std::uint32_t y = 0; y < img.height; ++y) {
    for (std::uint32_t x = 0; x < img.width; ++x) {
      worst = std::max(worst, std::abs(sample(out.planes[0], format, x, y) - ref.y(img.at(x, y))));
    }
  }
  const bool interleaved = format == YuvFormat::nv12 || format == YuvFormat::p010;
  for (std::uint32_t cy = 0; cy < chroma_height(format, img.height); ++cy) {
    for (std::uint32_t cx = 0; cx < chroma_width(format, img.width); ++cx) {
      const Rgb p = format == YuvFormat::i444 ? img.at(cx, cy) : img.block(cx, cy);
      const int u = interleaved ? sample(out.planes[1], format, cx * 2, cy) : sample(out.planes[1], format, cx, cy);
      const int v = interleaved ? sample(out.planes[1], format, cx * 2 + 1, cy) : sample(out.planes[2], format, cx, cy);
      worst = std::max({worst, std::abs(u - ref.u(p)), std::abs(v - ref.v(p))});
    }
  }
  return worst;
}

using Case = test::ConversionCase;

class Accuracy : public ::testing::TestWithParam<Case> {};

TEST_P(Accuracy, WithinOneCodeValueOfTheReference) {
  const Case c = GetParam();
  for (const auto& [w, h] : {std::pair{64U, 48U}, std::pair{67U, 33U}, std::pair{1U, 1U}, std::pair{3U, 2U}}) {
    EXPECT_LE(max_error(random_image(w, h, c.layout, w * 31 + h), c.format, c.spec), 1)
        << w << "x" << h << " random, " << to_string(c.format) << " " << to_string(c.spec.matrix) << " "
        << to_string(c.spec.range);
    EXPECT_LE(max_error(edge_image(w, h, c.layout), c.format, c.spec), 1)
        << w << "x" << h << " edge values, " << to_string(c.format);
  }
}


INSTANTIATE_TEST_SUITE_P(Paths, Accuracy, ::testing::ValuesIn(test::kConversionCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           const Case& c = param.param;
                           std::string name = std::string(to_string(c.format)) + "_" +
                                              std::string(to_string(c.spec.matrix)) + "_" +
                                              std::string(to_string(c.spec.range));
                           std::erase(name, '.');
                           return name;
                         });

TEST(Convert, MismatchesAreClearErrors) {
  const Image img = random_image(16, 16, PixelLayout::bgra8, 1);
  auto nv12 = YuvFrame::allocate(YuvFormat::nv12, 16, 16).value();
  auto small = YuvFrame::allocate(YuvFormat::nv12, 8, 16).value();
  EXPECT_EQ(convert(img.view(), small.view()).error().message, "source is 16x16, destination 8x16");
  auto p010 = YuvFrame::allocate(YuvFormat::p010, 16, 16).value();
  EXPECT_EQ(convert(img.view(), p010.view(), {Matrix::bt2020, Range::limited}).error().message,
            "P010 is made from 10-bit input (X2RGB10), not 8-bit");
  const Image ten = random_image(16, 16, PixelLayout::x2rgb10, 2);
  EXPECT_EQ(convert(ten.view(), p010.view(), {Matrix::bt709, Range::limited}).error().message,
            "P010 is HDR: use the BT.2020 matrix, not BT.709");
  EXPECT_EQ(convert(ten.view(), nv12.view()).error().message, "10-bit input converts to P010 only, not NV12");
  SourceImage short_pitch = img.view();
  short_pitch.pitch_bytes = 60;
  EXPECT_EQ(convert(short_pitch, nv12.view()).error().message, "source pitch 60 is shorter than a row (64 bytes)");
  YuvImage no_uv = nv12.view();
  no_uv.planes[1] = {};
  EXPECT_EQ(convert(img.view(), no_uv).error().message, "NV12 plane 1 needs rows of 16 bytes");
  EXPECT_FALSE(YuvFrame::allocate(YuvFormat::nv12, 0, 10));
}

TEST(Convert, TheDefaultIsBt709LimitedThroughOwnCode) {
  EXPECT_EQ(ColorSpec{}, (ColorSpec{Matrix::bt709, Range::limited}));
  EXPECT_EQ(path_for(PixelLayout::bgra8, YuvFormat::nv12, {}), Path::own);
  EXPECT_EQ(path_for(PixelLayout::bgra8, YuvFormat::nv12, {Matrix::bt601, Range::limited}), Path::libyuv);
  // Black and white land on the limited-range ends.
  Image img{2, 2, PixelLayout::bgrx8, {0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 255, 255, 255, 0}};
  auto f = YuvFrame::allocate(YuvFormat::nv12, 2, 2).value();
  ASSERT_TRUE(convert(img.view(), f.view()));
  EXPECT_EQ(f.view().planes[0].data[0], 16);
  EXPECT_EQ(f.view().planes[0].data[f.view().planes[0].stride_bytes], 235);
  EXPECT_EQ(f.view().planes[1].data[0], 128);
  EXPECT_EQ(f.view().planes[1].data[1], 128);
}

}  // namespace
}  // namespace pf::convert
