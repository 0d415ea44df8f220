// Erasure coding: Moonlight compatibility of gf8 (known answers produced by
// the client's own decoder), exact recovery within the parity budget and
// clean refusal beyond it for both schemes, the GF(2^16) field and kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fec_internal.hpp"
#include "gf16_field.hpp"
#include "gf16_kernels.hpp"
#include "pf/fec/gf8_field.hpp"
#include "gf8_gfni.hpp"
#include "pf/fec/coder.hpp"
#include "pf/fec/parity.hpp"

namespace pf::fec {
namespace {

using Shard = std::vector<std::uint8_t>;

std::vector<Shard> random_shards(std::size_t count, std::size_t bytes, std::mt19937_64& rng) {
  std::vector<Shard> shards(count, Shard(bytes));
  for (auto& s : shards) {
    for (auto& b : s) {
      b = static_cast<std::uint8_t>(rng());
    }
  }
  return shards;
}

std::vector<const std::uint8_t*> views(const std::vector<Shard>& shards) {
  std::vector<const std::uint8_t*> out;
  for (const auto& s : shards) {
    out.push_back(s.data());
  }
  return out;
}

std::vector<std::uint8_t*> views(std::vector<Shard>& shards) {
  std::vector<std::uint8_t*> out;
  for (auto& s : shards) {
    out.push_back(s.data());
  }
  return out;
}

std::unique_ptr<Coder> coder_for(Scheme scheme) {
  auto coder = make_coder(scheme);
  EXPECT_TRUE(coder.has_value());
  return std::move(*coder);
}

std::vector<Shard> encode(Coder& coder, const std::vector<Shard>& data, std::size_t m) {
  std::vector<Shard> parity(m, Shard(data.front().size()));
  const auto in = views(data);
  const auto out = views(parity);
  const Status st = coder.encode(in, out, data.front().size());
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().message);
  return parity;
}

// Loses `lost` random shards of an encoded block and reconstructs. Within the
// budget the data must come back byte-exact; beyond it the call must fail
// and leave every buffer as it was.
void lose_and_recover(Scheme scheme, std::size_t k, std::size_t m, std::size_t bytes,
                      std::size_t lost, std::mt19937_64& rng) {
  SCOPED_TRACE(::testing::Message() << to_string(scheme) << " k=" << k << " m=" << m
                                    << " bytes=" << bytes << " lost=" << lost);
  auto coder = coder_for(scheme);
  const auto data = random_shards(k, bytes, rng);
  const auto parity = encode(*coder, data, m);

  std::vector<Shard> block = data;
  block.insert(block.end(), parity.begin(), parity.end());
  std::vector<std::uint8_t> present(k + m, 1);
  std::vector<std::size_t> order(k + m);
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i = 0; i < lost; ++i) {
    present[order[i]] = 0;
    std::fill(block[order[i]].begin(), block[order[i]].end(), std::uint8_t{0xEE});
  }
  const auto before = block;
  const auto ptrs = views(block);
  const Status st = coder->reconstruct(k, ptrs, present, bytes);
  if (lost <= m) {
    ASSERT_TRUE(st.has_value()) << st.error().message;
    for (std::size_t i = 0; i < k; ++i) {
      ASSERT_EQ(block[i], data[i]) << "data shard " << i;
    }
  } else {
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::limit_reached);
    EXPECT_EQ(block, before) << "a failed reconstruct must not write";
  }
}

// ---- gf8: Moonlight compatibility --------------------------------------

struct KatCase {
  std::size_t k = 0, m = 0, bytes = 0;
  std::vector<Shard> data, parity;
};

