// Shared between the coders of pf_fec; not part of its interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pf/fec/coder.hpp"

namespace pf::fec {

[[nodiscard]] std::unique_ptr<Coder> make_gf8_coder();
[[nodiscard]] std::unique_ptr<Coder> make_gf16_coder();

/// dst ^= src over n bytes (written for the vectoriser).
void xor_into(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;

}  // namespace pf::fec
