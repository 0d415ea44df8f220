#include "gf16_kernels.hpp"

#include <immintrin.h>

#include <vector>

#include "gf16_field.hpp"

namespace pf::fec::gf16 {

void make_table(std::uint32_t log_lambda, MulTable& table) noexcept {
  const Field& f = field();
  for (std::uint32_t q = 0; q < 4; ++q) {
    // λ·ω_n for the 16 nibble values n << 4q, by doubling: 15 XORs.
    std::array<std::uint16_t, 16> products{};
    for (std::uint32_t b = 0; b < 4; ++b) {
      const std::uint16_t basis = f.exp[add_mod(f.log[1U << (4 * q + b)], log_lambda)];
      const std::uint32_t width = 1U << b;
      for (std::uint32_t n = 0; n < width; ++n) {
        products[width + n] = static_cast<std::uint16_t>(products[n] ^ basis);
      }
    }
    for (std::uint32_t n = 0; n < 16; ++n) {
      table.lo[16 * q + n] = static_cast<std::uint8_t>(products[n]);
      table.hi[16 * q + n] = static_cast<std::uint8_t>(products[n] >> 8);
    }
  }
}

void make_affine(std::uint32_t log_lambda, MulTable& table) noexcept {
  const Field& f = field();
  // rows[i] bit t = bit i of λ·v_t: the 16×16 matrix of the map, row by output bit.
  std::array<std::uint16_t, kBits> rows{};
  for (std::uint32_t t = 0; t < kBits; ++t) {
    const std::uint32_t product = f.exp[add_mod(f.log[1U << t], log_lambda)];
    for (std::uint32_t i = 0; i < kBits; ++i) {
      rows[i] = static_cast<std::uint16_t>(rows[i] | (((product >> i) & 1U) << t));
    }
  }
  // The instruction takes output bit i's row from byte 7 − i of the matrix.
  const auto matrix = [&](std::uint32_t out_base, std::uint32_t in_shift) {
    std::uint64_t m = 0;
    for (std::uint32_t i = 0; i < 8; ++i) {
      m |= std::uint64_t{static_cast<std::uint8_t>(rows[out_base + i] >> in_shift)} << (8 * (7 - i));
    }
    return m;
  };
  table.affine = {matrix(0, 0), matrix(0, 8), matrix(8, 0), matrix(8, 8)};
}

namespace {

// ---- portable ----------------------------------------------------------

inline void mul_symbol(std::uint8_t& lo, std::uint8_t& hi, const MulTable& t) noexcept {
  const unsigned n0 = lo & 15U, n1 = lo >> 4U, n2 = hi & 15U, n3 = hi >> 4U;
  lo = static_cast<std::uint8_t>(t.lo[n0] ^ t.lo[16 + n1] ^ t.lo[32 + n2] ^ t.lo[48 + n3]);
  hi = static_cast<std::uint8_t>(t.hi[n0] ^ t.hi[16 + n1] ^ t.hi[32 + n2] ^ t.hi[48 + n3]);
}

void mul_portable(std::uint8_t* x, std::size_t bytes, const MulTable& t) noexcept {
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    for (std::size_t s = 0; s < 32; ++s) {
      mul_symbol(x[c + s], x[c + 32 + s], t);
    }
  }
}

void fft_portable(std::uint8_t* x, std::uint8_t* y, std::size_t bytes, const MulTable& t) noexcept {
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    for (std::size_t s = 0; s < 32; ++s) {
      std::uint8_t lo = y[c + s];
      std::uint8_t hi = y[c + 32 + s];
      mul_symbol(lo, hi, t);
      x[c + s] ^= lo;
      x[c + 32 + s] ^= hi;
      y[c + s] ^= x[c + s];
      y[c + 32 + s] ^= x[c + 32 + s];
    }
  }
}

void ifft_portable(std::uint8_t* x, std::uint8_t* y, std::size_t bytes, const MulTable& t) noexcept {
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    for (std::size_t s = 0; s < 32; ++s) {
      y[c + s] ^= x[c + s];
      y[c + 32 + s] ^= x[c + 32 + s];
      std::uint8_t lo = y[c + s];
      std::uint8_t hi = y[c + 32 + s];
      mul_symbol(lo, hi, t);
      x[c + s] ^= lo;
      x[c + 32 + s] ^= hi;
    }
  }
}

