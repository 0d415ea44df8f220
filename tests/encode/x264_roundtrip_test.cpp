// x264 through a real decoder (libavcodec): what a client will see.
#include <cstring>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "encode/video_decoder.hpp"
#include "pf/convert/convert.hpp"
#include "pf/encode/encoder.hpp"
#include "pf/synth/synthetic.hpp"
#include "support/proc_stats.hpp"

namespace pf::encode {
namespace {

// The synthetic desktop with its frame id stamped in, converted to NV12.
class Source {
 public:
  Source(std::uint32_t w, std::uint32_t h)
      : w_(w), h_(h), bgra_(std::size_t{w} * h * 4),
        yuv_(convert::YuvFrame::allocate(convert::YuvFormat::nv12, w, h).value()) {}
  const convert::YuvImage& frame(std::uint64_t id) {
    synth::render_bgra(bgra_.data(), w_ * 4, w_, h_, synth::Stamp{id, id * 16'666'667});
    EXPECT_TRUE(convert::convert({bgra_.data(), w_ * 4, w_, h_, convert::PixelLayout::bgra8}, yuv_.view()));
    return yuv_.view();
  }
  // The luma plane as the decoder will give it back (no row padding).
  std::vector<std::uint8_t> luma() const {
    std::vector<std::uint8_t> y(std::size_t{w_} * h_);
    const auto& p = yuv_.view().planes[0];
    for (std::uint32_t row = 0; row < h_; ++row) {
      std::memcpy(y.data() + std::size_t{row} * w_, p.data + std::size_t{row} * p.stride_bytes, w_);
    }
    return y;
  }

