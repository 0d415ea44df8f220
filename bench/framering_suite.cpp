// framering: how fast a frame gets from the producer to the consumer.
//
// Keys: wake_p50_us, wake_p99_us (publish → consumer woken and holding the
//       frame, 64x64 frames, producer and consumer on two threads),
//       consume_1080p_gbps, memcpy_1080p_gbps, copy_vs_memcpy_ratio_1080p,
//       consume_4k_gbps, memcpy_4k_gbps, copy_vs_memcpy_ratio_4k
//       (ratio = our consumer's throughput ÷ a plain memcpy of the same
//       bytes between the same buffers; 1.0 means no overhead).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/core/clock.hpp"
#include "pf/framering/endpoints.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using namespace pf::framering;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(steady_clock().now().time_since_epoch().count());
}

struct CopyFixture {
  CopyFixture(std::uint32_t w, std::uint32_t h)
      : ring(RingMemory::create({1, 1, w, h, PixelFormat::bgra8, 2}).value()),
        consumer(ring, -1),
        out(std::size_t{ring.pitch_bytes()} * h) {
    std::memset(ring.pixels(0), 0x5a, std::size_t{ring.pitch_bytes()} * h);  // fault the pages in
    std::memset(out.data(), 0, out.size());
  }
  // Makes slot 0 hold a "new" frame without copying into it.
  void fake_publish() {
    ++seq;
    ring.slot(0).seq = seq;
    std::atomic_ref<std::uint64_t>(ring.header().latest)
        .store(FrameToken{1, seq, 0}.pack(), std::memory_order_release);
  }
  std::size_t bytes() const { return std::size_t{ring.pitch_bytes()} * ring.height(); }

  RingMemory ring;
  Consumer consumer;
  std::vector<std::uint8_t> out;
  std::uint32_t seq = 0;
};

void bm_consume(benchmark::State& state, std::uint32_t w, std::uint32_t h) {
  CopyFixture fx(w, h);
  ConsumedFrame got;
  for (auto _ : state) {
    fx.fake_publish();
    if (fx.consumer.try_consume(fx.out, fx.ring.pitch_bytes(), got) != ConsumeOutcome::consumed) {
      state.SkipWithError("consume failed");
      break;
    }
    benchmark::DoNotOptimize(fx.out.data());
  }
}

void bm_memcpy(benchmark::State& state, std::uint32_t w, std::uint32_t h) {
  CopyFixture fx(w, h);
  for (auto _ : state) {
    std::memcpy(fx.out.data(), fx.ring.pixels(0), fx.bytes());
    benchmark::DoNotOptimize(fx.out.data());
    benchmark::ClobberMemory();
  }
}

// One "iteration" = 2,000 publishes 250 µs apart; reports p50/p99 of the
// time from the publish call to the consumer holding the frame.
void bm_wake(benchmark::State& state) {
  constexpr int kSamples = 2000;
  for (auto _ : state) {
    auto ring = RingMemory::create({1, 1, 64, 64, PixelFormat::bgra8, 6}).value();
    auto wake = make_wake_fd().value();
    std::vector<std::uint8_t> src(64 * 64 * 4, 0x11);
    std::vector<std::uint8_t> out(std::size_t{ring.pitch_bytes()} * 64);
    std::vector<double> latencies_us;
    latencies_us.reserve(kSamples);
    std::atomic<bool> done{false};
    std::jthread producer([&] {
      Publisher publisher(ring, wake.get());
      for (int i = 0; i < kSamples; ++i) {
        const std::uint64_t t = now_ns();
        publisher.publish({src.data(), 64 * 4, 64, 64, PixelFormat::bgra8,
                           static_cast<std::uint64_t>(i), t, 0},
                          t);
        std::this_thread::sleep_for(std::chrono::microseconds(250));
      }
      done = true;
    });
    Consumer consumer(ring, wake.get());
    ConsumedFrame got;
    while (!done || latencies_us.size() < kSamples) {
      if (consumer.wait(std::chrono::milliseconds(20)) == WaitOutcome::timed_out && done) {
        break;
      }
      if (consumer.try_consume(out, ring.pitch_bytes(), got) == ConsumeOutcome::consumed) {
        latencies_us.push_back(static_cast<double>(now_ns() - got.capture_ns) / 1000.0);
      }
    }
    producer.join();
    std::sort(latencies_us.begin(), latencies_us.end());
    const auto at = [&](double q) {
      return latencies_us.empty()
                 ? 0.0
                 : latencies_us[std::min(latencies_us.size() - 1,
                                         static_cast<std::size_t>(q * static_cast<double>(latencies_us.size())))];
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
    state.counters["samples"] = static_cast<double>(latencies_us.size());
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("framering/consume_1080p", bm_consume, 1920U, 1080U);
  benchmark::RegisterBenchmark("framering/memcpy_1080p", bm_memcpy, 1920U, 1080U);
  benchmark::RegisterBenchmark("framering/consume_4k", bm_consume, 3840U, 2160U);
  benchmark::RegisterBenchmark("framering/memcpy_4k", bm_memcpy, 3840U, 2160U);
  benchmark::RegisterBenchmark("framering/wake", bm_wake)->Iterations(1);
}

Report report(const Timings& t) {
  const auto gbps = [](double bytes, double ns) { return bytes / ns; };  // bytes/ns = GB/s
  const double b1080 = 1920.0 * 4 * 1080;
  const double b4k = 3840.0 * 4 * 2160;
  const double c1080 = timing_ns(t, "consume_1080p");
  const double m1080 = timing_ns(t, "memcpy_1080p");
  const double c4k = timing_ns(t, "consume_4k");
  const double m4k = timing_ns(t, "memcpy_4k");
  return {
      {"wake_p50_us", counter(t, "wake.p50_us")},
      {"wake_p99_us", counter(t, "wake.p99_us")},
      {"wake_samples_count", counter(t, "wake.samples")},
      {"consume_1080p_gbps", gbps(b1080, c1080)},
      {"memcpy_1080p_gbps", gbps(b1080, m1080)},
      {"copy_vs_memcpy_ratio_1080p", m1080 / c1080},
      {"consume_4k_gbps", gbps(b4k, c4k)},
      {"memcpy_4k_gbps", gbps(b4k, m4k)},
      {"copy_vs_memcpy_ratio_4k", m4k / c4k},
  };
}

}  // namespace

const Suite& framering_suite() {
  static const Suite suite{"framering", "frame ring wake latency and slot copy throughput",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
