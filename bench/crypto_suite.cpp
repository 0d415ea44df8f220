// crypto: AES-128-GCM per 1408-byte packet with a 40-byte header as
// associated data — our Sealer/Opener against a bare EVP loop on the same
// buffers. Each iteration times a batch of ours, then a batch of the bare
// loop, so a machine that speeds up or slows down mid-run moves both.
//   aesgcm_seal_gbps, aesgcm_open_gbps (payload bits per second),
//   aesgcm_evp_seal_gbps, aesgcm_evp_open_gbps,
//   aesgcm_vs_evp_ratio = min(ours ÷ EVP) over seal and open (1 = no overhead),
//   aesgcm_seal_packet_ns.
// And the management API's token check (mgmt::Token::matches) with the right
// token, one wrong in its first character and one wrong in its last, timed in
// alternating batches:
//   token_check_ns, token_first_vs_last_wrong_ratio and
//   token_wrong_vs_right_ratio (1 = no timing difference to exploit).
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/crypto/aead.hpp"
#include "pf/mgmt/token.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kPayload = 1408;
constexpr std::size_t kHeader = 40;
constexpr std::size_t kBatch = 256;

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

struct Evp {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
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

// The nonce our Sealer builds for `sequence` (salt ‖ direction 1 ‖ 7 bytes).
void nonce_for(std::uint64_t sequence, std::uint8_t (&iv)[12]) {
  const std::uint8_t head[5] = {1, 2, 3, 4, 1};
  std::copy(std::begin(head), std::end(head), iv);
  for (int i = 0; i < 7; ++i) {
    iv[11 - i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  }
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void bm_seal(benchmark::State& state) {
  auto sealer = *crypto::Sealer::create(key(), crypto::Direction::host_to_client);
  Evp e(true);
  Buffers b;
  std::uint64_t seq = 0;
  double ours_s = 0;
  double evp_s = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      if (!sealer.seal(seq++, b.header, b.plain, b.sealed)) {
        state.SkipWithError("seal failed");
        return;
      }
    }
    ours_s += seconds_since(t0);
    t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      std::uint8_t iv[12];
      nonce_for(seq++, iv);
      int len = 0;
      EVP_EncryptInit_ex(e.ctx, nullptr, nullptr, nullptr, iv);
      EVP_EncryptUpdate(e.ctx, nullptr, &len, b.header.data(), kHeader);
      EVP_EncryptUpdate(e.ctx, b.sealed.data(), &len, b.plain.data(), kPayload);
      EVP_EncryptFinal_ex(e.ctx, b.sealed.data() + len, &len);
      EVP_CIPHER_CTX_ctrl(e.ctx, EVP_CTRL_GCM_GET_TAG, 16, b.sealed.data() + kPayload);
    }
    evp_s += seconds_since(t0);
    benchmark::ClobberMemory();
  }
  const double packets = static_cast<double>(state.iterations()) * kBatch;
  state.counters["ours_ns"] = ours_s * 1e9 / packets;
  state.counters["evp_ns"] = evp_s * 1e9 / packets;
}

