#include "gf8_gfni.hpp"

#include <immintrin.h>

#include <array>

#include "pf/fec/gf8_field.hpp"

namespace pf::fec::gf8 {
namespace {

// Row i of the matrix (byte 7 − i of the qword) selects the input bits j
// whose image c·2^j has bit i set.
std::uint64_t matrix_of(std::uint8_t c) noexcept {
  std::uint64_t m = 0;
  for (unsigned i = 0; i < 8; ++i) {
    std::uint64_t row = 0;
    for (unsigned j = 0; j < 8; ++j) {
      if ((static_cast<unsigned>(mul(c, static_cast<std::uint8_t>(1U << j))) >> i) & 1U) {
        row |= 1U << j;
      }
    }
    m |= row << (8 * (7 - i));
  }
  return m;
}

struct Matrices {
  std::array<std::uint64_t, 256> of{};
  Matrices() {
    for (unsigned c = 0; c < 256; ++c) {
      of[c] = matrix_of(static_cast<std::uint8_t>(c));
    }
  }
};

constexpr std::size_t kRowsPerPass = 8;

// Rows output rows over 32-byte columns [0, body); Rows is a template
// argument so the accumulators stay in registers.
template <std::size_t Rows>
[[gnu::target("gfni,avx2")]] void dot_rows(std::size_t body, std::size_t k, const std::uint64_t* matrices,
                                           const std::uint8_t* const* in, std::uint8_t* const* out) noexcept {
  for (std::size_t off = 0; off < body; off += 32) {
    __m256i acc[Rows];
    for (std::size_t r = 0; r < Rows; ++r) {
      acc[r] = _mm256_setzero_si256();
    }
    for (std::size_t c = 0; c < k; ++c) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[c] + off));
      for (std::size_t r = 0; r < Rows; ++r) {
        const __m256i a = _mm256_set1_epi64x(static_cast<long long>(matrices[r * k + c]));
        acc[r] = _mm256_xor_si256(acc[r], _mm256_gf2p8affine_epi64_epi8(x, a, 0));
      }
    }
    for (std::size_t r = 0; r < Rows; ++r) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[r] + off), acc[r]);
    }
  }
}

using DotRows = void (*)(std::size_t, std::size_t, const std::uint64_t*, const std::uint8_t* const*,
                         std::uint8_t* const*) noexcept;
constexpr DotRows kDotRows[kRowsPerPass + 1] = {nullptr,     dot_rows<1>, dot_rows<2>, dot_rows<3>, dot_rows<4>,
                                                dot_rows<5>, dot_rows<6>, dot_rows<7>, dot_rows<8>};

}  // namespace

bool gfni_supported() noexcept {
  static const bool supported = __builtin_cpu_supports("gfni") && __builtin_cpu_supports("avx2");
  return supported;
}

std::uint64_t gfni_matrix(std::uint8_t c) noexcept {
  static const Matrices matrices;
  return matrices.of[c];
}

void gfni_dot(std::size_t len, std::size_t k, std::size_t rows, const std::uint64_t* matrices,
              const std::uint8_t* coefficients, const std::uint8_t* const* in,
              std::uint8_t* const* out) noexcept {
  const std::size_t body = len / 32 * 32;
  for (std::size_t r0 = 0; r0 < rows; r0 += kRowsPerPass) {
    const std::size_t n = rows - r0 < kRowsPerPass ? rows - r0 : kRowsPerPass;
    kDotRows[n](body, k, matrices + r0 * k, in, out + r0);
  }
  for (std::size_t b = body; b < len; ++b) {  // the last < 32 bytes
    for (std::size_t r = 0; r < rows; ++r) {
      std::uint8_t sum = 0;
      for (std::size_t c = 0; c < k; ++c) {
        sum ^= mul(coefficients[r * k + c], in[c][b]);
      }
      out[r][b] = sum;
    }
  }
}

}  // namespace pf::fec::gf8