Shard from_hex(const std::string& hex) {
  Shard out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::vector<KatCase> load_kat() {
  std::ifstream in(PF_TEST_DATA_DIR "/fec/data/gf8_moonlight_kat.txt");
  EXPECT_TRUE(in.good());
  std::vector<KatCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string tag;
    words >> tag;
    if (tag == "case") {
      auto& c = cases.emplace_back();
      words >> c.k >> c.m >> c.bytes;
    } else if (tag == "d" || tag == "p") {
      std::string hex;
      words >> hex;
      (tag == "d" ? cases.back().data : cases.back().parity).push_back(from_hex(hex));
    }
  }
  return cases;
}

// Both multiply-accumulate kernels where the CPU runs them.
std::vector<Gf8Kernel> gf8_kernels() {
  std::vector<Gf8Kernel> kernels = {Gf8Kernel::isal};
  if (gf8::gfni_supported()) {
    kernels.push_back(Gf8Kernel::gfni);
  }
  return kernels;
}

TEST(Gf8, MatchesTheMoonlightDecodersKnownAnswers) {
  const auto cases = load_kat();
  ASSERT_EQ(cases.size(), 12U);
  for (const Gf8Kernel kernel : gf8_kernels()) {
    auto coder = make_gf8_coder(kernel);
    for (const auto& c : cases) {
      SCOPED_TRACE(::testing::Message() << "kernel " << static_cast<int>(kernel) << " k=" << c.k << " m=" << c.m);
      ASSERT_EQ(c.data.size(), c.k);
      ASSERT_EQ(c.parity.size(), c.m);
      EXPECT_EQ(encode(*coder, c.data, c.m), c.parity);
    }
  }
}

TEST(Gf8, BothKernelsEncodeAndRebuildAlike) {
  if (!gf8::gfni_supported()) {
    GTEST_SKIP() << "this CPU has no GFNI: only the ISA-L kernel runs here";
  }
  std::mt19937_64 rng(31);
  auto isal = make_gf8_coder(Gf8Kernel::isal);
  auto gfni = make_gf8_coder(Gf8Kernel::gfni);
  for (const auto& [k, m, bytes] : {std::tuple{100U, 20U, 1408U}, {17U, 9U, 1388U}, {3U, 2U, 31U}, {200U, 55U, 65U}}) {
    const auto data = random_shards(k, bytes, rng);
    const auto parity = encode(*isal, data, m);
    EXPECT_EQ(encode(*gfni, data, m), parity);
    std::vector<Shard> block = data;
    block.insert(block.end(), parity.begin(), parity.end());
    std::vector<std::uint8_t> present(k + m, 1);
    for (unsigned i = 0; i < m; ++i) {
      present[(i * 7) % k] = 0;
    }
    for (std::size_t i = 0; i < k; ++i) {
      if (present[i] == 0) {
        block[i].assign(bytes, 0);
      }
    }
    const auto ptrs = views(block);
    ASSERT_TRUE(gfni->reconstruct(k, ptrs, present, bytes).has_value());
    for (std::size_t i = 0; i < k; ++i) {
      ASSERT_EQ(block[i], data[i]) << "k=" << k << " shard " << i;
    }
  }
}

TEST(Gf8, MatchesTheDefiningFormulaOnLongShards) {
  // The SIMD paths engage on long shards; compare with the matrix definition.
  std::mt19937_64 rng(7);
  auto coder = coder_for(Scheme::gf8);
  for (const auto& [k, m, bytes] : {std::tuple{100U, 20U, 1408U}, {7U, 3U, 1000U}, {200U, 55U, 333U}}) {
    const auto data = random_shards(k, bytes, rng);
    const auto parity = encode(*coder, data, m);
    for (unsigned j = 0; j < m; ++j) {
      for (std::size_t b = 0; b < bytes; ++b) {
        std::uint8_t expect = 0;
        for (unsigned i = 0; i < k; ++i) {
          expect ^= gf8::mul(gf8::cauchy(m, i, j), data[i][b]);
        }
        ASSERT_EQ(parity[j][b], expect) << "parity " << j << " byte " << b;
      }
    }
  }
}

