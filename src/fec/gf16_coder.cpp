// Reed–Solomon over GF(2^16) by additive FFT (Lin, Chung and Han, "Novel
// polynomial basis and its application to Reed–Solomon erasure codes",
// FOCS 2014), over a Cantor basis (see gf16_field.hpp).
//
// Positions are field points ω_p. A block of k data and m parity shards uses
// M = bit_ceil(m) parity positions [0, M) (only the first m are sent; the
// rest count as erased) and data positions [M, M + k). The code is every
// vector c with Σ_p c_p · ω_p^i = 0 for i < M: on the 2^L-point subspace
// that is Reed–Solomon (evaluations of polynomials of degree < 2^L − M), so
// any k of the k + m shards determine the block.
//
// FFT(D, β) evaluates D = Σ d_i X_i, X_i = Π_j s_j^{bit j of i}, at the
// points ω_u + β. Splitting D = D0 + s_j·D1 at the top level j gives the
// butterfly  a ← a + λ·b,  b ← b + a  with λ = s_j(β) = ω_{index(β) >> j},
// then the two halves at β and β + v_j. The IFFT runs the butterflies
// backwards.
//
// Encode: the IFFT of each M-sized data chunk at its coset gives the
// polynomial of degree < M that matches it there; their sum, evaluated on
// [0, M), is the parity (the defining sums over all cosets then cancel).
//
// Decode (erasure set S, |S| ≤ M, error locator E(x) = Π_{e∈S}(x − ω_e)):
// with c = f on the domain, g = f·E is known everywhere (0 on S), so one
// IFFT gives g, the formal derivative (XOR-only in this basis) gives g',
// one FFT evaluates it, and f(ω_e) = g'(ω_e) / E'(ω_e). The logarithms of
// E(ω_p) and E'(ω_p) for all p are one XOR-convolution Σ_e log(ω_p ⊕ ω_e),
// computed with the Walsh–Hadamard transform modulo 65535.
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "fec_internal.hpp"
#include "gf16_field.hpp"
#include "gf16_kernels.hpp"

namespace pf::fec {
namespace {

using gf16::kChunkBytes;
using gf16::kModulus;

struct FreeDeleter {
  void operator()(std::uint8_t* p) const noexcept { std::free(p); }
};

// x ← x + y and x − y, modulo 65535, for values in [0, 65535).
void fwht_mod(std::uint32_t* a, std::size_t n) noexcept {
  for (std::size_t h = 1; h < n; h <<= 1) {
    for (std::size_t i = 0; i < n; i += 2 * h) {
      for (std::size_t j = i; j < i + h; ++j) {
        const std::uint32_t x = a[j];
        const std::uint32_t y = a[j + h];
        const std::uint32_t sum = x + y;
        const std::uint32_t diff = x + kModulus - y;
        a[j] = sum >= kModulus ? sum - kModulus : sum;
        a[j + h] = diff >= kModulus ? diff - kModulus : diff;
      }
    }
  }
}

class Gf16Coder final : public Coder {
 public:
  explicit Gf16Coder(const gf16::Kernels& kernels) : kernels_(kernels) {}

  [[nodiscard]] Scheme scheme() const noexcept override { return Scheme::gf16; }

  void encode_block(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                    std::size_t shard_bytes) override {
    const std::size_t k = data.size();
    const std::size_t m = parity.size();
    const std::size_t big_m = std::bit_ceil(m);
    prepare(2 * big_m, shard_bytes);
    for (std::size_t first = 0, chunk = 0; first < k; first += big_m, ++chunk) {
      const std::size_t count = std::min(big_m, k - first);
      const std::size_t base = chunk == 0 ? 0 : big_m;  // chunk 0 lands in the accumulator
      for (std::size_t i = 0; i < count; ++i) {
        copy_in(slot(base + i), data[first + i]);
      }
      zero_slots(base + count, base + big_m);
      ifft(base, big_m, big_m * (chunk + 1), count);
      if (chunk != 0) {
        xor_into(slot(0), slot(big_m), big_m * stride_);
      }
    }
    fft(0, big_m, 0, m);
    for (std::size_t j = 0; j < m; ++j) {
      copy_out(parity[j], slot(j));
    }
  }

