// The seed's second finding: a per-frame conversion object leaked on the
// hot path. 100,000 frames through convert + encode must leave RSS flat.
#include <vector>

#include <gtest/gtest.h>

#include "pf/convert/convert.hpp"
#include "pf/encode/encoder.hpp"
#include "pf/synth/synthetic.hpp"
#include "support/proc_stats.hpp"

namespace pf::encode {
namespace {

TEST(MediaSoak, HundredThousandFramesThroughConvertAndEncodeLeaveMemoryFlat) {
  constexpr std::uint32_t kW = 320;
  constexpr std::uint32_t kH = 240;
  const int frames = pf::test::sanitized_build() ? 20'000 : 100'000;
  EncoderConfig c;
  c.width = kW;
  c.height = kH;
  c.bitrate_kbps = 1000;
  c.threads = 2;
  auto enc = make_x264_encoder(c);
  ASSERT_TRUE(enc) << enc.error().message;
  std::vector<std::uint8_t> bgra(std::size_t{kW} * kH * 4);
  auto yuv = convert::YuvFrame::allocate(convert::YuvFormat::nv12, kW, kH).value();
  const auto step = [&](int i) {
    synth::render_bgra(bgra.data(), kW * 4, kW, kH, synth::Stamp{static_cast<std::uint64_t>(i), 0});
    ASSERT_TRUE(convert::convert({bgra.data(), kW * 4, kW, kH, convert::PixelLayout::bgra8}, yuv.view()));
    const auto flags = i % 997 == 0 ? SubmitFlags::force_idr : SubmitFlags::none;  // keyframes now and then
    auto au = (*enc)->submit(yuv.view(), i, flags);
    ASSERT_TRUE(au) << au.error().message;
    if (i % 5000 == 0) {
      ASSERT_TRUE((*enc)->reconfigure({i % 10000 == 0 ? 800U : 1200U, 0}));
    }
  };
  for (int i = 0; i < 2000; ++i) {  // warm-up: buffers reach their working size
    step(i);
  }
  const auto rss0 = pf::test::rss_kib();
  for (int i = 2000; i < 2000 + frames; ++i) {
    step(i);
    if (HasFatalFailure()) {
      return;
    }
  }
  const auto growth = pf::test::rss_kib() - rss0;
  RecordProperty("frames", frames);
  RecordProperty("rss_growth_kib", static_cast<int>(growth));
  if (!pf::test::sanitized_build()) {
    EXPECT_LT(growth, 2048) << "RSS grew by " << growth << " KiB over " << frames << " frames";
  }
}

}  // namespace
}  // namespace pf::encode
