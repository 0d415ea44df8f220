// The NVENC backend driven through a fake driver table: the low-latency
// shape it asks for, the order of its calls, what it does with frames, every
// error path (each call fails in turn, and every resource comes back), the
// version gate, the "NVENC unavailable" reasons and the fallback to x264.
#include <algorithm>
#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_nvenc.hpp"
#include "pf/encode/nvenc.hpp"
#include "pf/encode/open.hpp"

namespace pf::encode {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using test::FakeNvenc;

EncoderConfig config_of(Codec codec = Codec::h264, convert::YuvFormat format = convert::YuvFormat::nv12) {
  EncoderConfig c;
  c.codec = codec;
  c.width = 64;
  c.height = 48;
  c.fps = 60;
  c.bitrate_kbps = 6000;
  c.input = format;
  if (format == convert::YuvFormat::p010) {
    c.color = {convert::Matrix::bt2020, convert::Range::limited};
  }
  return c;
}

// A frame whose every plane byte says which plane and row it is: 0xP0 + row.
convert::YuvFrame patterned(convert::YuvFormat format, std::uint32_t w, std::uint32_t h) {
  auto f = convert::YuvFrame::allocate(format, w, h).value();
  const auto& v = f.view();
  for (std::size_t p = 0; p < 3; ++p) {
    if (v.planes[p].data == nullptr) {
      continue;
    }
    const std::uint32_t rows = p == 0 ? h : convert::chroma_height(format, h);
    for (std::uint32_t y = 0; y < rows; ++y) {
      std::memset(v.planes[p].data + std::size_t{v.planes[p].stride_bytes} * y,
                  static_cast<int>(((p + 1) << 6) + (y & 0x3F)), v.planes[p].stride_bytes);
    }
  }
  return f;
}

Result<std::unique_ptr<Encoder>> open_fake(const FakeNvenc& fake, const EncoderConfig& c = config_of()) {
  return make_nvenc_encoder(c, NvencOptions{0, fake.driver()});
}

TEST(NvencStatus, EveryStatusHasItsNameAndAHint) {
  std::vector<std::string_view> names;
  for (int s = NV_ENC_SUCCESS; s <= NV_ENC_ERR_RESOURCE_NOT_MAPPED; ++s) {
    EXPECT_THAT(std::string(nvenc_status_name(s)), StartsWith("NV_ENC_")) << s;
    EXPECT_FALSE(nvenc_status_hint(s).empty()) << s;
    names.push_back(nvenc_status_name(s));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  EXPECT_EQ(nvenc_status_name(NV_ENC_ERR_NO_ENCODE_DEVICE), "NV_ENC_ERR_NO_ENCODE_DEVICE");
  EXPECT_EQ(nvenc_status_name(NV_ENC_ERR_RESOURCE_NOT_MAPPED), "NV_ENC_ERR_RESOURCE_NOT_MAPPED");
  EXPECT_EQ(nvenc_status_name(NV_ENC_ERR_RESOURCE_NOT_MAPPED + 1), "NVENCSTATUS(unknown)");
  EXPECT_EQ(nvenc_status_name(-1), "NVENCSTATUS(unknown)");
}

TEST(Nvenc, OpensWithTheLowLatencyShape) {
  FakeNvenc fake;
  auto e = open_fake(fake);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(fake.init.enablePTD, 1U);
  EXPECT_EQ(std::memcmp(&fake.init.presetGUID, &NV_ENC_PRESET_P1_GUID, sizeof(GUID)), 0);
  EXPECT_EQ(fake.init.tuningInfo, NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY);
  EXPECT_EQ(fake.init.frameRateNum, 60U);
  EXPECT_EQ(fake.config.gopLength, NVENC_INFINITE_GOPLENGTH);
  EXPECT_EQ(fake.config.frameIntervalP, 1);
  EXPECT_EQ(fake.config.rcParams.rateControlMode, NV_ENC_PARAMS_RC_CBR);
  EXPECT_EQ(fake.config.rcParams.averageBitRate, 6'000'000U);
  EXPECT_EQ(fake.config.rcParams.maxBitRate, 6'000'000U);
  EXPECT_EQ(fake.config.rcParams.vbvBufferSize, 100'000U);  // one frame at 60 fps
  const auto& h = fake.config.encodeCodecConfig.h264Config;
  EXPECT_EQ(h.idrPeriod, NVENC_INFINITE_GOPLENGTH);
  EXPECT_EQ(h.repeatSPSPPS, 1U);
  EXPECT_EQ(h.enableIntraRefresh, 0U);
  EXPECT_EQ(h.maxNumRefFrames, 16U);
  EXPECT_EQ(h.h264VUIParameters.colourMatrix, 1U);  // BT.709
  EXPECT_EQ(fake.registered.resourceType, NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR);
  EXPECT_EQ(fake.registered.bufferFormat, NV_ENC_BUFFER_FORMAT_NV12);
  EXPECT_EQ((*e)->caps().name, "nvenc");
  EXPECT_TRUE((*e)->caps().reference_invalidation);
}

TEST(Nvenc, HevcTenBitAndIntraRefreshAreConfigured) {
  FakeNvenc fake;
  auto c = config_of(Codec::hevc, convert::YuvFormat::p010);
  c.intra_refresh_frames = 30;
  auto e = open_fake(fake, c);
  ASSERT_TRUE(e) << e.error().message;
  const auto& h = fake.config.encodeCodecConfig.hevcConfig;
  EXPECT_EQ(h.pixelBitDepthMinus8, 2U);
  EXPECT_EQ(h.enableIntraRefresh, 1U);
  EXPECT_EQ(h.intraRefreshPeriod, 30U);
  EXPECT_EQ(h.hevcVUIParameters.transferCharacteristics, 16U);  // PQ
  EXPECT_EQ(fake.registered.bufferFormat, NV_ENC_BUFFER_FORMAT_YUV420_10BIT);
  EXPECT_FALSE((*e)->caps().reference_invalidation);
  EXPECT_FALSE((*e)->invalidate(0, 0));
}

TEST(Nvenc, CallsComeInOrderAndTeardownReleasesEverything) {
  FakeNvenc fake;
  {
    auto e = open_fake(fake);
    ASSERT_TRUE(e) << e.error().message;
    auto frame = patterned(convert::YuvFormat::nv12, 64, 48);
    fake.calls.clear();
    ASSERT_TRUE((*e)->submit(frame.view(), 0));
    EXPECT_THAT(fake.calls, ElementsAre("cuCtxPushCurrent", "cuMemcpy2D", "cuMemcpy2D", "nvEncMapInputResource",
                                        "nvEncEncodePicture", "nvEncLockBitstream", "nvEncUnlockBitstream",
                                        "nvEncUnmapInputResource", "cuCtxPopCurrent"));
    EXPECT_EQ(fake.mapped + fake.locked + fake.pushed, 0);
    fake.calls.clear();
  }
  EXPECT_THAT(fake.calls, ElementsAre("cuCtxPushCurrent", "nvEncDestroyBitstreamBuffer", "nvEncUnregisterResource",
                                      "cuMemFree", "nvEncDestroyEncoder", "cuCtxPopCurrent",
                                      "cuDevicePrimaryCtxRelease"));
  EXPECT_EQ(fake.live(), 0);
}

TEST(Nvenc, AccessUnitsCarryPtsKeyframesAndForcedIdrs) {
  FakeNvenc fake;
  auto e = open_fake(fake).value();
  auto frame = patterned(convert::YuvFormat::nv12, 64, 48);
  auto first = e->submit(frame.view(), 0).value();
  EXPECT_TRUE(first.keyframe);
  EXPECT_EQ(first.pts, 0);
  EXPECT_EQ(first.data.size(), 15U);
  auto second = e->submit(frame.view(), 1).value();
  EXPECT_FALSE(second.keyframe);
  EXPECT_EQ(second.pts, 1);
  EXPECT_EQ(fake.last_picture.encodePicFlags, 0U);
  auto forced = e->submit(frame.view(), 2, SubmitFlags::force_idr).value();
  EXPECT_TRUE(forced.keyframe);
  EXPECT_EQ(fake.last_picture.encodePicFlags,
            static_cast<std::uint32_t>(NV_ENC_PIC_FLAG_FORCEIDR | NV_ENC_PIC_FLAG_OUTPUT_SPSPPS));
  EXPECT_EQ(fake.last_picture.inputTimeStamp, 2U);
  // A frame of another size or format is refused before the driver sees it.
  auto wrong = patterned(convert::YuvFormat::i420, 64, 48);
  EXPECT_FALSE(e->submit(wrong.view(), 3));
}

// The caller's planes land in the one surface the way NVENC reads them.
TEST(Nvenc, FramesReachTheSurfaceInNvencsPlaneLayout) {
  struct Layout {
    Codec codec;
    convert::YuvFormat format;
    std::size_t sample;
  };
  for (const Layout l : {Layout{Codec::h264, convert::YuvFormat::nv12, 1}, Layout{Codec::h264, convert::YuvFormat::i420, 1},
                         Layout{Codec::h264, convert::YuvFormat::i444, 1},
                         Layout{Codec::hevc, convert::YuvFormat::p010, 2}}) {
    FakeNvenc fake;
    auto e = open_fake(fake, config_of(l.codec, l.format)).value();
    auto frame = patterned(l.format, 64, 48);
    ASSERT_TRUE(e->submit(frame.view(), 0));
    const std::size_t pitch = fake.surface_pitch;
    const auto at = [&](std::size_t offset) { return fake.surface.at(offset); };
    EXPECT_EQ(at(0), 0x40);                               // luma row 0
    EXPECT_EQ(at(pitch * 47 + 64 * l.sample - 1), 0x40 + 47);  // luma row 47, last byte
    EXPECT_EQ(at(pitch * 48), 0x80);                      // first chroma plane, row 0
    switch (l.format) {
      case convert::YuvFormat::i420:  // U then V at half the pitch
        EXPECT_EQ(at(pitch * 48 + pitch / 2 * 23 + 31), 0x80 + 23);
        EXPECT_EQ(at(pitch * 48 + pitch / 2 * 24), 0xC0);
        break;
      case convert::YuvFormat::i444:
        EXPECT_EQ(at(pitch * 95 + 63), 0x80 + 47);
        EXPECT_EQ(at(pitch * 96), 0xC0);
        break;
      default:  // interleaved chroma: 24 rows
        EXPECT_EQ(at(pitch * 71 + 64 * l.sample - 1), 0x80 + 23);
        break;
    }
  }
}

TEST(Nvenc, InvalidationNamesEachLostFrameWhileItIsInTheDpb) {
  FakeNvenc fake;
  auto e = open_fake(fake).value();
  auto frame = patterned(convert::YuvFormat::nv12, 64, 48);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(e->submit(frame.view(), i));
  }
  EXPECT_TRUE(e->invalidate(17, 19));
  EXPECT_THAT(fake.invalidated, ElementsAre(17U, 18U, 19U));
  EXPECT_FALSE(e->invalidate(2, 3));  // older than the DPB: the caller must force an IDR
  EXPECT_FALSE(e->invalidate(5, 4));
  fake.fail_at("nvEncInvalidateRefFrames", 4);  // the three above were the first
  EXPECT_FALSE(e->invalidate(19, 19));
}

TEST(Nvenc, ReconfigureChangesBitrateAndVbvInPlace) {
  FakeNvenc fake;
  auto e = open_fake(fake).value();
  ASSERT_TRUE(e->reconfigure({3000, 0}));
  ASSERT_TRUE(fake.reconfigured);
  EXPECT_EQ(fake.reconfigured->rcParams.averageBitRate, 3'000'000U);
  EXPECT_EQ(fake.reconfigured->rcParams.vbvBufferSize, 50'000U);
  EXPECT_EQ(fake.reconfigured->gopLength, NVENC_INFINITE_GOPLENGTH);
  ASSERT_TRUE(e->reconfigure({0, 120}));
  EXPECT_EQ(fake.reconfigured->rcParams.averageBitRate, 3'000'000U);
  EXPECT_EQ(fake.reconfigured->rcParams.vbvBufferSize, 25'000U);
  fake.fail_at("nvEncReconfigureEncoder", 3, NV_ENC_ERR_INVALID_PARAM);
  const auto st = e->reconfigure({900'000, 0});
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message, HasSubstr("NV_ENC_ERR_INVALID_PARAM"));
}

TEST(Nvenc, AnOldDriverIsRefusedBeforeAnythingIsOpened) {
  FakeNvenc fake;
  fake.max_version = (9 << 4) | 0;
  auto e = open_fake(fake);
  ASSERT_FALSE(e);
  EXPECT_THAT(e.error().message, StartsWith("NVENC unavailable: the NVIDIA driver supports NVENC API 9.0"));
  EXPECT_THAT(e.error().message, HasSubstr("update the driver"));
  EXPECT_THAT(fake.calls, ElementsAre("NvEncodeAPIGetMaxSupportedVersion"));
}

TEST(Nvenc, NoEncodeEngineSaysSoAndReleasesTheContext) {
  FakeNvenc fake;
  fake.fail_at("nvEncOpenEncodeSessionEx", 1, NV_ENC_ERR_NO_ENCODE_DEVICE);
  auto e = open_fake(fake);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::unsupported);
  EXPECT_THAT(e.error().message, StartsWith("NVENC unavailable: GPU 0 (Fake GPU) opened no encode session "
                                            "(NV_ENC_ERR_NO_ENCODE_DEVICE: no NVENC engine"));
  EXPECT_EQ(fake.live(), 0);
}

TEST(Nvenc, NoDeviceAndMissingCodecAreNamed) {
  {
    FakeNvenc fake;
    fake.device_count = 0;
    auto e = open_fake(fake);
    ASSERT_FALSE(e);
    EXPECT_THAT(e.error().message, StartsWith("NVENC unavailable: no CUDA device"));
  }
  {
    FakeNvenc fake;
    fake.has_hevc = false;
    auto e = open_fake(fake, config_of(Codec::hevc));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message, "NVENC unavailable: GPU 0 (Fake GPU) cannot encode HEVC");
    EXPECT_EQ(fake.live(), 0);
  }
  auto h264_p010 = make_nvenc_encoder(config_of(Codec::h264, convert::YuvFormat::p010));
  ASSERT_FALSE(h264_p010);
  EXPECT_THAT(h264_p010.error().message, HasSubstr("P010 for HEVC"));
}

// Each call the backend makes fails in turn, on every occurrence of a run
// that opens, encodes (with a forced IDR), invalidates and reconfigures.
// Whatever failed, nothing crashes, the encoder stays usable for the frames
// after a failed one, and once it is gone every resource has come back.
TEST(Nvenc, EveryCallFailingInTurnLeavesNothingBehind) {
  const auto scenario = [](FakeNvenc& fake) {
    auto e = open_fake(fake);
    if (!e) {
      EXPECT_EQ(fake.live(), 0) << e.error().message;
      return;
    }
    auto frame = patterned(convert::YuvFormat::nv12, 64, 48);
    int delivered = 0;
    for (int i = 0; i < 4; ++i) {
      if ((*e)->submit(frame.view(), i, i == 2 ? SubmitFlags::force_idr : SubmitFlags::none)) {
        ++delivered;
      }
      EXPECT_EQ(fake.mapped + fake.locked + fake.pushed, 0) << "after frame " << i;
    }
    EXPECT_GE(delivered, 3);  // one injected failure costs at most one frame
    static_cast<void>((*e)->invalidate(3, 3));
    static_cast<void>((*e)->reconfigure({4000, 0}));
    EXPECT_EQ(fake.mapped + fake.locked + fake.pushed, 0);
  };
  std::vector<std::string> calls;
  {
    FakeNvenc clean;
    scenario(clean);
    EXPECT_EQ(clean.live(), 0);
    calls = clean.calls;
  }
  std::map<std::string, int> occurrence;
  int injected = 0;
  for (const std::string& call : calls) {
    const int n = ++occurrence[call];
    if (!FakeNvenc::injectable(call)) {
      continue;
    }
    SCOPED_TRACE(call + " #" + std::to_string(n));
    FakeNvenc fake;
    fake.fail_at(call, n);
    scenario(fake);
    EXPECT_EQ(fake.live(), 0);
    EXPECT_EQ(fake.memory.size(), 0U);
    ++injected;
  }
  EXPECT_GE(injected, 30);
}

TEST(EncoderChoice, FallsBackToX264WithTheReason) {
  FakeNvenc fake;
  fake.fail_at("nvEncOpenEncodeSessionEx", 1, NV_ENC_ERR_NO_ENCODE_DEVICE);
  auto opened = open_encoder(config_of(), Backend::automatic, NvencOptions{0, fake.driver()});
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->encoder->caps().name, "x264");
  EXPECT_THAT(opened->fallback_reason, StartsWith("NVENC unavailable: GPU 0 (Fake GPU)"));
  EXPECT_EQ(fake.live(), 0);
}

TEST(EncoderChoice, NvencWhenItOpensAndAnErrorWhenItIsDemandedButAbsent) {
  {
    FakeNvenc fake;
    auto opened = open_encoder(config_of(Codec::hevc), Backend::automatic, NvencOptions{0, fake.driver()});
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(opened->encoder->caps().name, "nvenc");
    EXPECT_TRUE(opened->fallback_reason.empty());
  }
  FakeNvenc fake;
  fake.device_count = 0;
  auto demanded = open_encoder(config_of(), Backend::nvenc, NvencOptions{0, fake.driver()});
  ASSERT_FALSE(demanded);
  EXPECT_THAT(demanded.error().message, StartsWith("NVENC unavailable:"));
  auto software = open_encoder(config_of(Codec::hevc, convert::YuvFormat::i420), Backend::software);
  ASSERT_TRUE(software) << software.error().message;
  EXPECT_EQ(software->encoder->caps().name, "x265");
}

// On this machine's real driver search: NVENC opens, or the fallback says why.
TEST(EncoderChoice, TheRealDriverOpensOrTheReasonIsGiven) {
  auto opened = open_encoder(config_of(), Backend::automatic);
  ASSERT_TRUE(opened) << opened.error().message;
  if (opened->encoder->caps().name == "x264") {
    EXPECT_THAT(opened->fallback_reason, StartsWith("NVENC unavailable: "));
    RecordProperty("nvenc", opened->fallback_reason);
  } else {
    EXPECT_EQ(opened->encoder->caps().name, "nvenc");
  }
}

}  // namespace
}  // namespace pf::encode
