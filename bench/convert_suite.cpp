// convert: captured BGRA → YUV, ours against raw libyuv on the same frames
// in the same run. Frames rotate through 4 sources so they come from DRAM,
// not cache, as a captured frame does.
//
// Keys: nv12_ms_1080p / _4k (the default, BT.709 limited, own code),
//       nv12_libyuv_ms_1080p / _4k (raw libyuv ARGBToNV12, BT.601),
//       nv12_vs_libyuv_ratio_1080p / _4k (libyuv time ÷ our default's: the
//       same work with other coefficients, so ≥ 1 means ours is as fast),
//       nv12_bt601_vs_libyuv_ratio_1080p (libyuv ÷ our libyuv path: the
//       wrapper's overhead, ≥ 0.95 expected), i444_ms_1080p,
//       p010_ms_1080p (BT.2020 from X2RGB10, own code).
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <libyuv/convert_from_argb.h>

#include "pf/convert/convert.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using namespace pf::convert;

constexpr int kSources = 4;

struct Sources {
  Sources(std::uint32_t w, std::uint32_t h) : width(w), height(h) {
    std::mt19937 rng(7);
    for (auto& s : frames) {
      s.resize(std::size_t{w} * h * 4);
      for (auto& b : s) {
        b = static_cast<std::uint8_t>(rng());
      }
    }
  }
  SourceImage at(int i, PixelLayout layout) const {
    return {frames[static_cast<std::size_t>(i % kSources)].data(), width * 4, width, height, layout};
  }
  std::uint32_t width;
  std::uint32_t height;
  std::array<std::vector<std::uint8_t>, kSources> frames;
};

void bm_ours(benchmark::State& state, std::uint32_t w, std::uint32_t h, YuvFormat format, ColorSpec spec,
             PixelLayout layout) {
  const Sources src(w, h);
  auto out = YuvFrame::allocate(format, w, h).value();
  int i = 0;
  for (auto _ : state) {
    if (!pf::convert::convert(src.at(i++, layout), out.view(), spec)) {
      state.SkipWithError("conversion failed");
      break;
    }
    benchmark::ClobberMemory();
  }
}

void bm_libyuv_nv12(benchmark::State& state, std::uint32_t w, std::uint32_t h) {
  const Sources src(w, h);
  auto out = YuvFrame::allocate(YuvFormat::nv12, w, h).value();
  const YuvImage& o = out.view();
  int i = 0;
  for (auto _ : state) {
    const SourceImage s = src.at(i++, PixelLayout::bgra8);
    libyuv::ARGBToNV12(s.pixels, static_cast<int>(s.pitch_bytes), o.planes[0].data,
                       static_cast<int>(o.planes[0].stride_bytes), o.planes[1].data,
                       static_cast<int>(o.planes[1].stride_bytes), static_cast<int>(w), static_cast<int>(h));
    benchmark::ClobberMemory();
  }
}

void register_cases() {
  const ColorSpec bt709{};
  const ColorSpec bt601{Matrix::bt601, Range::limited};
  for (const auto& [name, w, h] : {std::tuple{"1080p", 1920U, 1080U}, std::tuple{"4k", 3840U, 2160U}}) {
    benchmark::RegisterBenchmark(fmt::format("convert/nv12_{}", name).c_str(), bm_ours, w, h, YuvFormat::nv12, bt709,
                                 PixelLayout::bgra8);
    benchmark::RegisterBenchmark(fmt::format("convert/nv12_bt601_{}", name).c_str(), bm_ours, w, h,
                                 YuvFormat::nv12, bt601, PixelLayout::bgra8);
    benchmark::RegisterBenchmark(fmt::format("convert/libyuv_nv12_{}", name).c_str(), bm_libyuv_nv12, w, h);
  }
  benchmark::RegisterBenchmark("convert/i444_1080p", bm_ours, 1920U, 1080U, YuvFormat::i444, bt709,
                               PixelLayout::bgra8);
  benchmark::RegisterBenchmark("convert/p010_1080p", bm_ours, 1920U, 1080U, YuvFormat::p010,
                               ColorSpec{Matrix::bt2020, Range::limited}, PixelLayout::x2rgb10);
}

Report report(const Timings& t) {
  Report r;
  const auto ms = [&t](const std::string& name) { return timing_ns(t, name) / 1e6; };
  for (const char* size : {"1080p", "4k"}) {
    const double ours = ms(fmt::format("nv12_{}", size));
    const double libyuv = ms(fmt::format("libyuv_nv12_{}", size));
    const double ours601 = ms(fmt::format("nv12_bt601_{}", size));
    r.emplace_back(fmt::format("nv12_ms_{}", size), ours);
    r.emplace_back(fmt::format("nv12_libyuv_ms_{}", size), libyuv);
    r.emplace_back(fmt::format("nv12_vs_libyuv_ratio_{}", size), libyuv / ours);
    r.emplace_back(fmt::format("nv12_bt601_vs_libyuv_ratio_{}", size), libyuv / ours601);
  }
  r.emplace_back("i444_ms_1080p", ms("i444_1080p"));
  r.emplace_back("p010_ms_1080p", ms("p010_1080p"));
  return r;
}

}  // namespace

const Suite& convert_suite() {
  static const Suite suite{"convert", "BGRA → NV12/I444/P010: ours against raw libyuv", register_cases, report};
  return suite;
}

}  // namespace pf::bench
