// The GF(2^8) multiply-accumulate with the Galois-field instructions
// (GFNI): multiplying a byte by a constant c is a linear map over GF(2),
// an 8×8 bit matrix that VGF2P8AFFINEQB applies to 32 bytes at once — in
// any field polynomial, here 0x11D.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::fec::gf8 {

/// Whether this CPU runs the kernel (GFNI and AVX2).
[[nodiscard]] bool gfni_supported() noexcept;

/// The affine matrix of "multiply by c" (one per constant, built once).
[[nodiscard]] std::uint64_t gfni_matrix(std::uint8_t c) noexcept;

/// out[r] = Σ_c coefficients[r·k + c] · in[c] over `len` bytes, for r < rows;
/// matrices[r·k + c] = gfni_matrix(coefficients[r·k + c]). Needs gfni_supported().
void gfni_dot(std::size_t len, std::size_t k, std::size_t rows, const std::uint64_t* matrices,
              const std::uint8_t* coefficients, const std::uint8_t* const* in,
              std::uint8_t* const* out) noexcept;

}  // namespace pf::fec::gf8