TEST(Gf8, RecoversAnyLossWithinTheParityBudget) {
  std::mt19937_64 rng(11);
  for (const auto& [k, m, bytes] : {std::tuple{1U, 2U, 64U}, {4U, 2U, 17U}, {100U, 20U, 1408U},
                                   {128U, 127U, 32U}, {235U, 20U, 100U}, {10U, 10U, 1388U}}) {
    for (int round = 0; round < 6; ++round) {
      const auto lost = static_cast<std::size_t>(rng() % (m + 1));
      lose_and_recover(Scheme::gf8, k, m, bytes, lost, rng);
    }
    lose_and_recover(Scheme::gf8, k, m, bytes, m, rng);
    lose_and_recover(Scheme::gf8, k, m, bytes, m + 1, rng);
  }
}

// ---- gf16 ---------------------------------------------------------------

TEST(Gf16Field, TheBasisIsACantorBasis) {
  // v_0 = 1 and v_j^2 + v_j = v_{j-1}, in the coordinates the coder uses.
  EXPECT_EQ(gf16::field().basis[0], 1);
  for (std::uint16_t j = 1; j < 16; ++j) {
    const auto v = static_cast<std::uint16_t>(1U << j);
    EXPECT_EQ(gf16::mul(v, v) ^ v, 1U << (j - 1)) << j;
  }
}

TEST(Gf16Field, SubspacePolynomialsAreShifts) {
  // s_j(x) = Π_{a ∈ span(v_0..v_{j-1})} (x + a) evaluated by definition equals ω_{x >> j}:
  // the identity the FFT's twiddle factors rely on.
  std::mt19937_64 rng(5);
  for (unsigned j = 0; j <= 5; ++j) {
    for (int t = 0; t < 50; ++t) {
      const auto x = static_cast<std::uint16_t>(rng());
      std::uint16_t s = 1;
      for (std::uint32_t a = 0; a < (1U << j); ++a) {
        s = gf16::mul(s, static_cast<std::uint16_t>(x ^ a));
      }
      EXPECT_EQ(s, x >> j) << "j=" << j << " x=" << x;
    }
  }
}

TEST(Gf16Field, MultiplicationIsAField) {
  std::mt19937_64 rng(9);
  for (int t = 0; t < 20000; ++t) {
    const auto a = static_cast<std::uint16_t>(rng());
    const auto b = static_cast<std::uint16_t>(rng());
    const auto c = static_cast<std::uint16_t>(rng());
    ASSERT_EQ(gf16::mul(a, b), gf16::mul(b, a));
    ASSERT_EQ(gf16::mul(gf16::mul(a, b), c), gf16::mul(a, gf16::mul(b, c)));
    ASSERT_EQ(gf16::mul(a, b ^ c), gf16::mul(a, b) ^ gf16::mul(a, c));
    if (a != 0) {
      const auto inverse = gf16::field().exp[(gf16::kModulus - gf16::field().log[a]) % gf16::kModulus];
      ASSERT_EQ(gf16::mul(a, inverse), 1);
    }
  }
}

TEST(Gf16Kernels, EveryKernelMatchesThePortableOne) {
  std::mt19937_64 rng(13);
  const auto& slow = gf16::portable_kernels();
  for (const gf16::Kernels* fast : gf16::runnable_kernels()) {
    SCOPED_TRACE(fast->name);
    for (int t = 0; t < 50; ++t) {
      gf16::MulTable table;
      const auto log_lambda = static_cast<std::uint32_t>(rng() % gf16::kModulus);
      gf16::make_table(log_lambda, table);
      gf16::make_affine(log_lambda, table);
      auto x = random_shards(1, 1408, rng)[0];
      auto y = random_shards(1, 1408, rng)[0];
      auto x2 = x, y2 = y;
      fast->fft(x.data(), y.data(), x.size(), table);
      slow.fft(x2.data(), y2.data(), x2.size(), table);
      ASSERT_EQ(x, x2);
      ASSERT_EQ(y, y2);
      fast->ifft(x.data(), y.data(), x.size(), table);
      slow.ifft(x2.data(), y2.data(), x2.size(), table);
      ASSERT_EQ(x, x2);
      ASSERT_EQ(y, y2);
      fast->mul(x.data(), x.size(), table);
      slow.mul(x2.data(), x2.size(), table);
      ASSERT_EQ(x, x2);
      // and the tables multiply by λ
      const std::uint16_t symbol = static_cast<std::uint16_t>(y[0] | (y[32] << 8));
      fast->mul(y.data(), 64, table);
      EXPECT_EQ(static_cast<std::uint16_t>(y[0] | (y[32] << 8)), gf16::mul_log(symbol, log_lambda));
    }
  }
}