  void reconstruct_block(std::size_t k, std::span<std::uint8_t* const> shards,
                         std::span<const std::uint8_t> present, std::size_t shard_bytes) override {
    const std::size_t m = shards.size() - k;
    const std::size_t big_m = std::bit_ceil(m);
    const std::size_t used = big_m + k;
    const std::size_t n = std::bit_ceil(used);
    const auto position_present = [&](std::size_t p) -> bool {
      if (p < big_m) {
        return p < m && present[k + p] != 0;
      }
      return p < used && present[p - big_m] != 0;
    };
    // log E(ω_p) for p ∉ S, log E'(ω_p) for p ∈ S.
    locator_.assign(n, 0);
    for (std::size_t p = 0; p < used; ++p) {
      locator_[p] = position_present(p) ? 0 : 1;
    }
    error_locator_logs(n);

    prepare(n, shard_bytes);
    gf16::MulTable table;
    for (std::size_t p = 0; p < used; ++p) {
      if (!position_present(p)) {
        zero_slots(p, p + 1);
        continue;
      }
      copy_in(slot(p), p < big_m ? shards[k + p] : shards[p - big_m]);
      gf16::make_table(locator_[p], table);
      kernels_.mul(slot(p), stride_, table);
    }
    zero_slots(used, n);

    ifft(0, n, 0, used);
    formal_derivative(n);
    fft(0, n, 0, used);

    for (std::size_t i = 0; i < k; ++i) {
      if (present[i] != 0) {
        continue;
      }
      const std::size_t p = big_m + i;
      gf16::make_table((kModulus - locator_[p]) % kModulus, table);
      kernels_.mul(slot(p), stride_, table);
      copy_out(shards[i], slot(p));
    }
  }

 private:
  [[nodiscard]] std::uint8_t* slot(std::size_t i) noexcept { return work_.get() + i * stride_; }

  void prepare(std::size_t slots, std::size_t shard_bytes) {
    shard_bytes_ = shard_bytes;
    stride_ = (shard_bytes + kChunkBytes - 1) / kChunkBytes * kChunkBytes;
    const std::size_t need = slots * stride_;
    if (need > capacity_) {
      auto* p = static_cast<std::uint8_t*>(std::aligned_alloc(kChunkBytes, need));
      if (p == nullptr) {
        std::abort();  // out of memory for a bounded, validated block size
      }
      work_.reset(p);
      capacity_ = need;
    }
  }

  void zero_slots(std::size_t from, std::size_t to) noexcept {
    if (to > from) {
      std::memset(slot(from), 0, (to - from) * stride_);
    }
  }

  // A shard whose size is not a multiple of 64 ends in a partial chunk of
  // T bytes: its T/2 symbols keep low bytes first, then high bytes, placed
  // at the chunk's low and high halves; the rest of the chunk is zero, and
  // stays zero in every codeword.
  void copy_in(std::uint8_t* dst, const std::uint8_t* src) noexcept {
    const std::size_t body = shard_bytes_ / kChunkBytes * kChunkBytes;
    std::memcpy(dst, src, body);
    if (body != stride_) {
      const std::size_t half = (shard_bytes_ - body) / 2;
      std::uint8_t* chunk = dst + body;
      std::memset(chunk, 0, kChunkBytes);
      std::memcpy(chunk, src + body, half);
      std::memcpy(chunk + 32, src + body + half, half);
    }
  }

  void copy_out(std::uint8_t* dst, const std::uint8_t* src) noexcept {
    const std::size_t body = shard_bytes_ / kChunkBytes * kChunkBytes;
    std::memcpy(dst, src, body);
    if (body != stride_) {
      const std::size_t half = (shard_bytes_ - body) / 2;
      std::memcpy(dst + body, src + body, half);
      std::memcpy(dst + body + half, src + body + 32, half);
    }
  }

  // Inverse transform of slots [base, base + n) whose values sit at the
  // points ω_{offset + u}; inputs at u ≥ in_end are zero.
  void ifft(std::size_t base, std::size_t n, std::size_t offset, std::size_t in_end) {
    gf16::MulTable table;
    for (std::size_t h = 1; h < n; h <<= 1) {
      const int j = std::countr_zero(h);
      for (std::size_t u0 = 0; u0 < n && u0 < in_end; u0 += 2 * h) {
        butterflies(base + u0, h, (offset | u0) >> j, /*forward=*/false, table);
      }
    }
  }

