// encode: our x264 backend against libx264 called directly, on the same
// frames in the same run (the synthetic desktop, converted to NV12 first).
//
// Keys: x264_p50_ms_1080p, x264_p99_ms_1080p, x264_raw_p50_ms_1080p,
//       x264_overhead_ratio_1080p (ours p50 ÷ raw p50), and the same for
//       _720p. ultrafast + zerolatency, 2 threads, 20 Mb/s (1080p) and
//       10 Mb/s (720p), one-frame VBV, a 16-frame DPB (which ours keeps for
//       reference invalidation; it alone costs about 7 % at 720p), 300
//       frames after 30 of warm-up.
#include <stdint.h>  // NOLINT(modernize-deprecated-headers): x264.h needs it first

#include <x264.h>

#include <algorithm>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/convert/convert.hpp"
#include "pf/core/clock.hpp"
#include "pf/encode/encoder.hpp"
#include "pf/synth/synthetic.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

constexpr int kWarmup = 30;
constexpr int kFrames = 300;
constexpr int kDistinct = 16;

std::vector<convert::YuvFrame> frames(std::uint32_t w, std::uint32_t h) {
  std::vector<convert::YuvFrame> out;
  std::vector<std::uint8_t> bgra(std::size_t{w} * h * 4);
  for (int i = 0; i < kDistinct; ++i) {
    synth::render_bgra(bgra.data(), w * 4, w, h, synth::Stamp{static_cast<std::uint64_t>(i) * 5, 0});
    out.push_back(convert::YuvFrame::allocate(convert::YuvFormat::nv12, w, h).value());
    static_cast<void>(convert::convert({bgra.data(), w * 4, w, h, convert::PixelLayout::bgra8}, out.back().view()));
  }
  return out;
}

double ms_since(TimePoint t0) {
  return std::chrono::duration<double, std::milli>(steady_clock().now() - t0).count();
}

// args: width, height, bitrate in kb/s
void bm_ours(benchmark::State& state) {
  const auto w = static_cast<std::uint32_t>(state.range(0));
  const auto h = static_cast<std::uint32_t>(state.range(1));
  const auto input = frames(w, h);
  for (auto _ : state) {
    encode::EncoderConfig c;
    c.width = w;
    c.height = h;
    c.bitrate_kbps = static_cast<std::uint32_t>(state.range(2));
    c.threads = 2;
    auto enc = encode::make_x264_encoder(c);
    if (!enc) {
      state.SkipWithError(enc.error().message.c_str());
      return;
    }
    std::vector<double> ms;
    for (int i = 0; i < kWarmup + kFrames; ++i) {
      const TimePoint t0 = steady_clock().now();
      const auto au = (*enc)->submit(input[static_cast<std::size_t>(i % kDistinct)].view(), i);
      const double took = ms_since(t0);
      benchmark::DoNotOptimize(au);
      if (i >= kWarmup) {
        ms.push_back(took);
      }
    }
    state.counters["p50_ms"] = percentile(ms, 0.50);
    state.counters["p99_ms"] = percentile(ms, 0.99);
  }
}

// libx264 directly with the same settings.
void bm_raw(benchmark::State& state) {
  const auto w = static_cast<std::uint32_t>(state.range(0));
  const auto h = static_cast<std::uint32_t>(state.range(1));
  const auto kbps = static_cast<int>(state.range(2));
  const auto input = frames(w, h);
  for (auto _ : state) {
    x264_param_t p;
    x264_param_default_preset(&p, "ultrafast", "zerolatency");
    p.i_csp = X264_CSP_NV12;
    p.i_width = static_cast<int>(w);
    p.i_height = static_cast<int>(h);
    p.i_fps_num = 60;
    p.i_fps_den = 1;
    p.i_threads = 2;
    p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
    p.b_repeat_headers = 1;
    p.b_annexb = 1;
    p.rc.i_rc_method = X264_RC_ABR;
    p.rc.i_bitrate = kbps;
    p.rc.i_vbv_max_bitrate = kbps;
    p.rc.i_vbv_buffer_size = kbps / 60;
    p.i_dpb_size = 16;  // as ours: the ratio is the wrapper's cost, not the settings'
    p.i_log_level = X264_LOG_WARNING;
    x264_param_apply_profile(&p, "high");
    x264_t* x = x264_encoder_open(&p);
    std::vector<double> ms;
    x264_picture_t pic;
    x264_picture_t out;
    x264_nal_t* nals = nullptr;
    int count = 0;
    for (int i = 0; i < kWarmup + kFrames; ++i) {
      const auto& f = input[static_cast<std::size_t>(i % kDistinct)].view();
      x264_picture_init(&pic);
      pic.img.i_csp = X264_CSP_NV12;
      pic.img.i_plane = 2;
      for (int k = 0; k < 2; ++k) {
        pic.img.plane[k] = f.planes[static_cast<std::size_t>(k)].data;
        pic.img.i_stride[k] = static_cast<int>(f.planes[static_cast<std::size_t>(k)].stride_bytes);
      }
      pic.i_pts = i;
      const TimePoint t0 = steady_clock().now();
      const int bytes = x264_encoder_encode(x, &nals, &count, &pic, &out);
      const double took = ms_since(t0);
      benchmark::DoNotOptimize(bytes);
      if (i >= kWarmup) {
        ms.push_back(took);
      }
    }
    x264_encoder_close(x);
    state.counters["p50_ms"] = percentile(ms, 0.50);
    state.counters["p99_ms"] = percentile(ms, 0.99);
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("encode/x264_1080p", bm_ours)->Args({1920, 1080, 20'000})->Iterations(1);
  benchmark::RegisterBenchmark("encode/raw_1080p", bm_raw)->Args({1920, 1080, 20'000})->Iterations(1);
  benchmark::RegisterBenchmark("encode/x264_720p", bm_ours)->Args({1280, 720, 10'000})->Iterations(1);
  benchmark::RegisterBenchmark("encode/raw_720p", bm_raw)->Args({1280, 720, 10'000})->Iterations(1);
}

Report report(const Timings& t) {
  Report r;
  for (const char* size : {"1080p", "720p"}) {
    const double ours = counter(t, fmt::format("x264_{}.p50_ms", size));
    const double raw = counter(t, fmt::format("raw_{}.p50_ms", size));
    r.emplace_back(fmt::format("x264_p50_ms_{}", size), ours);
    r.emplace_back(fmt::format("x264_p99_ms_{}", size), counter(t, fmt::format("x264_{}.p99_ms", size)));
    r.emplace_back(fmt::format("x264_raw_p50_ms_{}", size), raw);
    r.emplace_back(fmt::format("x264_overhead_ratio_{}", size), raw > 0 ? ours / raw : 0);
  }
  return r;
}

}  // namespace

const Suite& encode_suite() {
  static const Suite suite{"encode", "x264 per-frame latency: our backend against libx264 called directly",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
