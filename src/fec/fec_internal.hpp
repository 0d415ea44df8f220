// Shared between the coders of pf_fec; not part of its interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pf/fec/coder.hpp"

namespace pf::fec {

/// The GF(2^8) multiply-accumulate: the CPU's Galois-field instructions
/// when it has them (automatic), or ISA-L; tests pick each.
enum class Gf8Kernel : std::uint8_t { automatic = 0, isal = 1, gfni = 2 };

[[nodiscard]] std::unique_ptr<Coder> make_gf8_coder(Gf8Kernel kernel = Gf8Kernel::automatic);
namespace gf16 {
struct Kernels;
}
/// kernels: null for the fastest this CPU runs; tests pass each of gf16::runnable_kernels().
[[nodiscard]] std::unique_ptr<Coder> make_gf16_coder(const gf16::Kernels* kernels = nullptr);

/// dst ^= src over n bytes (written for the vectoriser).
void xor_into(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;

}  // namespace pf::fec