TEST(Gf16Kernels, EveryKernelCodesTheSameBlocks) {
  std::mt19937_64 rng(37);
  for (const auto& [k, m] : {std::pair{848U, 170U}, {9U, 3U}, {300U, 40U}}) {
    const auto data = random_shards(k, 1408, rng);
    std::vector<Shard> reference;
    for (const gf16::Kernels* kernels : gf16::runnable_kernels()) {
      SCOPED_TRACE(::testing::Message() << kernels->name << " k=" << k << " m=" << m);
      auto coder = make_gf16_coder(kernels);
      const auto parity = encode(*coder, data, m);
      if (reference.empty()) {
        reference = parity;
      }
      ASSERT_EQ(parity, reference);
      std::vector<Shard> block = data;
      block.insert(block.end(), parity.begin(), parity.end());
      std::vector<std::uint8_t> present(k + m, 1);
      for (unsigned i = 0; i < m; ++i) {
        present[(i * 5 + 1) % k] = 0;
      }
      for (std::size_t i = 0; i < k; ++i) {
        if (present[i] == 0) {
          block[i].assign(1408, 0);
        }
      }
      const auto ptrs = views(block);
      ASSERT_TRUE(coder->reconstruct(k, ptrs, present, 1408).has_value());
      for (std::size_t i = 0; i < k; ++i) {
        ASSERT_EQ(block[i], data[i]) << "shard " << i;
      }
    }
  }
}

TEST(Gf16, IsSystematicAndLinear) {
  std::mt19937_64 rng(17);
  auto coder = coder_for(Scheme::gf16);
  const auto a = random_shards(10, 128, rng);
  const auto b = random_shards(10, 128, rng);
  std::vector<Shard> sum = a;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < 128; ++j) {
      sum[i][j] = static_cast<std::uint8_t>(a[i][j] ^ b[i][j]);
    }
  }
  const auto pa = encode(*coder, a, 4);
  const auto pb = encode(*coder, b, 4);
  const auto ps = encode(*coder, sum, 4);
  for (std::size_t j = 0; j < 4; ++j) {
    for (std::size_t x = 0; x < 128; ++x) {
      ASSERT_EQ(ps[j][x], pa[j][x] ^ pb[j][x]);
    }
  }
  EXPECT_NE(pa[0], pa[1]);
}

TEST(Gf16, RecoversAnyLossWithinTheParityBudget) {
  std::mt19937_64 rng(19);
  for (const auto& [k, m, bytes] :
       {std::tuple{1U, 1U, 64U}, {1U, 2U, 2U}, {3U, 1U, 64U}, {5U, 3U, 66U}, {64U, 64U, 128U},
        {100U, 20U, 1408U}, {200U, 57U, 1388U}, {300U, 300U, 64U}, {848U, 170U, 128U}}) {
    for (int round = 0; round < 4; ++round) {
      const auto lost = static_cast<std::size_t>(rng() % (m + 1));
      lose_and_recover(Scheme::gf16, k, m, bytes, lost, rng);
    }
    lose_and_recover(Scheme::gf16, k, m, bytes, m, rng);
    lose_and_recover(Scheme::gf16, k, m, bytes, m + 1, rng);
  }
}

