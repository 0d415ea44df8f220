// pipeline: the data plane end to end on one core — a 1 MiB frame is
// packetized (1408-byte shards, 25 % FEC), sealed, opened and reassembled.
//   pipeline_1mib_ms        GF(2^16), one block of 745 + 187 shards
//   pipeline_1mib_gf8_ms    GF(2^8), four blocks of ~186 + 47
//   pipeline_1mib_loss10_ms GF(2^16) with 10 % of the datagrams dropped
//                           (seeded), so every frame is rebuilt by FEC
//   pipeline_1mib_gbps      frame bits per second of the first
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "suite.hpp"
#include "transport_fixture.hpp"

namespace pf::bench {
namespace {

using namespace pf::transport;

constexpr std::size_t kFrameBytes = std::size_t{1} << 20;

struct CountingSink final : FrameSink {
  std::size_t frames = 0;
  std::size_t lost = 0;
  void on_frame(const ReceivedFrame&) override { ++frames; }
  void on_lost(std::uint32_t, std::uint32_t count) override { lost += count; }
};

void bm_pipeline(benchmark::State& state, fec::Scheme scheme, unsigned loss_pct) {
  auto [packetizer, receiver] = make_transport_pair(scheme);
  std::vector<std::uint8_t> frame(kFrameBytes);
  std::mt19937_64 rng(1);
  for (auto& b : frame) {
    b = static_cast<std::uint8_t>(rng());
  }
  CountingSink sink;
  TimePoint now{std::chrono::hours(1)};
  std::uint32_t index = 0;
  for (auto _ : state) {
    auto datagrams = packetizer.packetize({.frame_index = index++}, frame, 25);
    if (!datagrams) {
      state.SkipWithError("packetize failed");
      break;
    }
    for (const Bytes& d : *datagrams) {
      if (loss_pct == 0 || rng() % 100 >= loss_pct) {
        receiver.receive(d, now, sink);
      }
    }
    now += std::chrono::milliseconds(16);
  }
  if (sink.frames != index) {
    state.SkipWithError("a frame was not delivered");
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("pipeline/1mib", bm_pipeline, fec::Scheme::gf16, 0U);
  benchmark::RegisterBenchmark("pipeline/1mib_gf8", bm_pipeline, fec::Scheme::gf8, 0U);
  benchmark::RegisterBenchmark("pipeline/1mib_loss10", bm_pipeline, fec::Scheme::gf16, 10U);
}

Report report(const Timings& t) {
  Report r;
  r.emplace_back("pipeline_1mib_ms", timing_ns(t, "1mib") / 1e6);
  r.emplace_back("pipeline_1mib_gf8_ms", timing_ns(t, "1mib_gf8") / 1e6);
  r.emplace_back("pipeline_1mib_loss10_ms", timing_ns(t, "1mib_loss10") / 1e6);
  r.emplace_back("pipeline_1mib_gbps", kFrameBytes * 8.0 / timing_ns(t, "1mib"));
  return r;
}

}  // namespace

const Suite& pipeline_suite() {
  static const Suite suite{"pipeline",
                           "1 MiB frame: packetize + 25 % FEC + seal + open + reassemble, one core",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