  // Forward transform; only outputs at u < out_end are needed.
  void fft(std::size_t base, std::size_t n, std::size_t offset, std::size_t out_end) {
    gf16::MulTable table;
    for (std::size_t h = n >> 1; h >= 1; h >>= 1) {
      const int j = std::countr_zero(h);
      for (std::size_t u0 = 0; u0 < n && u0 < out_end; u0 += 2 * h) {
        butterflies(base + u0, h, (offset | u0) >> j, /*forward=*/true, table);
      }
    }
  }

  // The h butterflies of one block, with λ = ω_skew.
  void butterflies(std::size_t first, std::size_t h, std::size_t skew, bool forward,
                   gf16::MulTable& scratch) {
    if (skew == 0) {  // λ = 0: both directions reduce to y ← y + x
      xor_into(slot(first + h), slot(first), h * stride_);
      return;
    }
    const gf16::MulTable* table = &scratch;
    if (skew < kCachedSkews) {
      table = &skew_tables()[skew];
    } else {
      gf16::make_table(gf16::field().log[skew], scratch);
      if (kernels_.butterflies_use_affine) {
        gf16::make_affine(gf16::field().log[skew], scratch);
      }
    }
    const auto kernel = forward ? kernels_.fft : kernels_.ifft;
    for (std::size_t i = first; i < first + h; ++i) {
      kernel(slot(i), slot(i + h), stride_, *table);
    }
  }

  // The twiddle tables of every transform up to kCachedSkews points (1 MiB,
  // built once): rebuilding them per block cost as much as the butterflies.
  static constexpr std::size_t kCachedSkews = 8192;
  static const std::vector<gf16::MulTable>& skew_tables() {
    static const std::vector<gf16::MulTable> tables = [] {
      std::vector<gf16::MulTable> t(kCachedSkews);
      for (std::size_t x = 1; x < kCachedSkews; ++x) {
        gf16::make_table(gf16::field().log[x], t[x]);
        gf16::make_affine(gf16::field().log[x], t[x]);
      }
      return t;
    }();
    return tables;
  }

  // g'_i = Σ_{j : bit j of i clear} g_{i + 2^j}; in place, ascending, since
  // each output reads only larger indices.
  void formal_derivative(std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t bit = 1; (i | bit) < n; bit <<= 1) {
        if ((i & bit) == 0) {
          xor_into(slot(i), slot(i | bit), stride_);
        }
      }
    }
  }

  // locator_ holds the erasure indicator on entry and Σ_{e∈S} log(ω_p ⊕ ω_e)
  // mod 65535 on exit.
  void error_locator_logs(std::size_t n) {
    const int bits = std::countr_zero(n);
    if (walsh_bits_ != bits) {
      // The Walsh transform of log(ω_p), with log(0) taken as 0 so that the
      // e = p term of the convolution vanishes.
      const auto& f = gf16::field();
      log_walsh_.assign(n, 0);
      for (std::size_t p = 1; p < n; ++p) {
        log_walsh_[p] = f.log[p];
      }
      fwht_mod(log_walsh_.data(), n);
      walsh_bits_ = bits;
    }
    fwht_mod(locator_.data(), n);
    for (std::size_t p = 0; p < n; ++p) {
      locator_[p] = static_cast<std::uint32_t>(std::uint64_t{locator_[p]} * log_walsh_[p] % kModulus);
    }
    fwht_mod(locator_.data(), n);
    // Divide by n = 2^bits: 2^16 ≡ 1 (mod 65535), so 1/2^bits ≡ 2^(16 − bits).
    for (std::size_t p = 0; p < n; ++p) {
      locator_[p] = static_cast<std::uint32_t>((std::uint64_t{locator_[p]} << (16 - bits)) % kModulus);
    }
  }

  const gf16::Kernels& kernels_;
  std::unique_ptr<std::uint8_t, FreeDeleter> work_;
  std::size_t capacity_ = 0;
  std::size_t stride_ = 0;
  std::size_t shard_bytes_ = 0;
  std::vector<std::uint32_t> locator_;
  std::vector<std::uint32_t> log_walsh_;
  int walsh_bits_ = -1;
};

}  // namespace

std::unique_ptr<Coder> make_gf16_coder(const gf16::Kernels* kernels) {
  return std::make_unique<Gf16Coder>(kernels != nullptr ? *kernels : gf16::kernels());
}

}  // namespace pf::fec