// MDS: every pattern of at most m erasures of small blocks recovers.
void every_erasure_pattern(Scheme scheme, unsigned k, unsigned m, std::mt19937_64& rng) {
  auto coder = coder_for(scheme);
  const unsigned n = k + m;
  const auto data = random_shards(k, 64, rng);
  const auto parity = encode(*coder, data, m);
  for (unsigned mask = 0; mask < (1U << n); ++mask) {
    if (static_cast<unsigned>(std::popcount(mask)) > m) {
      continue;
    }
    std::vector<Shard> block = data;
    block.insert(block.end(), parity.begin(), parity.end());
    std::vector<std::uint8_t> present(n);
    for (unsigned i = 0; i < n; ++i) {
      present[i] = ((mask >> i) & 1U) != 0 ? 0 : 1;
      if (present[i] == 0) {
        block[i].assign(64, 0);
      }
    }
    const auto ptrs = views(block);
    ASSERT_TRUE(coder->reconstruct(k, ptrs, present, 64).has_value());
    for (unsigned i = 0; i < k; ++i) {
      ASSERT_EQ(block[i], data[i]) << to_string(scheme) << " k=" << k << " m=" << m << " mask " << mask;
    }
  }
}

TEST(Gf8, EveryErasurePatternOfSmallBlocks) {
  std::mt19937_64 rng(3);
  for (const auto& [k, m] : {std::pair{4U, 3U}, {5U, 4U}, {3U, 5U}}) {
    every_erasure_pattern(Scheme::gf8, k, m, rng);
  }
}

TEST(Gf16, EveryErasurePatternOfSmallBlocks) {
  std::mt19937_64 rng(23);
  for (const auto& [k, m] : {std::pair{4U, 3U}, {5U, 4U}, {3U, 5U}}) {
    every_erasure_pattern(Scheme::gf16, k, m, rng);
  }
}

TEST(Gf16, LargeBlocksBeyondGf8) {
  std::mt19937_64 rng(29);
  lose_and_recover(Scheme::gf16, 4096, 410, 64, 410, rng);
  lose_and_recover(Scheme::gf16, 4096, 410, 64, 411, rng);
}

// ---- shapes and policy --------------------------------------------------

TEST(Shapes, OutOfRangeBlocksAreRejected) {
  EXPECT_TRUE(check_shape(Scheme::gf8, 235, 20, 1408).has_value());
  EXPECT_FALSE(check_shape(Scheme::gf8, 236, 20, 1408).has_value());
  EXPECT_FALSE(check_shape(Scheme::gf8, 0, 2, 1408).has_value());
  EXPECT_FALSE(check_shape(Scheme::gf8, 10, 0, 1408).has_value());
  EXPECT_FALSE(check_shape(Scheme::gf8, 10, 2, 0).has_value());
  EXPECT_TRUE(check_shape(Scheme::gf16, 4096, 4096, 1388).has_value());
  EXPECT_FALSE(check_shape(Scheme::gf16, 4096, 4096, 1387).has_value()) << "odd shard";
  EXPECT_FALSE(check_shape(Scheme::gf16, 32768, 32769, 64).has_value());
  EXPECT_TRUE(check_shape(Scheme::gf16, 32768, 32768, 64).has_value()) << "the whole field";
  EXPECT_TRUE(check_shape(Scheme::none, 100, 0, 1).has_value());
  EXPECT_FALSE(check_shape(static_cast<Scheme>(7), 1, 1, 1).has_value());
  EXPECT_FALSE(make_coder(Scheme::none).has_value());
}

TEST(Parity, CountFollowsTheGameStreamFormulaWithAFloorOfTwo) {
  EXPECT_EQ(parity_shards(100, 20), 20U);
  EXPECT_EQ(parity_shards(101, 20), 21U);  // ceil
  EXPECT_EQ(parity_shards(1, 10), 2U);     // floor of two
  EXPECT_EQ(parity_shards(10, 10), 2U);
  EXPECT_EQ(parity_shards(100, 0), 2U);    // pct clamped to 1..50
  EXPECT_EQ(parity_shards(100, 90), 50U);
}

