// The GF(2^16) shard kernels: multiply a shard by a constant, and the two
// butterflies of the additive FFT, over the coder's work layout.
//
// Work layout: a shard is a run of 64-byte chunks; each chunk holds 32
// symbols, their low bytes first (bytes 0..31), then their high bytes
// (32..63). A multiplication by λ is GF(2)-linear, so it splits into four
// 16-entry tables, one per nibble of the symbol — the shape of a byte
// shuffle.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace pf::fec::gf16 {

inline constexpr std::size_t kChunkBytes = 64;

struct MulTable {
  /// lo[16·q + n] / hi[16·q + n]: low / high byte of ω_{n << 4q} · λ.
  alignas(32) std::array<std::uint8_t, 64> lo{};
  alignas(32) std::array<std::uint8_t, 64> hi{};
  /// The same map as four 8×8 bit matrices for the Galois-field affine
  /// instruction: low ← [0]·low + [1]·high, high ← [2]·low + [3]·high.
  std::array<std::uint64_t, 4> affine{};
};

/// The nibble tables of λ = exp(log_lambda) (what `mul` and the byte-shuffle
/// butterflies read).
void make_table(std::uint32_t log_lambda, MulTable& table) noexcept;
/// Adds the affine matrices (what the Galois-field butterflies read).
void make_affine(std::uint32_t log_lambda, MulTable& table) noexcept;

struct Kernels {
  const char* name = "";
  /// x ← x·λ
  void (*mul)(std::uint8_t* x, std::size_t bytes, const MulTable& t) noexcept = nullptr;
  /// x ← x + λ·y, then y ← y + x        (FFT butterfly)
  void (*fft)(std::uint8_t* x, std::uint8_t* y, std::size_t bytes, const MulTable& t) noexcept = nullptr;
  /// y ← y + x, then x ← x + λ·y        (its inverse)
  void (*ifft)(std::uint8_t* x, std::uint8_t* y, std::size_t bytes, const MulTable& t) noexcept = nullptr;
  /// Whether fft/ifft read MulTable::affine (make_affine) besides the nibble tables.
  bool butterflies_use_affine = false;
};

/// The fastest kernels this CPU runs (chosen once).
[[nodiscard]] const Kernels& kernels() noexcept;
/// Plain C++ kernels; the reference the vector ones are tested against.
[[nodiscard]] const Kernels& portable_kernels() noexcept;
/// Every kernel set this CPU runs (portable first), for tests.
[[nodiscard]] std::span<const Kernels* const> runnable_kernels() noexcept;

}  // namespace pf::fec::gf16
