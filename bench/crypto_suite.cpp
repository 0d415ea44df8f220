// crypto: AES-128-GCM per 1408-byte packet with a 40-byte header as
// associated data — our Sealer/Opener against a bare EVP loop on the same
// buffers, side by side.
//   aesgcm_seal_gbps, aesgcm_open_gbps (payload bits per second),
//   aesgcm_evp_seal_gbps, aesgcm_evp_open_gbps,
//   aesgcm_vs_evp_ratio = min(ours ÷ EVP) over seal and open (1 = no overhead),
//   aesgcm_seal_packet_ns.
#include <openssl/evp.h>

#include <chrono>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/crypto/aead.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kPayload = 1408;
constexpr std::size_t kHeader = 40;
constexpr std::size_t kBatch = 1024;

crypto::SessionKey key() {
  crypto::SessionKey k;
  k.key.fill(0x5A);
  k.salt = {1, 2, 3, 4};
  return k;
}

struct Buffers {
  std::vector<std::uint8_t> header = std::vector<std::uint8_t>(kHeader, 3);
  std::vector<std::uint8_t> plain = std::vector<std::uint8_t>(kPayload, 7);
  std::vector<std::uint8_t> sealed = std::vector<std::uint8_t>(kPayload + crypto::kTagBytes);
};

void bm_seal(benchmark::State& state) {
  auto sealer = *crypto::Sealer::create(key(), crypto::Direction::host_to_client);
  Buffers b;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    if (!sealer.seal(seq++, b.header, b.plain, b.sealed)) {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::ClobberMemory();
  }
}

struct Evp {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::uint8_t iv[12] = {1, 2, 3, 4, 1};
  explicit Evp(bool encrypt) {
    if (encrypt) {
      EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key().key.data(), nullptr);
    } else {
      EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key().key.data(), nullptr);
    }
  }
  ~Evp() { EVP_CIPHER_CTX_free(ctx); }
  Evp(const Evp&) = delete;
  Evp& operator=(const Evp&) = delete;
};

void bm_evp_seal(benchmark::State& state) {
  Evp e(true);
  Buffers b;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    ++seq;
    for (int i = 0; i < 7; ++i) {
      e.iv[11 - i] = static_cast<std::uint8_t>(seq >> (8 * i));
    }
    int len = 0;
    EVP_EncryptInit_ex(e.ctx, nullptr, nullptr, nullptr, e.iv);
    EVP_EncryptUpdate(e.ctx, nullptr, &len, b.header.data(), kHeader);
    EVP_EncryptUpdate(e.ctx, b.sealed.data(), &len, b.plain.data(), kPayload);
    EVP_EncryptFinal_ex(e.ctx, b.sealed.data() + len, &len);
    EVP_CIPHER_CTX_ctrl(e.ctx, EVP_CTRL_GCM_GET_TAG, 16, b.sealed.data() + kPayload);
    benchmark::ClobberMemory();
  }
}

// Opening needs fresh sequence numbers (the replay window refuses repeats):
// each iteration seals a batch untimed, then times opening it.
void bm_open(benchmark::State& state, bool ours) {
  auto sealer = *crypto::Sealer::create(key(), crypto::Direction::host_to_client);
  auto opener = *crypto::Opener::create(key(), crypto::Direction::host_to_client);
  Evp e(false);
  Buffers b;
  std::vector<std::vector<std::uint8_t>> batch(kBatch, std::vector<std::uint8_t>(kPayload + 16));
  std::vector<std::uint8_t> out(kPayload);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const std::uint64_t first = seq;
    for (auto& p : batch) {
      static_cast<void>(sealer.seal(seq++, b.header, b.plain, p));
    }
    const auto t0 = Clock::now();
    bool good = true;
    for (std::size_t i = 0; i < kBatch; ++i) {
      if (ours) {
        good &= opener.open(first + i, b.header, batch[i], out) == crypto::OpenOutcome::opened;
      } else {
        std::uint8_t iv[12] = {1, 2, 3, 4, 1};
        for (int s = 0; s < 7; ++s) {
          iv[11 - s] = static_cast<std::uint8_t>((first + i) >> (8 * s));
        }
        int len = 0;
        EVP_DecryptInit_ex(e.ctx, nullptr, nullptr, nullptr, iv);
        EVP_DecryptUpdate(e.ctx, nullptr, &len, b.header.data(), kHeader);
        EVP_DecryptUpdate(e.ctx, out.data(), &len, batch[i].data(), kPayload);
        EVP_CIPHER_CTX_ctrl(e.ctx, EVP_CTRL_GCM_SET_TAG, 16, batch[i].data() + kPayload);
        good &= EVP_DecryptFinal_ex(e.ctx, out.data() + len, &len) == 1;
      }
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    if (!good) {
      state.SkipWithError("open failed");
      break;
    }
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("crypto/seal", bm_seal);
  benchmark::RegisterBenchmark("crypto/evp_seal", bm_evp_seal);
  benchmark::RegisterBenchmark("crypto/open", bm_open, true)->UseManualTime();
  benchmark::RegisterBenchmark("crypto/evp_open", bm_open, false)->UseManualTime();
}

Report report(const Timings& t) {
  Report r;
  const double bits = kPayload * 8.0;
  const double seal = bits / timing_ns(t, "seal");
  const double evp_seal = bits / timing_ns(t, "evp_seal");
  const double open = bits * kBatch / timing_ns(t, "open");
  const double evp_open = bits * kBatch / timing_ns(t, "evp_open");
  r.emplace_back("aesgcm_seal_gbps", seal);
  r.emplace_back("aesgcm_open_gbps", open);
  r.emplace_back("aesgcm_evp_seal_gbps", evp_seal);
  r.emplace_back("aesgcm_evp_open_gbps", evp_open);
  r.emplace_back("aesgcm_vs_evp_ratio", std::min(seal / evp_seal, open / evp_open));
  r.emplace_back("aesgcm_seal_packet_ns", timing_ns(t, "seal"));
  return r;
}

}  // namespace

const Suite& crypto_suite() {
  static const Suite suite{"crypto", "AES-128-GCM per 1408-byte packet against a bare EVP loop",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
