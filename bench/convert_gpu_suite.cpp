// convert_gpu: the CUDA conversion kernels on the GPU, timed with device
// events (manual time: one Google Benchmark iteration = a batch of
// kIterations back-to-back conversions; the report divides),
// against a device-to-device copy of the same source measured side by side.
// Conversion is bandwidth-bound, so the figures are bytes moved per second:
// what the kernel reads (the BGRA frame) plus what it writes (the YUV frame).
//
// Keys: cuda_<fmt>_us_<size> (device time per conversion),
//       cuda_nv12_gbps_4k (bytes moved ÷ time), cuda_peak_gbps (the device's
//       memory clock × bus width), cuda_nv12_peak_fraction_4k (the two
//       divided), cuda_copy_gbps_4k and cuda_nv12_vs_copy_ratio_4k (ours ÷
//       the copy's bandwidth: the copy is the practical ceiling).
// Without a usable GPU every case is skipped and the report is
// cuda_available_count = 0.
#include <optional>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "pf/convert/cuda.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using namespace pf::convert;

constexpr int kIterations = 200;  // conversions per timed batch

struct Shape {
  const char* name;
  std::uint32_t width;
  std::uint32_t height;
};
constexpr Shape k1080p{"1080p", 1920, 1080};
constexpr Shape k4k{"4k", 3840, 2160};

const CudaConverter* converter() {
  static const std::optional<CudaConverter> c = [] {
    auto opened = CudaConverter::open();
    if (!opened) {
      fmt::print(stderr, "punktfunk-bench: {}\n", opened.error().message);
      return std::optional<CudaConverter>();
    }
    return std::optional<CudaConverter>(std::move(*opened));
  }();
  return c ? &*c : nullptr;
}

void bm_convert(benchmark::State& state, Shape shape, YuvFormat format, ColorSpec spec, PixelLayout layout) {
  const CudaConverter* c = converter();
  if (c == nullptr) {
    state.SkipWithError("CUDA conversion unavailable");
    return;
  }
  auto src = c->allocate_source(layout, shape.width, shape.height);
  auto dst = c->allocate_yuv(format, shape.width, shape.height);
  if (!src || !dst) {
    state.SkipWithError("GPU allocation failed");
    return;
  }
  std::vector<std::uint8_t> pixels(std::size_t{shape.width} * shape.height * 4);
  std::mt19937 rng(3);
  for (auto& b : pixels) {
    b = static_cast<std::uint8_t>(rng());
  }
  if (!c->upload({pixels.data(), shape.width * 4, shape.width, shape.height, layout}, *src)) {
    state.SkipWithError("upload failed");
    return;
  }
  for (auto _ : state) {
    auto ms = c->time_convert(*src, *dst, spec, kIterations);
    if (!ms) {
      state.SkipWithError(ms.error().message.c_str());
      return;
    }
    state.SetIterationTime(*ms * kIterations / 1e3);
  }
  state.counters["peak_gbps"] = c->peak_bandwidth_gbps();
}

void bm_copy(benchmark::State& state, Shape shape) {
  const CudaConverter* c = converter();
  if (c == nullptr) {
    state.SkipWithError("CUDA conversion unavailable");
    return;
  }
  auto a = c->allocate_source(PixelLayout::bgra8, shape.width, shape.height);
  auto b = c->allocate_source(PixelLayout::bgra8, shape.width, shape.height);
  if (!a || !b) {
    state.SkipWithError("GPU allocation failed");
    return;
  }
  for (auto _ : state) {
    auto ms = c->time_copy(*b, *a, std::size_t{shape.width} * shape.height * 4, kIterations);
    if (!ms) {
      state.SkipWithError(ms.error().message.c_str());
      return;
    }
    state.SetIterationTime(*ms * kIterations / 1e3);
  }
}

void register_cases() {
  const ColorSpec bt709{};
  const ColorSpec hdr{Matrix::bt2020, Range::limited};
  for (const Shape& s : {k1080p, k4k}) {
    benchmark::RegisterBenchmark(fmt::format("convert_gpu/nv12_{}", s.name).c_str(), bm_convert, s, YuvFormat::nv12,
                                 bt709, PixelLayout::bgra8)
        ->UseManualTime();
    benchmark::RegisterBenchmark(fmt::format("convert_gpu/i444_{}", s.name).c_str(), bm_convert, s, YuvFormat::i444,
                                 bt709, PixelLayout::bgra8)
        ->UseManualTime();
    benchmark::RegisterBenchmark(fmt::format("convert_gpu/p010_{}", s.name).c_str(), bm_convert, s, YuvFormat::p010,
                                 hdr, PixelLayout::x2rgb10)
        ->UseManualTime();
  }
  benchmark::RegisterBenchmark("convert_gpu/copy_4k", bm_copy, k4k)->UseManualTime();
}

Report report(const Timings& t) {
  if (t.ns.count("nv12_4k") == 0) {
    return {{"cuda_available_count", 0}};
  }
  Report r;
  r.emplace_back("cuda_available_count", 1);
  const auto per = [&t](const std::string& name) { return timing_ns(t, name) / kIterations; };  // ns
  const auto us = [&per](const std::string& name) { return per(name) / 1e3; };
  for (const Shape& s : {k1080p, k4k}) {
    for (const char* f : {"nv12", "i444", "p010"}) {
      r.emplace_back(fmt::format("cuda_{}_us_{}", f, s.name), us(fmt::format("{}_{}", f, s.name)));
    }
  }
  const double pixels = double{k4k.width} * k4k.height;
  const double nv12_bytes = pixels * 4 + pixels * 1.5;  // read BGRA, write NV12
  const double nv12_gbps = nv12_bytes / per("nv12_4k");
  const double copy_gbps = 2 * pixels * 4 / per("copy_4k");  // read and write the frame
  const double peak = counter(t, "nv12_4k.peak_gbps");
  r.emplace_back("cuda_nv12_gbps_4k", nv12_gbps);
  r.emplace_back("cuda_peak_gbps", peak);
  r.emplace_back("cuda_nv12_peak_fraction_4k", nv12_gbps / peak);
  r.emplace_back("cuda_copy_gbps_4k", copy_gbps);
  r.emplace_back("cuda_nv12_vs_copy_ratio_4k", nv12_gbps / copy_gbps);
  r.emplace_back("cuda_p010_gbps_4k", (pixels * 4 + pixels * 3) / per("p010_4k"));
  r.emplace_back("cuda_i444_gbps_4k", (pixels * 4 + pixels * 3) / per("i444_4k"));
  return r;
}

}  // namespace

const Suite& convert_gpu_suite() {
  static const Suite suite{"convert_gpu", "CUDA BGRA → NV12/I444/P010 kernels against a device copy", register_cases,
                           report};
  return suite;
}

}  // namespace pf::bench