TEST(Parity, BlocksFitTheScheme) {
  for (std::uint32_t pct = 1; pct <= 50; ++pct) {
    const auto k = max_data_per_block(Scheme::gf8, pct, 1000);
    EXPECT_LE(k + parity_shards(k, pct), 255U) << pct;
    EXPECT_GT(k + 1 + parity_shards(k + 1, pct), 255U) << pct;
  }
  EXPECT_EQ(max_data_per_block(Scheme::gf8, 20, 100), 100U);
  EXPECT_EQ(max_data_per_block(Scheme::gf16, 25, 4096), 4096U);
  EXPECT_EQ(max_data_per_block(Scheme::none, 25, 300), 300U);
}

TEST(Parity, AdaptsToReportedLoss) {
  AdaptiveParity adaptive;
  EXPECT_EQ(adaptive.pct(), 10U);
  adaptive.on_loss_report(0);
  EXPECT_EQ(adaptive.pct(), 1U);
  adaptive.on_loss_report(50'000);  // 5 % → ceil(7) + 1
  EXPECT_EQ(adaptive.pct(), 8U);
  adaptive.on_loss_report(12'345);  // 1.2345 % → ceil(1.7283) + 1
  EXPECT_EQ(adaptive.pct(), 3U);
  adaptive.on_loss_report(1'000'000);
  EXPECT_EQ(adaptive.pct(), 50U);
  AdaptiveParity pinned(25);
  pinned.on_loss_report(500'000);
  EXPECT_EQ(pinned.pct(), 25U);
  EXPECT_TRUE(pinned.pinned());
  EXPECT_EQ(pinned.pct_for(30), 25U);
}

TEST(Parity, BlockFailureIsTheBinomialTail) {
  EXPECT_EQ(block_failure_probability(10, 2, 0.0), 0.0);
  // One data + one parity shard at 50 %: fails only when both are lost.
  EXPECT_NEAR(block_failure_probability(1, 1, 0.5), 0.25, 1e-12);
  // 3 shards, 1 parity, p = 0.1: 1 − 0.9³ − 3·0.1·0.9² = 0.028.
  EXPECT_NEAR(block_failure_probability(2, 1, 0.1), 0.028, 1e-12);
  // Large blocks stay finite (log-space terms).
  const double big = block_failure_probability(8000, 800, 0.05);
  EXPECT_GE(big, 0.0);
  EXPECT_LT(big, 1e-6);
}

TEST(Parity, SmallBlocksGetEnoughParityForTheReportedLoss) {
  AdaptiveParity adaptive;
  adaptive.on_loss_report(50'000);  // 5 %
  EXPECT_EQ(adaptive.pct(), 8U);
  // 30 data shards at 8 % get 3 parity shards and fail 8 % of the time;
  // pct_for() raises it until a block fails at most 0.1 % of the time.
  const std::uint32_t pct = adaptive.pct_for(30);
  const std::uint32_t m = parity_shards(30, pct);
  EXPECT_LE(block_failure_probability(30, m, 0.05), AdaptiveParity::kTargetBlockFailure);
  EXPECT_GT(block_failure_probability(30, m - 1, 0.05), AdaptiveParity::kTargetBlockFailure);
  EXPECT_GT(pct, adaptive.pct());
  // Large blocks keep the plain percentage.
  EXPECT_EQ(adaptive.pct_for(4000), adaptive.pct());
  // Loss falls by half per report, not at once.
  adaptive.on_loss_report(0);
  EXPECT_EQ(adaptive.pct(), 1U);
  EXPECT_LT(adaptive.pct_for(30), pct);
  EXPECT_GT(adaptive.pct_for(30), 1U);
}

}  // namespace
}  // namespace pf::fec
