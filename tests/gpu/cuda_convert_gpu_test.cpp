// On a machine with an NVIDIA GPU (ctest label gpu): the CUDA kernels give
// what the CPU's own code gives, bit for bit, on random images, edge values
// and odd sizes, for every format and colour. Where the CPU's default is
// libyuv (BT.601), the kernels still match our own code exactly; libyuv's
// own rounding lies within one code value of the float reference on the
// other side, so GPU and libyuv can differ by up to two (recorded, and
// bounded by that).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "convert/conversion_cases.hpp"
#include "pf/convert/convert.hpp"
#include "pf/convert/cuda.hpp"

namespace pf::convert {
namespace {

using Case = test::ConversionCase;

std::string name_of(const Case& c) {
  return fmt::format("{} {} {}", to_string(c.format), to_string(c.spec.matrix), to_string(c.spec.range));
}

// Largest absolute difference between two frames of the same format and size.
int max_difference(const YuvImage& a, const YuvImage& b) {
  const bool ten = a.format == YuvFormat::p010;
  const bool interleaved = a.format == YuvFormat::nv12 || ten;
  const std::uint32_t cw = chroma_width(a.format, a.width) * (interleaved ? 2 : 1);
  const std::uint32_t ch = chroma_height(a.format, a.height);
  const std::array<std::pair<std::uint32_t, std::uint32_t>, 3> shapes{
      {{a.width, a.height}, {cw, ch}, {interleaved ? 0 : cw, ch}}};
  int worst = 0;
  for (std::size_t p = 0; p < 3; ++p) {
    for (std::uint32_t y = 0; y < shapes[p].second; ++y) {
      for (std::uint32_t x = 0; x < shapes[p].first; ++x) {
        int va = 0;
        int vb = 0;
        if (ten) {
          std::uint16_t sa;
          std::uint16_t sb;
          std::memcpy(&sa, a.planes[p].data + std::size_t{a.planes[p].stride_bytes} * y + x * 2, 2);
          std::memcpy(&sb, b.planes[p].data + std::size_t{b.planes[p].stride_bytes} * y + x * 2, 2);
          va = sa >> 6;
          vb = sb >> 6;
        } else {
          va = a.planes[p].data[std::size_t{a.planes[p].stride_bytes} * y + x];
          vb = b.planes[p].data[std::size_t{b.planes[p].stride_bytes} * y + x];
        }
        worst = std::max(worst, std::abs(va - vb));
      }
    }
  }
  return worst;
}

class CudaConvertOnHardware : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/nvidiactl", F_OK) != 0) {
      GTEST_SKIP() << "no NVIDIA GPU on this machine (/dev/nvidiactl is absent)";
    }
    auto c = CudaConverter::open();
    ASSERT_TRUE(c) << c.error().message;
    converter_.emplace(std::move(*c));
    RecordProperty("gpu", fmt::format("{} ({:.0f} GB/s peak)", converter_->device_name(),
                                      converter_->peak_bandwidth_gbps()));
  }

  // Converts `pixels` on the GPU and the CPU (through `path`) and returns
  // the largest difference.
  int compare(const Case& c, std::uint32_t w, std::uint32_t h, const std::vector<std::uint8_t>& pixels,
              Path path = Path::own) {
    const SourceImage host{pixels.data(), w * 4, w, h, c.layout};
    auto cpu = YuvFrame::allocate(c.format, w, h).value();
    EXPECT_TRUE(convert(host, cpu.view(), c.spec, path));
    auto src = converter_->allocate_source(c.layout, w, h);
    auto dst = converter_->allocate_yuv(c.format, w, h);
    EXPECT_TRUE(src && dst);
    if (!src || !dst) {
      return 999;
    }
    EXPECT_TRUE(converter_->upload(host, *src));
    const auto st = converter_->convert(*src, *dst, c.spec);
    EXPECT_TRUE(st) << st.error().message;
    EXPECT_TRUE(converter_->synchronize());
    auto gpu = YuvFrame::allocate(c.format, w, h).value();
    EXPECT_TRUE(converter_->download(*dst, gpu.view()));
    return max_difference(cpu.view(), gpu.view());
  }

  std::optional<CudaConverter> converter_;
};


