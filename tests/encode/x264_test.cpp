// The x264 backend against the encoder contract: one Annex-B access unit
// per frame, parameter sets with every IDR, forced IDRs, bitrate changes
// that take effect at once, reference invalidation's answers.
#include <vector>

#include <gtest/gtest.h>

#include "pf/convert/convert.hpp"
#include "pf/encode/encoder.hpp"
#include "pf/synth/synthetic.hpp"

namespace pf::encode {
namespace {

// The synthetic desktop, converted the way the host will.
class Frames {
 public:
  Frames(std::uint32_t w, std::uint32_t h)
      : w_(w), h_(h), bgra_(std::size_t{w} * h * 4), yuv_(convert::YuvFrame::allocate(convert::YuvFormat::nv12, w, h).value()) {}
  const convert::YuvImage& at(std::uint64_t i) {
    synth::render_bgra(bgra_.data(), w_ * 4, w_, h_, synth::Stamp{i, i * 16'666'667});
    EXPECT_TRUE(convert::convert({bgra_.data(), w_ * 4, w_, h_, convert::PixelLayout::bgra8}, yuv_.view()));
    return yuv_.view();
  }

 private:
  std::uint32_t w_, h_;
  std::vector<std::uint8_t> bgra_;
  convert::YuvFrame yuv_;
};

// NAL unit types in an Annex-B access unit.
std::vector<int> nal_types(Bytes au) {
  std::vector<int> types;
  for (std::size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      types.push_back(au[i + 3] & 0x1F);
      i += 3;
    }
  }
  return types;
}

bool has(const std::vector<int>& v, int t) { return std::find(v.begin(), v.end(), t) != v.end(); }

EncoderConfig small(std::uint32_t kbps = 2000) {
  EncoderConfig c;
  c.width = 320;
  c.height = 240;
  c.fps = 60;
  c.bitrate_kbps = kbps;
  c.threads = 2;
  return c;
}

TEST(X264, OneAnnexBAccessUnitPerFrameWithParameterSetsOnEveryIdr) {
  auto enc = make_x264_encoder(small());
  ASSERT_TRUE(enc) << enc.error().message;
  EXPECT_EQ((*enc)->caps().name, "x264");
  EXPECT_TRUE((*enc)->caps().reference_invalidation);
  Frames frames(320, 240);
  for (std::int64_t i = 0; i < 40; ++i) {
    const auto flags = i == 25 ? SubmitFlags::force_idr : SubmitFlags::none;
    auto au = (*enc)->submit(frames.at(static_cast<std::uint64_t>(i)), i, flags);
    ASSERT_TRUE(au) << au.error().message;
    ASSERT_GE(au->data.size(), 4U);
    EXPECT_EQ(au->pts, i) << "one access unit per frame, in order";
    EXPECT_TRUE(au->data[0] == 0 && au->data[1] == 0 && (au->data[2] == 1 || (au->data[2] == 0 && au->data[3] == 1)))
        << "Annex-B start code";
    const auto types = nal_types(au->data);
    const bool idr = i == 0 || i == 25;
    EXPECT_EQ(au->keyframe, idr) << "frame " << i << ": an infinite GOP has keyframes only when asked";
    EXPECT_EQ(has(types, 5), idr) << "frame " << i;
    EXPECT_EQ(has(types, 7) && has(types, 8), idr) << "frame " << i << ": SPS and PPS with every IDR, only then";
    EXPECT_GT(au->encode_time.count(), 0);
  }
}

TEST(X264, ABitrateChangeTakesEffectWithinTwoFrames) {
  auto enc = make_x264_encoder(small(4000));
  ASSERT_TRUE(enc);
  Frames frames(320, 240);
  std::vector<std::size_t> sizes;
  for (std::int64_t i = 0; i < 60; ++i) {
    if (i == 30) {
      ASSERT_TRUE((*enc)->reconfigure({400, 0}));
    }
    auto au = (*enc)->submit(frames.at(static_cast<std::uint64_t>(i) * 7), i);
    ASSERT_TRUE(au);
    sizes.push_back(au->data.size());
  }
  const auto mean = [&](std::size_t from, std::size_t to) {
    std::size_t sum = 0;
    for (std::size_t i = from; i < to; ++i) {
      sum += sizes[i];
    }
    return static_cast<double>(sum) / static_cast<double>(to - from);
  };
  const double before = mean(10, 30);
  const double target_after = 400.0 * 1000 / 8 / 60;  // bytes per frame at 400 kb/s
  // From the second frame after the change on, frames are sized for the new rate.
  const double after = mean(32, 60);
  RecordProperty("bytes_per_frame_before", static_cast<int>(before));
  RecordProperty("bytes_per_frame_after", static_cast<int>(after));
  EXPECT_LT(after, before / 4) << "before " << before << " B/frame, after " << after;
  EXPECT_LT(after, target_after * 2);
  for (std::size_t i = 32; i < 40; ++i) {
    EXPECT_LT(static_cast<double>(sizes[i]), before / 2) << "frame " << i << " still at the old rate";
  }
}

TEST(X264, InvalidationSaysWhetherTheClientCanGoOnWithoutAnIdr) {
  auto enc = make_x264_encoder(small());
  ASSERT_TRUE(enc);
  Frames frames(320, 240);
  for (std::int64_t i = 0; i < 30; ++i) {
    ASSERT_TRUE((*enc)->submit(frames.at(static_cast<std::uint64_t>(i)), i));
  }
  EXPECT_TRUE((*enc)->invalidate(27, 29)) << "recent frames: older ones remain to reference";
  auto next = (*enc)->submit(frames.at(30), 30);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->keyframe) << "recovery without an IDR";
  EXPECT_FALSE((*enc)->invalidate(2, 29)) << "older than what is kept: the caller must force an IDR";
  EXPECT_FALSE((*enc)->invalidate(29, 27));

  EncoderConfig refresh = small();
  refresh.intra_refresh_frames = 30;
  auto ir = make_x264_encoder(refresh);
  ASSERT_TRUE(ir) << ir.error().message;
  EXPECT_FALSE((*ir)->caps().reference_invalidation);
  EXPECT_FALSE((*ir)->invalidate(0, 0)) << "intra refresh cannot invalidate references";
}

TEST(X264, BadSettingsAndFramesAreClearErrors) {
  EncoderConfig odd = small();
  odd.width = 321;
  EXPECT_FALSE(make_x264_encoder(odd));
  EncoderConfig preset = small();
  preset.preset = "ludicrous";
  EXPECT_EQ(make_x264_encoder(preset).error().message, "x264 has no preset 'ludicrous'");
  EncoderConfig none = small();
  none.input = convert::YuvFormat::unset;
  EXPECT_EQ(make_x264_encoder(none).error().code, Errc::unsupported);
  auto enc = make_x264_encoder(small());
  ASSERT_TRUE(enc);
  auto other = convert::YuvFrame::allocate(convert::YuvFormat::nv12, 640, 480).value();
  EXPECT_EQ((*enc)->submit(other.view(), 0).error().message, "x264 was opened for NV12 320x240, given NV12 640x480");
}

}  // namespace
}  // namespace pf::encode
