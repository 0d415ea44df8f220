#include "pf/synth/synthetic.hpp"

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
