// Erasure coding of one block of equal-sized shards: k data shards, m parity
// shards, any k of the k + m recover the data.
//
// Two schemes behind one interface:
//  * gf8  — systematic Reed–Solomon over GF(2^8), polynomial 0x11D, Cauchy
//           parity P[j][i] = inv((m + i) XOR j): byte for byte the code
//           Moonlight clients decode. At most 255 shards per block.
//  * gf16 — an additive-FFT Reed–Solomon code over GF(2^16) (Lin–Chung–Han
//           novel polynomial basis over a Cantor basis), O(n log n) in the
//           block size, for blocks far beyond 255 shards.
//
// A Coder owns scratch memory that grows to the largest block it has seen
// and is reused, so steady-state encode and reconstruct never allocate. It
// is not thread-safe: one Coder per thread (the field tables behind it are
// immutable and shared).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf::fec {

/// On the wire: the value is part of the packet format, never renumbered.
enum class Scheme : std::uint8_t {
  none = 0,  ///< data shards only
  gf8 = 1,
  gf16 = 2,
};

[[nodiscard]] std::string_view to_string(Scheme scheme) noexcept;

struct Limits {
  std::uint32_t max_data = 0;    ///< data shards per block
  std::uint32_t max_parity = 0;  ///< parity shards per block
  std::uint32_t max_total = 0;   ///< data + parity per block
  std::uint32_t shard_multiple = 1;  ///< shard_bytes must be a multiple of this
};

[[nodiscard]] Limits limits(Scheme scheme) noexcept;

/// Whether a block of k data + m parity shards of shard_bytes fits the
/// scheme (the rules of check_shape); allocation-free, for packet parsers.
[[nodiscard]] bool valid_shape(Scheme scheme, std::size_t k, std::size_t m,
                               std::size_t shard_bytes) noexcept;

/// Errc::invalid_argument unless k ≥ 1, m fits the scheme's limits (m = 0
/// only for Scheme::none) and shard_bytes is a positive multiple of the
/// scheme's shard_multiple.
[[nodiscard]] Status check_shape(Scheme scheme, std::size_t k, std::size_t m,
                                 std::size_t shard_bytes);

class Coder {
 public:
  virtual ~Coder() = default;
  Coder() = default;
  Coder(const Coder&) = delete;
  Coder& operator=(const Coder&) = delete;

  [[nodiscard]] virtual Scheme scheme() const noexcept = 0;

  /// Computes parity[0..m) from data[0..k); every pointer addresses
  /// shard_bytes bytes. Inputs are not modified. invalid_argument for a
  /// shape outside the scheme's limits.
  [[nodiscard]] Status encode(std::span<const std::uint8_t* const> data,
                              std::span<std::uint8_t* const> parity, std::size_t shard_bytes);

  /// shards: k data then m parity pointers. present[i] != 0 marks the shards
  /// that hold received bytes. Writes every missing data shard (missing
  /// parity is not rebuilt) and leaves present shards untouched. With fewer
  /// than k shards present it fails with Errc::limit_reached and writes
  /// nothing: a block is recovered exactly or not at all.
  [[nodiscard]] Status reconstruct(std::size_t k, std::span<std::uint8_t* const> shards,
                                   std::span<const std::uint8_t> present, std::size_t shard_bytes);

 protected:
  /// The arithmetic, called with a shape check_shape() accepted.
  virtual void encode_block(std::span<const std::uint8_t* const> data,
                            std::span<std::uint8_t* const> parity, std::size_t shard_bytes) = 0;
  /// Called with a valid shape, at least k shards present and at least one
  /// data shard missing.
  virtual void reconstruct_block(std::size_t k, std::span<std::uint8_t* const> shards,
                                 std::span<const std::uint8_t> present, std::size_t shard_bytes) = 0;
};

/// A coder for gf8 or gf16 (Scheme::none has no coder: invalid_argument).
[[nodiscard]] Result<std::unique_ptr<Coder>> make_coder(Scheme scheme);

}  // namespace pf::fec
