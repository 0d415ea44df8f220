// core: the cost of the checked primitives every hot path uses, against
// the hand-written code they replace.
//
// Keys: span_write_header_ns, raw_write_header_ns, span_write_vs_raw_ratio,
//       span_read_header_ns, raw_read_header_ns, span_read_vs_raw_ratio,
//       ratelimit_admit_ns, log_disabled_call_ns, summary_add_ns
#include <array>
#include <cstdint>
#include <cstring>

#include <benchmark/benchmark.h>

#include "pf/core/log.hpp"
#include "pf/core/rate_limit.hpp"
#include "pf/core/span_io.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

// A representative 40-byte datagram header.
struct Header {
  std::uint8_t version;
  std::uint8_t flags;
  std::uint16_t stream;
  std::uint32_t frame;
  std::uint16_t block;
  std::uint16_t shard;
  std::uint16_t data_shards;
  std::uint16_t parity_shards;
  std::uint64_t sequence;
  std::uint64_t capture_ns;
  std::uint32_t payload_bytes;
  std::uint32_t reserved;
};
constexpr std::size_t kHeaderBytes = 40;

Header sample(std::uint64_t i) {
  return Header{1, 2, 3, static_cast<std::uint32_t>(i), 4, static_cast<std::uint16_t>(i), 100, 20,
                i, i * 1000, 1368, 0};
}

void write_checked(Header h, MutableBytes out) {
  SpanWriter w(out);
  w.u8(h.version);
  w.u8(h.flags);
  w.u16be(h.stream);
  w.u32be(h.frame);
  w.u16be(h.block);
  w.u16be(h.shard);
  w.u16be(h.data_shards);
  w.u16be(h.parity_shards);
  w.u64be(h.sequence);
  w.u64be(h.capture_ns);
  w.u32be(h.payload_bytes);
  w.u32be(h.reserved);
  benchmark::DoNotOptimize(w.ok());
}

template <typename T>
void put_raw(std::uint8_t* p, T v) {
  const T be = detail::to_native<T, std::endian::big>(v);
  std::memcpy(p, &be, sizeof(T));
}

template <typename T>
T get_raw(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return detail::to_native<T, std::endian::big>(v);
}

// The reference: fixed offsets, one size check up front.
void write_raw(Header h, MutableBytes out) {
  if (out.size() < kHeaderBytes) {
    return;
  }
  std::uint8_t* p = out.data();
  p[0] = h.version;
  p[1] = h.flags;
  put_raw(p + 2, h.stream);
  put_raw(p + 4, h.frame);
  put_raw(p + 8, h.block);
  put_raw(p + 10, h.shard);
  put_raw(p + 12, h.data_shards);
  put_raw(p + 14, h.parity_shards);
  put_raw(p + 16, h.sequence);
  put_raw(p + 24, h.capture_ns);
  put_raw(p + 32, h.payload_bytes);
  put_raw(p + 36, h.reserved);
}

Header read_checked(Bytes in) {
  SpanReader r(in);
  Header h{};
  h.version = r.u8();
  h.flags = r.u8();
  h.stream = r.u16be();
  h.frame = r.u32be();
  h.block = r.u16be();
  h.shard = r.u16be();
  h.data_shards = r.u16be();
  h.parity_shards = r.u16be();
  h.sequence = r.u64be();
  h.capture_ns = r.u64be();
  h.payload_bytes = r.u32be();
  h.reserved = r.u32be();
  benchmark::DoNotOptimize(r.ok());
  return h;
}

Header read_raw(Bytes in) {
  Header h{};
  if (in.size() < kHeaderBytes) {
    return h;
  }
  const std::uint8_t* p = in.data();
  h.version = p[0];
  h.flags = p[1];
  h.stream = get_raw<std::uint16_t>(p + 2);
  h.frame = get_raw<std::uint32_t>(p + 4);
  h.block = get_raw<std::uint16_t>(p + 8);
  h.shard = get_raw<std::uint16_t>(p + 10);
  h.data_shards = get_raw<std::uint16_t>(p + 12);
  h.parity_shards = get_raw<std::uint16_t>(p + 14);
  h.sequence = get_raw<std::uint64_t>(p + 16);
  h.capture_ns = get_raw<std::uint64_t>(p + 24);
  h.payload_bytes = get_raw<std::uint32_t>(p + 32);
  h.reserved = get_raw<std::uint32_t>(p + 36);
  return h;
}

template <void (*Write)(Header, MutableBytes)>
void bm_write(benchmark::State& state) {
  std::array<std::uint8_t, 64> buf{};
  std::uint64_t i = 0;
  for (auto _ : state) {
    Write(sample(i++), buf);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
}

template <Header (*Read)(Bytes)>
void bm_read(benchmark::State& state) {
  std::array<std::uint8_t, 64> buf{};
  write_raw(sample(7), buf);
  std::uint64_t sum = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(buf.data());
    const Header h = Read(Bytes(buf).first(kHeaderBytes));
    sum += h.sequence + h.frame + h.shard + h.payload_bytes;
  }
  benchmark::DoNotOptimize(sum);
}

void bm_ratelimit_admit(benchmark::State& state) {
  RateLimiter limiter(std::chrono::seconds(1));
  const TimePoint now = steady_clock().now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.admit(now));
  }
}

void bm_log_disabled(benchmark::State& state) {
  const log::Logger logger{"bench"};
  log::configure(log::Spec{});  // info: debug calls are disabled
  std::uint64_t i = 0;
  for (auto _ : state) {
    logger.debug("frame {} took {} us", i++, 42);
  }
}

void bm_summary_add(benchmark::State& state) {
  SummaryWindow window(std::chrono::seconds(5));
  const TimePoint now = steady_clock().now();
  double v = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(window.add(v, now));
    v += 0.5;
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("core/span_write_header", bm_write<write_checked>);
  benchmark::RegisterBenchmark("core/raw_write_header", bm_write<write_raw>);
  benchmark::RegisterBenchmark("core/span_read_header", bm_read<read_checked>);
  benchmark::RegisterBenchmark("core/raw_read_header", bm_read<read_raw>);
  benchmark::RegisterBenchmark("core/ratelimit_admit", bm_ratelimit_admit);
  benchmark::RegisterBenchmark("core/log_disabled_call", bm_log_disabled);
  benchmark::RegisterBenchmark("core/summary_add", bm_summary_add);
}

Report report(const Timings& t) {
  const double sw = timing_ns(t, "span_write_header");
  const double rw = timing_ns(t, "raw_write_header");
  const double sr = timing_ns(t, "span_read_header");
  const double rr = timing_ns(t, "raw_read_header");
  return {
      {"span_write_header_ns", sw},
      {"raw_write_header_ns", rw},
      {"span_write_vs_raw_ratio", sw / rw},
      {"span_read_header_ns", sr},
      {"raw_read_header_ns", rr},
      {"span_read_vs_raw_ratio", sr / rr},
      {"ratelimit_admit_ns", timing_ns(t, "ratelimit_admit")},
      {"log_disabled_call_ns", timing_ns(t, "log_disabled_call")},
      {"summary_add_ns", timing_ns(t, "summary_add")},
  };
}

}  // namespace

const Suite& core_suite() {
  static const Suite suite{"core", "checked span I/O, rate limiter and logging costs",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
