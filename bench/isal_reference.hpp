// ISA-L as the reference the FEC benchmarks measure against: Moonlight's
// Cauchy parity rows in the form ec_init_tables takes.
#pragma once

#include <cstddef>
#include <vector>

#include "pf/fec/gf8_field.hpp"

namespace pf::bench {

/// Row j, column i: inv((m + i) XOR j), m rows of k.
[[nodiscard]] inline std::vector<unsigned char> cauchy_rows(std::size_t k, std::size_t m) {
  std::vector<unsigned char> a(k * m);
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t i = 0; i < k; ++i) {
      a[j * k + i] = fec::gf8::cauchy(static_cast<unsigned>(m), static_cast<unsigned>(i), static_cast<unsigned>(j));
    }
  }
  return a;
}

}  // namespace pf::bench