// Opening needs fresh sequence numbers (the replay window refuses repeats):
// each iteration seals two batches untimed, then times opening one with
// ours and one with the bare loop.
void bm_open(benchmark::State& state) {
  auto sealer = *crypto::Sealer::create(key(), crypto::Direction::host_to_client);
  auto opener = *crypto::Opener::create(key(), crypto::Direction::host_to_client);
  Evp e(false);
  Buffers b;
  std::vector<std::vector<std::uint8_t>> batch(2 * kBatch, std::vector<std::uint8_t>(kPayload + 16));
  std::vector<std::uint8_t> out(kPayload);
  std::uint64_t seq = 0;
  double ours_s = 0;
  double evp_s = 0;
  bool good = true;
  for (auto _ : state) {
    const std::uint64_t first = seq;
    for (auto& p : batch) {
      static_cast<void>(sealer.seal(seq++, b.header, b.plain, p));
    }
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      good &= opener.open(first + i, b.header, batch[i], out) == crypto::OpenOutcome::opened;
    }
    ours_s += seconds_since(t0);
    t0 = Clock::now();
    for (std::size_t i = kBatch; i < 2 * kBatch; ++i) {
      std::uint8_t iv[12];
      nonce_for(first + i, iv);
      int len = 0;
      EVP_DecryptInit_ex(e.ctx, nullptr, nullptr, nullptr, iv);
      EVP_DecryptUpdate(e.ctx, nullptr, &len, b.header.data(), kHeader);
      EVP_DecryptUpdate(e.ctx, out.data(), &len, batch[i].data(), kPayload);
      EVP_CIPHER_CTX_ctrl(e.ctx, EVP_CTRL_GCM_SET_TAG, 16, batch[i].data() + kPayload);
      good &= EVP_DecryptFinal_ex(e.ctx, out.data() + len, &len) == 1;
    }
    evp_s += seconds_since(t0);
  }
  if (!good) {
    state.SkipWithError("open failed");
  }
  const double packets = static_cast<double>(state.iterations()) * kBatch;
  state.counters["ours_ns"] = ours_s * 1e9 / packets;
  state.counters["evp_ns"] = evp_s * 1e9 / packets;
}

void bm_token(benchmark::State& state) {
  const std::string secret(64, 'a');
  std::string first = secret;
  first.front() = 'b';
  std::string last = secret;
  last.back() = 'b';
  const mgmt::Token token(secret);
  const std::string* candidates[3] = {&secret, &first, &last};
  double spent[3] = {};
  std::size_t right = 0;
  for (auto _ : state) {
    for (std::size_t c = 0; c < 3; ++c) {
      const auto t0 = Clock::now();
      for (std::size_t i = 0; i < kBatch; ++i) {
        right += token.matches(*candidates[c]) ? 1U : 0U;
      }
      spent[c] += seconds_since(t0);
    }
  }
  if (right != static_cast<std::size_t>(state.iterations()) * kBatch) {
    state.SkipWithError("token check gave a wrong answer");
  }
  const double checks = static_cast<double>(state.iterations()) * kBatch;
  state.counters["right_ns"] = spent[0] * 1e9 / checks;
  state.counters["wrong_first_ns"] = spent[1] * 1e9 / checks;
  state.counters["wrong_last_ns"] = spent[2] * 1e9 / checks;
}

void register_cases() {
  benchmark::RegisterBenchmark("crypto/seal", bm_seal);
  benchmark::RegisterBenchmark("crypto/open", bm_open);
  benchmark::RegisterBenchmark("crypto/token", bm_token);
}

Report report(const Timings& t) {
  Report r;
  const double bits = kPayload * 8.0;
  const double seal = bits / counter(t, "seal.ours_ns");
  const double evp_seal = bits / counter(t, "seal.evp_ns");
  const double open = bits / counter(t, "open.ours_ns");
  const double evp_open = bits / counter(t, "open.evp_ns");
  r.emplace_back("aesgcm_seal_gbps", seal);
  r.emplace_back("aesgcm_open_gbps", open);
  r.emplace_back("aesgcm_evp_seal_gbps", evp_seal);
  r.emplace_back("aesgcm_evp_open_gbps", evp_open);
  r.emplace_back("aesgcm_vs_evp_ratio", std::min(seal / evp_seal, open / evp_open));
  r.emplace_back("aesgcm_seal_packet_ns", counter(t, "seal.ours_ns"));
  const double right = counter(t, "token.right_ns");
  const double first = counter(t, "token.wrong_first_ns");
  const double last = counter(t, "token.wrong_last_ns");
  r.emplace_back("token_check_ns", right);
  r.emplace_back("token_first_vs_last_wrong_ratio", first / last);
  r.emplace_back("token_wrong_vs_right_ratio", (first + last) / 2 / right);
  return r;
}

}  // namespace

const Suite& crypto_suite() {
  static const Suite suite{"crypto", "AES-128-GCM per 1408-byte packet against a bare EVP loop",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