// ---- AVX2: eight byte shuffles per 32 symbols --------------------------

struct Avx2Table {
  __m256i lo[4];
  __m256i hi[4];
};

[[gnu::target("avx2")]] inline Avx2Table load_table(const MulTable& t) noexcept {
  Avx2Table v;
  for (int q = 0; q < 4; ++q) {
    v.lo[q] = _mm256_broadcastsi128_si256(
        _mm_load_si128(reinterpret_cast<const __m128i*>(t.lo.data() + 16 * q)));
    v.hi[q] = _mm256_broadcastsi128_si256(
        _mm_load_si128(reinterpret_cast<const __m128i*>(t.hi.data() + 16 * q)));
  }
  return v;
}

[[gnu::target("avx2")]] inline void mul_avx2_regs(__m256i& lo, __m256i& hi, const Avx2Table& t) noexcept {
  const __m256i mask = _mm256_set1_epi8(0x0F);
  const __m256i n0 = _mm256_and_si256(lo, mask);
  const __m256i n1 = _mm256_and_si256(_mm256_srli_epi16(lo, 4), mask);
  const __m256i n2 = _mm256_and_si256(hi, mask);
  const __m256i n3 = _mm256_and_si256(_mm256_srli_epi16(hi, 4), mask);
  __m256i rlo = _mm256_xor_si256(_mm256_shuffle_epi8(t.lo[0], n0), _mm256_shuffle_epi8(t.lo[1], n1));
  __m256i rhi = _mm256_xor_si256(_mm256_shuffle_epi8(t.hi[0], n0), _mm256_shuffle_epi8(t.hi[1], n1));
  rlo = _mm256_xor_si256(rlo, _mm256_xor_si256(_mm256_shuffle_epi8(t.lo[2], n2),
                                               _mm256_shuffle_epi8(t.lo[3], n3)));
  rhi = _mm256_xor_si256(rhi, _mm256_xor_si256(_mm256_shuffle_epi8(t.hi[2], n2),
                                               _mm256_shuffle_epi8(t.hi[3], n3)));
  lo = rlo;
  hi = rhi;
}

[[gnu::target("avx2")]] inline __m256i load(const std::uint8_t* p) noexcept {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
[[gnu::target("avx2")]] inline void store(std::uint8_t* p, __m256i v) noexcept {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

[[gnu::target("avx2")]] void mul_avx2(std::uint8_t* x, std::size_t bytes, const MulTable& t) noexcept {
  const Avx2Table v = load_table(t);
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    __m256i lo = load(x + c);
    __m256i hi = load(x + c + 32);
    mul_avx2_regs(lo, hi, v);
    store(x + c, lo);
    store(x + c + 32, hi);
  }
}

[[gnu::target("avx2")]] void fft_avx2(std::uint8_t* x, std::uint8_t* y, std::size_t bytes,
                                      const MulTable& t) noexcept {
  const Avx2Table v = load_table(t);
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    const __m256i ylo = load(y + c);
    const __m256i yhi = load(y + c + 32);
    __m256i plo = ylo;
    __m256i phi = yhi;
    mul_avx2_regs(plo, phi, v);
    const __m256i xlo = _mm256_xor_si256(load(x + c), plo);
    const __m256i xhi = _mm256_xor_si256(load(x + c + 32), phi);
    store(x + c, xlo);
    store(x + c + 32, xhi);
    store(y + c, _mm256_xor_si256(ylo, xlo));
    store(y + c + 32, _mm256_xor_si256(yhi, xhi));
  }
}

[[gnu::target("avx2")]] void ifft_avx2(std::uint8_t* x, std::uint8_t* y, std::size_t bytes,
                                       const MulTable& t) noexcept {
  const Avx2Table v = load_table(t);
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    const __m256i xlo = load(x + c);
    const __m256i xhi = load(x + c + 32);
    const __m256i ylo = _mm256_xor_si256(load(y + c), xlo);
    const __m256i yhi = _mm256_xor_si256(load(y + c + 32), xhi);
    store(y + c, ylo);
    store(y + c + 32, yhi);
    __m256i plo = ylo;
    __m256i phi = yhi;
    mul_avx2_regs(plo, phi, v);
    store(x + c, _mm256_xor_si256(xlo, plo));
    store(x + c + 32, _mm256_xor_si256(xhi, phi));
  }
}

