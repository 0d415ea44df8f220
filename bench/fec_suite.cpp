// fec: erasure coding against ISA-L, measured side by side on the same data.
//
// GF(2^8), k = 100 data + 20 parity shards of 1408 bytes (a 1080p keyframe):
//   gf8_encode_gbps / gf8_encode_isal_gbps — data bits in per second, ours
//     and ISA-L's ec_encode_data with the same (Moonlight) matrix, tables
//     prepared outside the loop, timed in turn in each iteration;
//     gf8_encode_vs_isal_ratio = ours ÷ ISA-L (throughput).
//   gf8_decode20_p50_us — rebuilding 20 lost data shards, per call;
//     gf8_decode20_isal_p50_us — ISA-L's own decode path (invert the k×k
//     matrix of surviving rows, build tables, multiply), per call;
//     gf8_decode_vs_isal_speedup = ISA-L time ÷ ours.
// GF(2^16), k = 848 + 170 shards of 1408 bytes (the GameStream ceiling of
// one frame at 20 %): gf16_encode_848_170_ms, gf16_decode_848_170_ms
// (170 data shards lost), and the 100 + 20 block for scale.
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/fec/coder.hpp"
#include "isal_reference.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kShard = 1408;

struct Block {
  Block(std::size_t data_shards, std::size_t parity_shards)
      : k(data_shards), m(parity_shards), bytes((k + m) * kShard) {
    std::mt19937_64 rng(42);
    for (auto& b : bytes) {
      b = static_cast<std::uint8_t>(rng());
    }
    for (std::size_t i = 0; i < k + m; ++i) {
      ptrs.push_back(bytes.data() + i * kShard);
    }
  }
  std::span<const std::uint8_t* const> data() const {
    return {const_cast<const std::uint8_t* const*>(ptrs.data()), k};
  }
  std::span<std::uint8_t* const> parity() const { return {ptrs.data() + k, m}; }
  std::size_t k, m;
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t*> ptrs;
};

std::unique_ptr<fec::Coder> coder(fec::Scheme scheme) { return std::move(*fec::make_coder(scheme)); }

void bm_encode(benchmark::State& state, fec::Scheme scheme, std::size_t k, std::size_t m) {
  Block block(k, m);
  auto c = coder(scheme);
  for (auto _ : state) {
    if (!c->encode(block.data(), block.parity(), kShard)) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::ClobberMemory();
  }
}

// Ours and ISA-L's ec_encode_data (same matrix, tables prepared outside the
// loop) in turn within each iteration, so drift in the machine's speed
// moves both.
void bm_gf8_encode_pair(benchmark::State& state, std::size_t k, std::size_t m) {
  Block block(k, m);
  auto c = coder(fec::Scheme::gf8);
  auto rows = cauchy_rows(k, m);
  std::vector<unsigned char> tables(32 * k * m);
  ec_init_tables(static_cast<int>(k), static_cast<int>(m), rows.data(), tables.data());
  double ours_ns = 0;
  double isal_ns = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (!c->encode(block.data(), block.parity(), kShard)) {
      state.SkipWithError("encode failed");
      return;
    }
    benchmark::ClobberMemory();
    auto t1 = Clock::now();
    ec_encode_data(static_cast<int>(kShard), static_cast<int>(k), static_cast<int>(m), tables.data(),
                   block.ptrs.data(), block.ptrs.data() + k);
    benchmark::ClobberMemory();
    auto t2 = Clock::now();
    ours_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    isal_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["ours_ns"] = ours_ns / n;
  state.counters["isal_ns"] = isal_ns / n;
}

std::vector<std::size_t> lost_data(std::size_t k, std::size_t lost) {
  std::vector<std::size_t> all(k);
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), std::mt19937_64(9));
  all.resize(lost);
  std::sort(all.begin(), all.end());
  return all;
}

void bm_decode(benchmark::State& state, fec::Scheme scheme, std::size_t k, std::size_t m, std::size_t lost) {
  Block block(k, m);
  auto c = coder(scheme);
  static_cast<void>(c->encode(block.data(), block.parity(), kShard));
  std::vector<std::uint8_t> present(k + m, 1);
  for (std::size_t i : lost_data(k, lost)) {
    present[i] = 0;
  }
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    if (!c->reconstruct(k, block.ptrs, present, kShard)) {
      state.SkipWithError("reconstruct failed");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    benchmark::ClobberMemory();
  }
  state.counters["p50_us"] = percentile(us, 0.5);
}