std::vector<std::uint8_t> random_pixels(std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> p(std::size_t{w} * h * 4);
  for (auto& b : p) {
    b = static_cast<std::uint8_t>(rng());
  }
  return p;
}

// Every pixel one 32-bit word (the edge values: black, white, primaries).
std::vector<std::uint8_t> filled(std::uint32_t w, std::uint32_t h, std::uint32_t word) {
  std::vector<std::uint8_t> p(std::size_t{w} * h * 4);
  for (std::size_t i = 0; i < p.size(); i += 4) {
    std::memcpy(&p[i], &word, 4);
  }
  return p;
}

TEST_F(CudaConvertOnHardware, MatchesTheCpuPathOnRandomImagesAtEvenAndOddSizes) {
  for (const Case& c : test::kConversionCases) {
    for (const auto& [w, h] : {std::pair{1920U, 1080U}, std::pair{1280U, 720U}, std::pair{33U, 17U},
                               std::pair{7U, 3U}, std::pair{1U, 1U}, std::pair{2U, 2U}}) {
      const auto pixels = random_pixels(w, h, w * 131 + h);
      EXPECT_EQ(compare(c, w, h, pixels), 0) << name_of(c) << " " << w << "x" << h;
      if (path_for(c.layout, c.format, c.spec) == Path::libyuv) {
        const int to_libyuv = compare(c, w, h, pixels, Path::unset);
        EXPECT_LE(to_libyuv, 2) << name_of(c) << " " << w << "x" << h;
        RecordProperty(fmt::format("vs_libyuv {} {}x{}", name_of(c), w, h), to_libyuv);
      }
    }
  }
}

TEST_F(CudaConvertOnHardware, MatchesTheCpuPathOnEdgeValues) {
  const std::vector<std::uint32_t> eight = {0x00000000, 0xFFFFFFFF, 0xFFFF0000, 0xFF00FF00, 0xFF0000FF,
                                            0xFFFFFF00, 0xFF00FFFF, 0xFFFF00FF};
  const std::vector<std::uint32_t> ten = {0x00000000, 0x3FFFFFFF, 0x3FF00000, 0x000FFC00, 0x000003FF, 0xC0000000};
  for (const Case& c : test::kConversionCases) {
    for (std::uint32_t word : c.layout == PixelLayout::x2rgb10 ? ten : eight) {
      EXPECT_EQ(compare(c, 66, 35, filled(66, 35, word)), 0) << name_of(c) << fmt::format(" {:08x}", word);
    }
  }
}

TEST_F(CudaConvertOnHardware, RejectsWhatTheCpuPathRejects) {
  auto src = converter_->allocate_source(PixelLayout::bgra8, 64, 64).value();
  auto wrong_size = converter_->allocate_yuv(YuvFormat::nv12, 32, 32).value();
  auto p010 = converter_->allocate_yuv(YuvFormat::p010, 64, 64).value();
  EXPECT_FALSE(converter_->convert(src, wrong_size));
  EXPECT_FALSE(converter_->convert(src, p010, {Matrix::bt2020, Range::limited}));  // 8-bit input
  EXPECT_FALSE(converter_->convert(wrong_size, src));                              // not a source / not a frame
}

TEST_F(CudaConvertOnHardware, ThousandsOfAllocationsLeaveNothingBehind) {
  // Each DeviceImage frees its memory when it goes; a leak of even one
  // 4K frame per round would exhaust a GPU long before the end.
  for (int i = 0; i < 2000; ++i) {
    auto src = converter_->allocate_source(PixelLayout::bgra8, 3840, 2160);
    auto dst = converter_->allocate_yuv(YuvFormat::nv12, 3840, 2160);
    ASSERT_TRUE(src && dst) << "round " << i;
    ASSERT_TRUE(converter_->convert(*src, *dst));
  }
  EXPECT_TRUE(converter_->synchronize());
}

}  // namespace
}  // namespace pf::convert