// ---- GFNI: four affine transforms per 32 symbols -------------------------
// The butterfly loops repeat the AVX2 ones on purpose: these are compiled
// for GFNI, those must run without it, and GCC does not inline a multiply
// of one target into a loop of another (a shared loop would pay a call per
// 64 bytes).

struct GfniMatrices {
  __m256i ll, lh, hl, hh;
};

[[gnu::target("gfni,avx2")]] inline GfniMatrices load_affine(const MulTable& t) noexcept {
  return {_mm256_set1_epi64x(static_cast<long long>(t.affine[0])),
          _mm256_set1_epi64x(static_cast<long long>(t.affine[1])),
          _mm256_set1_epi64x(static_cast<long long>(t.affine[2])),
          _mm256_set1_epi64x(static_cast<long long>(t.affine[3]))};
}

[[gnu::target("gfni,avx2")]] inline void mul_gfni_regs(__m256i& lo, __m256i& hi, const GfniMatrices& m) noexcept {
  const __m256i rlo = _mm256_xor_si256(_mm256_gf2p8affine_epi64_epi8(lo, m.ll, 0),
                                       _mm256_gf2p8affine_epi64_epi8(hi, m.lh, 0));
  const __m256i rhi = _mm256_xor_si256(_mm256_gf2p8affine_epi64_epi8(lo, m.hl, 0),
                                       _mm256_gf2p8affine_epi64_epi8(hi, m.hh, 0));
  lo = rlo;
  hi = rhi;
}

[[gnu::target("gfni,avx2")]] void fft_gfni(std::uint8_t* x, std::uint8_t* y, std::size_t bytes,
                                           const MulTable& t) noexcept {
  const GfniMatrices m = load_affine(t);
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    const __m256i ylo = load(y + c);
    const __m256i yhi = load(y + c + 32);
    __m256i plo = ylo;
    __m256i phi = yhi;
    mul_gfni_regs(plo, phi, m);
    const __m256i xlo = _mm256_xor_si256(load(x + c), plo);
    const __m256i xhi = _mm256_xor_si256(load(x + c + 32), phi);
    store(x + c, xlo);
    store(x + c + 32, xhi);
    store(y + c, _mm256_xor_si256(ylo, xlo));
    store(y + c + 32, _mm256_xor_si256(yhi, xhi));
  }
}

[[gnu::target("gfni,avx2")]] void ifft_gfni(std::uint8_t* x, std::uint8_t* y, std::size_t bytes,
                                            const MulTable& t) noexcept {
  const GfniMatrices m = load_affine(t);
  for (std::size_t c = 0; c < bytes; c += kChunkBytes) {
    const __m256i xlo = load(x + c);
    const __m256i xhi = load(x + c + 32);
    const __m256i ylo = _mm256_xor_si256(load(y + c), xlo);
    const __m256i yhi = _mm256_xor_si256(load(y + c + 32), xhi);
    store(y + c, ylo);
    store(y + c + 32, yhi);
    __m256i plo = ylo;
    __m256i phi = yhi;
    mul_gfni_regs(plo, phi, m);
    store(x + c, _mm256_xor_si256(xlo, plo));
    store(x + c + 32, _mm256_xor_si256(xhi, phi));
  }
}

constexpr Kernels kPortable{"portable", mul_portable, fft_portable, ifft_portable, false};
constexpr Kernels kAvx2{"avx2", mul_avx2, fft_avx2, ifft_avx2, false};
// Multiplying one shard (decode's per-shard scaling) keeps the byte
// shuffles: their tables are cheaper to build than the matrices.
constexpr Kernels kGfni{"gfni", mul_avx2, fft_gfni, ifft_gfni, true};

}  // namespace

const Kernels& portable_kernels() noexcept { return kPortable; }

std::span<const Kernels* const> runnable_kernels() noexcept {
  static const std::vector<const Kernels*> all = [] {
    std::vector<const Kernels*> v = {&kPortable};
    if (__builtin_cpu_supports("avx2")) {
      v.push_back(&kAvx2);
      if (__builtin_cpu_supports("gfni")) {
        v.push_back(&kGfni);
      }
    }
    return v;
  }();
  return all;
}

const Kernels& kernels() noexcept {
  static const Kernels& chosen = *runnable_kernels().back();
  return chosen;
}

}  // namespace pf::fec::gf16
