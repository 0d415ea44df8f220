#include "pf/synth/synthetic.hpp"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace pf::synth {
namespace {

struct Canvas {
  Canvas(std::uint32_t w, std::uint32_t h, std::uint32_t pad = 0)
      : width(w), height(h), pitch(w * 4 + pad), pixels(std::size_t{pitch} * h, 0xEE) {}
  std::uint32_t width, height, pitch;
  std::vector<std::uint8_t> pixels;
};

TEST(Synthetic, StampRoundTripsAtManySizes) {
  for (const auto& [w, h] : {std::pair{64U, 2U}, {128U, 72U}, {1920U, 1080U}, {3840U, 100U}, {333U, 77U}}) {
    Canvas c(w, h, 12);
    const Stamp s{0xFEDCBA9876543210ULL, 0x0123456789ABCDEFULL};
    render_bgra(c.pixels.data(), c.pitch, w, h, s);
    const auto got = read_stamp_bgra(c.pixels.data(), c.pitch, w, h);
    ASSERT_TRUE(got) << w << "x" << h;
    EXPECT_EQ(*got, s) << w << "x" << h;
  }
}

TEST(Synthetic, RestampingChangesOnlyTheStamp) {
  Canvas once(640, 360);
  Canvas twice(640, 360);
  render_bgra(once.pixels.data(), once.pitch, 640, 360, {7, 900});
  render_bgra(twice.pixels.data(), twice.pitch, 640, 360, {7, 100});
  stamp_bgra(twice.pixels.data(), twice.pitch, 640, 360, {7, 900});  // the time learnt after drawing
  EXPECT_EQ(read_stamp_bgra(twice.pixels.data(), twice.pitch, 640, 360), (Stamp{7, 900}));
  EXPECT_EQ(once.pixels, twice.pixels);
}

TEST(Synthetic, TooSmallToCarryAStampSaysSo) {
  Canvas c(63, 10);
  render_bgra(c.pixels.data(), c.pitch, 63, 10, {1, 2});  // still draws, without a stamp
  EXPECT_FALSE(read_stamp_bgra(c.pixels.data(), c.pitch, 63, 10));
}

TEST(Synthetic, TheAnimationMovesAndStaysInsideTheRows) {
  Canvas a(320, 180, 16);
  Canvas b(320, 180, 16);
  render_bgra(a.pixels.data(), a.pitch, 320, 180, {10, 0});
  render_bgra(b.pixels.data(), b.pitch, 320, 180, {11, 0});
  EXPECT_NE(a.pixels, b.pixels);
  for (std::uint32_t y = 0; y < 180; ++y) {  // row padding is never written
    for (std::uint32_t x = 320 * 4; x < a.pitch; ++x) {
      ASSERT_EQ(a.pixels[std::size_t{a.pitch} * y + x], 0xEE);
    }
  }
}

}  // namespace
}  // namespace pf::synth

namespace pf::synth {
namespace {

TEST(Synthetic, PixelAgreesWithTheRenderedFrameEverywhere) {
  for (const auto& [w, h] : {std::pair{1920U, 1080U}, std::pair{640U, 360U}, std::pair{100U, 50U}}) {
    std::vector<std::uint8_t> frame(std::size_t{w} * 4 * h);
    const Stamp stamp{4242, 0x0123456789ABCDEFULL};
    render_bgra(frame.data(), w * 4, w, h, stamp);
    for (std::uint32_t y = 0; y < h; y += 3) {
      for (std::uint32_t x = 0; x < w; x += 5) {
        std::uint32_t rendered = 0;
        std::memcpy(&rendered, &frame[std::size_t{y} * w * 4 + std::size_t{x} * 4], 4);
        ASSERT_EQ(pixel_bgra(x, y, w, h, stamp), rendered) << x << "," << y << " of " << w << "x" << h;
      }
    }
  }
}

TEST(Synthetic, StampReadsBackFromALimitedRangeLumaPlane) {
  const std::uint32_t w = 1280;
  const std::uint32_t h = 720;
  const Stamp stamp{77, 123456789};
  std::vector<std::uint8_t> luma(std::size_t{w} * h);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint32_t p = pixel_bgra(x, y, w, h, stamp);
      const double r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF;
      luma[std::size_t{y} * w + x] = static_cast<std::uint8_t>(16 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219 / 255);
    }
  }
  EXPECT_EQ(read_stamp_luma(luma.data(), w, w, h), stamp);
  EXPECT_FALSE(read_stamp_luma(luma.data(), 32, 32, 1).has_value());
}

}  // namespace
}  // namespace pf::synth
