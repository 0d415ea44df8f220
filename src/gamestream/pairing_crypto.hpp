// What both ends of GameStream pairing compute: hex on the wire, the PIN
// key, SHA-256 over concatenations, random bytes, wiping. Internal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/gamestream/cipher.hpp"

namespace pf::gamestream::pairing_detail {

/// SHA-256(salt ‖ pin)[0:16]; the PIN must be valid (is_valid_pin).
[[nodiscard]] Result<AesKey> pin_key(Bytes salt, std::string_view pin);

using Sha256 = std::array<std::uint8_t, 32>;
/// SHA-256 of the parts one after another.
[[nodiscard]] Result<Sha256> sha256(std::initializer_list<Bytes> parts);

/// The parts one after another.
[[nodiscard]] std::vector<std::uint8_t> concat(std::initializer_list<Bytes> parts);

/// Fills `out` from OpenSSL's generator.
[[nodiscard]] Status random_fill(MutableBytes out);

/// Overwrites `bytes` (the compiler may not drop it).
void wipe(MutableBytes bytes) noexcept;
void wipe(std::string& text) noexcept;
void wipe(std::vector<std::uint8_t>& bytes) noexcept;

/// `a == b` in time independent of where they differ.
[[nodiscard]] bool equal_secret(Bytes a, Bytes b) noexcept;

}  // namespace pf::gamestream::pairing_detail