 private:
  std::uint32_t w_, h_;
  std::vector<std::uint8_t> bgra_;
  convert::YuvFrame yuv_;
};

std::optional<std::uint64_t> stamp_of(const test::DecodedFrame& f) {
  const auto s = synth::read_stamp_bgra(f.bgra.data(), f.width * 4, f.width, f.height);
  return s ? std::optional(s->frame_id) : std::nullopt;
}

EncoderConfig config(std::uint32_t w, std::uint32_t h, std::uint32_t kbps) {
  EncoderConfig c;
  c.width = w;
  c.height = h;
  c.fps = 60;
  c.bitrate_kbps = kbps;
  c.threads = 2;
  return c;
}

TEST(X264RoundTrip, SyntheticDesktopAt1080pAnd20MbpsDecodesCleanWithEveryFrameId) {
  const int frames = pf::test::sanitized_build() ? 60 : 300;
  auto enc = make_x264_encoder(config(1920, 1080, 20'000));
  ASSERT_TRUE(enc) << enc.error().message;
  Source source(1920, 1080);
  test::VideoDecoder decoder;
  double worst = 99;
  double sum = 0;
  for (int i = 0; i < frames; ++i) {
    const auto id = static_cast<std::uint64_t>(i) + 1000;
    auto au = (*enc)->submit(source.frame(id), i);
    ASSERT_TRUE(au) << au.error().message;
    const auto decoded = decoder.decode(au->data);
    ASSERT_TRUE(decoded) << "frame " << i << " gave no picture";
    const double db = test::psnr(source.luma(), decoded->y);
    worst = std::min(worst, db);
    sum += db;
    EXPECT_EQ(stamp_of(*decoded), id) << "frame " << i;
  }
  EXPECT_EQ(decoder.errors(), 0);
  EXPECT_GE(worst, 35.0);
  RecordProperty("min_psnr_db_x100", static_cast<int>(worst * 100));
  RecordProperty("mean_psnr_db_x100", static_cast<int>(sum / frames * 100));
}

// HDR: 10-bit BT.2020 input through P010 to High 10 and back.
TEST(X264RoundTrip, TenBitFramesDecodeAsTenBit) {
  constexpr std::uint32_t kW = 640;
  constexpr std::uint32_t kH = 360;
  EncoderConfig c = config(kW, kH, 8000);
  c.input = convert::YuvFormat::p010;
  c.color = {convert::Matrix::bt2020, convert::Range::limited};
  auto enc = make_x264_encoder(c);
  ASSERT_TRUE(enc) << enc.error().message;
  EXPECT_TRUE((*enc)->caps().ten_bit);
  std::vector<std::uint8_t> bgra(std::size_t{kW} * kH * 4);
  std::vector<std::uint8_t> x2rgb10(bgra.size());
  auto p010 = convert::YuvFrame::allocate(convert::YuvFormat::p010, kW, kH).value();
  test::VideoDecoder decoder;
  double worst = 99;
  for (int i = 0; i < 30; ++i) {
    synth::render_bgra(bgra.data(), kW * 4, kW, kH, synth::Stamp{static_cast<std::uint64_t>(i), 0});
    for (std::size_t px = 0; px < std::size_t{kW} * kH; ++px) {  // 8 → 10 bits per channel, with a gradient
      const auto ch = [&](int k) {
        return (std::uint32_t{bgra[px * 4 + static_cast<std::size_t>(k)]} << 2) | static_cast<std::uint32_t>(px & 3);
      };
      const std::uint32_t word = ch(2) << 20 | ch(1) << 10 | ch(0);
      std::memcpy(x2rgb10.data() + px * 4, &word, 4);
    }
    ASSERT_TRUE(convert::convert({x2rgb10.data(), kW * 4, kW, kH, convert::PixelLayout::x2rgb10}, p010.view(),
                                 c.color));
    auto au = (*enc)->submit(p010.view(), i);
    ASSERT_TRUE(au) << au.error().message;
    const auto decoded = decoder.decode(au->data);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->bit_depth, 10) << "a High 10 stream";
    std::vector<std::uint16_t> input(std::size_t{kW} * kH);
    for (std::uint32_t y = 0; y < kH; ++y) {
      for (std::uint32_t x = 0; x < kW; ++x) {
        std::uint16_t v;
        std::memcpy(&v, p010.view().planes[0].data + std::size_t{p010.view().planes[0].stride_bytes} * y + x * 2, 2);
        input[std::size_t{y} * kW + x] = static_cast<std::uint16_t>(v >> 6);
      }
    }
    worst = std::min(worst, test::psnr10(input, decoded->y10));
  }
  EXPECT_EQ(decoder.errors(), 0);
  EXPECT_GE(worst, 35.0);
  RecordProperty("min_psnr10_db_x100", static_cast<int>(worst * 100));
}

// Frames lost on the way: with invalidation the decoder goes on without an
// IDR; when invalidation cannot help, a forced IDR restores the picture.
TEST(X264RoundTrip, LostFramesRecoverByInvalidationOrByAForcedIdr) {
  auto enc = make_x264_encoder(config(640, 360, 4000));
  ASSERT_TRUE(enc);
  Source source(640, 360);
  test::VideoDecoder decoder;
  std::int64_t pts = 0;
  const auto send = [&](bool deliver, SubmitFlags flags = SubmitFlags::none) -> std::optional<AccessUnit> {
    const auto id = static_cast<std::uint64_t>(pts) + 1;
    auto au = (*enc)->submit(source.frame(id), pts++, flags);
    EXPECT_TRUE(au);
    if (!au) {
      return std::nullopt;
    }
    if (deliver) {
      const auto decoded = decoder.decode(au->data);
      EXPECT_TRUE(decoded) << "frame " << pts - 1;
      if (decoded) {
        EXPECT_EQ(stamp_of(*decoded), id) << "frame " << pts - 1;
        // Decodes correctly, not "looks good": a broken reference decodes
        // far below 20 dB. (Sliced threads make x264's one-frame VBV vary a
        // little from run to run; the first IDR has been seen at 28.5 dB.)
        EXPECT_GE(test::psnr(source.luma(), decoded->y), 25.0) << "frame " << pts - 1;
      }
    }
    return *au;
  };
  for (int i = 0; i < 20; ++i) {
    send(true);
  }
  for (int i = 0; i < 3; ++i) {
    send(false);  // 20, 21, 22 never arrive
  }
  ASSERT_TRUE((*enc)->invalidate(20, 22));
  for (int i = 0; i < 15; ++i) {
    const auto au = send(true);
    ASSERT_TRUE(au);
    EXPECT_FALSE(au->keyframe) << "recovered without an IDR";
  }
  EXPECT_EQ(decoder.errors(), 0);

  for (int i = 0; i < 3; ++i) {
    send(false);  // lost again
  }
  ASSERT_FALSE((*enc)->invalidate(0, pts - 1)) << "nothing older is left to reference";
  const auto idr = send(true, SubmitFlags::force_idr);
  ASSERT_TRUE(idr);
  EXPECT_TRUE(idr->keyframe);
  for (int i = 0; i < 10; ++i) {
    send(true);
  }
}

}  // namespace
}  // namespace pf::encode
