// The x265 backend against the encoder contract, through a real HEVC decoder.
#include <vector>

#include <gtest/gtest.h>

#include "encode/video_decoder.hpp"
#include "pf/convert/convert.hpp"
#include "pf/encode/encoder.hpp"
#include "pf/synth/synthetic.hpp"

namespace pf::encode {
namespace {

EncoderConfig hevc(std::uint32_t kbps = 3000) {
  EncoderConfig c;
  c.codec = Codec::hevc;
  c.input = convert::YuvFormat::i420;
  c.width = 640;
  c.height = 360;
  c.fps = 60;
  c.bitrate_kbps = kbps;
  return c;
}

// HEVC NAL unit types of an Annex-B access unit.
std::vector<int> nal_types(Bytes au) {
  std::vector<int> types;
  for (std::size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      types.push_back((au[i + 3] >> 1) & 0x3F);
      i += 3;
    }
  }
  return types;
}

bool has(const std::vector<int>& v, int t) { return std::find(v.begin(), v.end(), t) != v.end(); }

TEST(X265, OneAccessUnitPerFrameDecodedWithEveryFrameIdAndForcedIdrs) {
  auto enc = make_x265_encoder(hevc());
  ASSERT_TRUE(enc) << enc.error().message;
  EXPECT_EQ((*enc)->caps().codec, Codec::hevc);
  EXPECT_FALSE((*enc)->invalidate(3, 4)) << "no reference invalidation: the caller forces an IDR";
  std::vector<std::uint8_t> bgra(640 * 360 * 4);
  auto yuv = convert::YuvFrame::allocate(convert::YuvFormat::i420, 640, 360).value();
  test::VideoDecoder decoder(test::VideoDecoder::Codec::hevc);
  for (std::int64_t i = 0; i < 40; ++i) {
    const auto id = static_cast<std::uint64_t>(i) + 500;
    synth::render_bgra(bgra.data(), 640 * 4, 640, 360, synth::Stamp{id, 0});
    ASSERT_TRUE(convert::convert({bgra.data(), 640 * 4, 640, 360, convert::PixelLayout::bgra8}, yuv.view()));
    auto au = (*enc)->submit(yuv.view(), i, i == 20 ? SubmitFlags::force_idr : SubmitFlags::none);
    ASSERT_TRUE(au) << au.error().message;
    EXPECT_EQ(au->pts, i);
    const auto types = nal_types(au->data);
    const bool idr = i == 0 || i == 20;
    EXPECT_EQ(au->keyframe, idr) << "frame " << i;
    EXPECT_EQ(has(types, 32) && has(types, 33) && has(types, 34), idr) << "frame " << i << ": VPS, SPS, PPS";
    if (i == 30) {
      ASSERT_TRUE((*enc)->reconfigure({1000, 0}));
    }
    const auto decoded = decoder.decode(au->data);
    ASSERT_TRUE(decoded) << "frame " << i;
    const auto stamp = synth::read_stamp_bgra(decoded->bgra.data(), 640 * 4, 640, 360);
    ASSERT_TRUE(stamp);
    EXPECT_EQ(stamp->frame_id, id);
  }
  EXPECT_EQ(decoder.errors(), 0);
}

TEST(X265, NonPlanarInputIsRefused) {
  EncoderConfig c = hevc();
  c.input = convert::YuvFormat::nv12;
  EXPECT_EQ(make_x265_encoder(c).error().message, "x265 takes planar I420 or I444, not NV12");
  c = hevc();
  c.codec = Codec::h264;
  EXPECT_EQ(make_x265_encoder(c).error().code, Errc::unsupported);
}

}  // namespace
}  // namespace pf::encode
