// GF(2^16) for the additive-FFT Reed–Solomon code.
//
// Elements are held in the coordinates of a Cantor basis v_0..v_15
// (v_0 = 1, v_{j}^2 + v_{j} = v_{j-1}): the integer x stands for
// ω_x = Σ_b bit_b(x)·v_b. Addition stays XOR. In this basis the subspace
// polynomials s_j(x) = Π_{a ∈ span(v_0..v_{j-1})} (x − a) satisfy
// s_j(ω_x) = ω_{x >> j} and s_j' = 1, which makes the FFT's twiddle factors
// a shift and the formal derivative pure XOR.
//
// The field itself is GF(2)[x]/(x^16 + x^5 + x^3 + x^2 + 1); multiplication
// goes through log/exp tables indexed in Cantor coordinates.
#pragma once

#include <array>
#include <cstdint>

namespace pf::fec::gf16 {

inline constexpr std::uint32_t kBits = 16;
inline constexpr std::uint32_t kOrder = 1U << kBits;
inline constexpr std::uint32_t kModulus = kOrder - 1;  ///< the multiplicative group's order
inline constexpr std::uint32_t kPolynomial = 0x1002D;

struct Field {
  std::array<std::uint16_t, kOrder> log{};  ///< log[0] = 0 (callers test for zero first)
  std::array<std::uint16_t, kOrder> exp{};  ///< exp[kModulus] = exp[0] = 1
  std::array<std::uint16_t, kBits> basis{};  ///< v_b in polynomial coordinates
};

/// Built once, on first use; immutable afterwards.
[[nodiscard]] const Field& field();

/// (a + b) mod 65535 for a, b ≤ 65535, where 65535 and 0 both mean 0.
[[nodiscard]] constexpr std::uint32_t add_mod(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint32_t sum = a + b;
  return (sum & kModulus) + (sum >> kBits);
}

/// a · exp(log_b).
[[nodiscard]] inline std::uint16_t mul_log(std::uint16_t a, std::uint32_t log_b) noexcept {
  if (a == 0) {
    return 0;
  }
  const Field& f = field();
  return f.exp[add_mod(f.log[a], log_b)];
}

[[nodiscard]] inline std::uint16_t mul(std::uint16_t a, std::uint16_t b) noexcept {
  return b == 0 ? std::uint16_t{0} : mul_log(a, field().log[b]);
}

}  // namespace pf::fec::gf16
