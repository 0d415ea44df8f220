#include "gf16_field.hpp"

#include <cstdlib>
#include <memory>
#include <vector>

namespace pf::fec::gf16 {
namespace {

// Heap-allocated: the tables are 256 KiB, too much for a thread's stack.
std::unique_ptr<const Field> build() {
  auto owned = std::make_unique<Field>();
  Field& f = *owned;
  // α^i in polynomial coordinates, and its inverse map.
  std::vector<std::uint16_t> poly_exp(kOrder);
  std::vector<std::uint16_t> poly_log(kOrder);
  std::uint32_t state = 1;
  for (std::uint32_t i = 0; i < kModulus; ++i) {
    if (i != 0 && state == 1) {
      std::abort();  // the polynomial is not primitive: a programming error
    }
    poly_exp[i] = static_cast<std::uint16_t>(state);
    poly_log[state] = static_cast<std::uint16_t>(i);
    state <<= 1;
    if (state >= kOrder) {
      state ^= kPolynomial;
    }
  }
  const auto poly_mul = [&](std::uint32_t a, std::uint32_t b) -> std::uint32_t {
    if (a == 0 || b == 0) {
      return 0;
    }
    return poly_exp[(poly_log[a] + poly_log[b]) % kModulus];
  };

  // Cantor basis: v_0 = 1, v_j the smallest root of x^2 + x = v_{j-1}
  // (one exists for every j < 16 because 16 is a power of two).
  f.basis[0] = 1;
  for (std::uint32_t j = 1; j < kBits; ++j) {
    std::uint32_t root = 0;
    for (std::uint32_t x = 2; x < kOrder && root == 0; ++x) {
      if ((poly_mul(x, x) ^ x) == f.basis[j - 1]) {
        root = x;
      }
    }
    if (root == 0) {
      std::abort();
    }
    f.basis[j] = static_cast<std::uint16_t>(root);
  }

  // Cantor coordinates → polynomial coordinates, then the tables.
  std::vector<std::uint16_t> to_poly(kOrder);
  for (std::uint32_t b = 0; b < kBits; ++b) {
    const std::uint32_t width = 1U << b;
    for (std::uint32_t x = 0; x < width; ++x) {
      to_poly[x + width] = static_cast<std::uint16_t>(to_poly[x] ^ f.basis[b]);
    }
  }
  for (std::uint32_t x = 1; x < kOrder; ++x) {
    f.log[x] = poly_log[to_poly[x]];
    f.exp[f.log[x]] = static_cast<std::uint16_t>(x);
  }
  f.exp[kModulus] = f.exp[0];
  return owned;
}

}  // namespace

const Field& field() {
  static const std::unique_ptr<const Field> f = build();
  return *f;
}

}  // namespace pf::fec::gf16