// ISA-L's decode as its examples do it, per frame: the k×k matrix of the
// first k surviving rows of [I; P], inverted, its lost rows turned into
// tables, and one multiply.
void bm_isal_decode(benchmark::State& state, std::size_t k, std::size_t m, std::size_t lost) {
  Block block(k, m);
  const auto rows = cauchy_rows(k, m);
  std::vector<unsigned char> full((k + m) * k, 0);
  for (std::size_t i = 0; i < k; ++i) {
    full[i * k + i] = 1;
  }
  std::copy(rows.begin(), rows.end(), full.begin() + static_cast<std::ptrdiff_t>(k * k));
  const auto gone = lost_data(k, lost);
  std::vector<std::size_t> survivors;
  for (std::size_t r = 0; r < k + m && survivors.size() < k; ++r) {
    if (!std::binary_search(gone.begin(), gone.end(), r)) {
      survivors.push_back(r);
    }
  }
  std::vector<unsigned char> b(k * k), inverse(k * k), decode(k * lost), tables(32 * k * lost);
  std::vector<unsigned char*> sources, outputs;
  for (std::size_t r : survivors) {
    sources.push_back(block.ptrs[r]);
  }
  for (std::size_t r : gone) {
    outputs.push_back(block.ptrs[r]);
  }
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < k; ++i) {
      std::copy_n(full.begin() + static_cast<std::ptrdiff_t>(survivors[i] * k), k,
                  b.begin() + static_cast<std::ptrdiff_t>(i * k));
    }
    if (gf_invert_matrix(b.data(), inverse.data(), static_cast<int>(k)) != 0) {
      state.SkipWithError("singular");
      break;
    }
    for (std::size_t e = 0; e < lost; ++e) {
      std::copy_n(inverse.begin() + static_cast<std::ptrdiff_t>(gone[e] * k), k,
                  decode.begin() + static_cast<std::ptrdiff_t>(e * k));
    }
    ec_init_tables(static_cast<int>(k), static_cast<int>(lost), decode.data(), tables.data());
    ec_encode_data(static_cast<int>(kShard), static_cast<int>(k), static_cast<int>(lost), tables.data(),
                   sources.data(), outputs.data());
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    benchmark::ClobberMemory();
  }
  state.counters["p50_us"] = percentile(us, 0.5);
}

void register_cases() {
  benchmark::RegisterBenchmark("fec/gf8_encode", bm_gf8_encode_pair, 100, 20);
  benchmark::RegisterBenchmark("fec/gf8_decode20", bm_decode, fec::Scheme::gf8, 100, 20, 20);
  benchmark::RegisterBenchmark("fec/gf8_decode20_isal", bm_isal_decode, 100, 20, 20);
  benchmark::RegisterBenchmark("fec/gf16_encode_100_20", bm_encode, fec::Scheme::gf16, 100, 20);
  benchmark::RegisterBenchmark("fec/gf16_decode_100_20", bm_decode, fec::Scheme::gf16, 100, 20, 20);
  benchmark::RegisterBenchmark("fec/gf16_encode_848_170", bm_encode, fec::Scheme::gf16, 848, 170);
  benchmark::RegisterBenchmark("fec/gf16_decode_848_170", bm_decode, fec::Scheme::gf16, 848, 170, 170);
}

Report report(const Timings& t) {
  Report r;
  const double data_bits = 100.0 * kShard * 8;
  const double ours = data_bits / counter(t, "gf8_encode.ours_ns");
  const double isal = data_bits / counter(t, "gf8_encode.isal_ns");
  r.emplace_back("gf8_encode_gbps", ours);
  r.emplace_back("gf8_encode_isal_gbps", isal);
  r.emplace_back("gf8_encode_vs_isal_ratio", ours / isal);
  const double dec = counter(t, "gf8_decode20.p50_us");
  const double dec_isal = counter(t, "gf8_decode20_isal.p50_us");
  r.emplace_back("gf8_decode20_p50_us", dec);
  r.emplace_back("gf8_decode20_isal_p50_us", dec_isal);
  r.emplace_back("gf8_decode_vs_isal_speedup", dec_isal / dec);
  r.emplace_back("gf16_encode_100_20_us", timing_ns(t, "gf16_encode_100_20") / 1e3);
  r.emplace_back("gf16_decode_100_20_us", counter(t, "gf16_decode_100_20.p50_us"));
  r.emplace_back("gf16_encode_848_170_ms", timing_ns(t, "gf16_encode_848_170") / 1e6);
  r.emplace_back("gf16_decode_848_170_ms", counter(t, "gf16_decode_848_170.p50_us") / 1e3);
  return r;
}

}  // namespace

const Suite& fec_suite() {
  static const Suite suite{"fec", "Reed–Solomon GF(2^8) against ISA-L, and GF(2^16) at large blocks",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
