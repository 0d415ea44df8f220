// GF(2^8) with the primitive polynomial 0x11D (x^8 + x^4 + x^3 + x^2 + 1),
// the field of Moonlight's Reed–Solomon code and of ISA-L.
#pragma once

#include <array>
#include <cstdint>

namespace pf::fec::gf8 {

struct Tables {
  std::array<std::uint8_t, 512> exp{};  ///< α^i, doubled so log a + log b needs no modulo
  std::array<std::uint8_t, 256> log{};  ///< log[0] is unused
  std::array<std::uint8_t, 256> inv{};  ///< inv[0] is unused (0)
};

[[nodiscard]] consteval Tables make_tables() {
  Tables t;
  unsigned x = 1;
  for (unsigned i = 0; i < 255; ++i) {
    t.exp[i] = static_cast<std::uint8_t>(x);
    t.exp[i + 255] = static_cast<std::uint8_t>(x);
    t.log[x] = static_cast<std::uint8_t>(i);
    x <<= 1;
    if ((x & 0x100U) != 0) {
      x ^= 0x11DU;
    }
  }
  t.exp[510] = t.exp[0];
  t.exp[511] = t.exp[1];
  for (unsigned a = 1; a < 256; ++a) {
    t.inv[a] = t.exp[255 - t.log[a]];
  }
  return t;
}

inline constexpr Tables kTables = make_tables();

[[nodiscard]] constexpr std::uint8_t mul(std::uint8_t a, std::uint8_t b) noexcept {
  if (a == 0 || b == 0) {
    return 0;
  }
  return kTables.exp[kTables.log[a] + kTables.log[b]];
}

[[nodiscard]] constexpr std::uint8_t inv(std::uint8_t a) noexcept { return kTables.inv[a]; }

/// The coefficient of data shard i in parity shard j of a block with m parity
/// shards: inv((m + i) XOR j). Needs m + i ≤ 255 and j < m.
[[nodiscard]] constexpr std::uint8_t cauchy(unsigned m, unsigned i, unsigned j) noexcept {
  return inv(static_cast<std::uint8_t>((m + i) ^ j));
}

}  // namespace pf::fec::gf8
