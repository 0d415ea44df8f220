// On a machine with an NVIDIA GPU (ctest label gpu): the real driver either
// gives an NVENC session that encodes, or — on GPUs without an encode
// engine, such as data-centre parts, or without the driver's encode
// library — a reason, and the automatic choice falls back to x264.
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "pf/encode/open.hpp"

namespace pf::encode {
namespace {

TEST(NvencOnHardware, EncodesOrFallsBackWithTheReason) {
  if (::access("/dev/nvidiactl", F_OK) != 0) {
    GTEST_SKIP() << "no NVIDIA GPU on this machine (/dev/nvidiactl is absent)";
  }
  EncoderConfig c;
  c.width = 1280;
  c.height = 720;
  auto opened = open_encoder(c, Backend::automatic);
  ASSERT_TRUE(opened) << opened.error().message;
  auto frame = convert::YuvFrame::allocate(convert::YuvFormat::nv12, c.width, c.height).value();
  auto au = opened->encoder->submit(frame.view(), 0);
  ASSERT_TRUE(au) << au.error().message;
  EXPECT_TRUE(au->keyframe);
  RecordProperty("encoder", opened->encoder->caps().name);
  if (opened->encoder->caps().name != "nvenc") {
    EXPECT_EQ(opened->fallback_reason.rfind("NVENC unavailable: ", 0), 0U) << opened->fallback_reason;
    RecordProperty("nvenc", opened->fallback_reason);
    std::printf("NVENC fallback: %s\n", opened->fallback_reason.c_str());
  }
}

}  // namespace
}  // namespace pf::encode
