// The console's one login password, kept in `web-password` (mode 0600) in
// the config dir as an scrypt hash, never as the password itself:
//
//   scrypt$<log2 N>$<r>$<p>$<salt, 32 hex>$<hash, 64 hex>
//
// `web setup` generates a strong password, prints it once and stores its
// hash; the console's password change replaces the file atomically. The
// parameters travel with the hash, so they can be raised later without
// invalidating stored passwords. Verification compares in constant time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf::console {

inline constexpr std::string_view kPasswordFile = "web-password";
inline constexpr std::size_t kMinPasswordChars = 12;
inline constexpr std::size_t kMaxPasswordChars = 256;

/// scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds).
struct ScryptCost {
  std::uint8_t log2_n = 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

/// A stored hash in the file's one-line format.
[[nodiscard]] Result<std::string> hash_password(std::string_view password, ScryptCost cost = {});

/// Whether `password` matches `stored`; a malformed `stored` matches nothing.
[[nodiscard]] bool verify_password(std::string_view stored, std::string_view password);

/// Checks a stored line's shape (for reading the file strictly).
[[nodiscard]] Status check_stored_hash(std::string_view stored);

/// A new password: 5 groups of 5 characters from an alphabet without
/// look-alikes (≈ 120 bits), e.g. "k7mq2-x9rtp-…".
[[nodiscard]] Result<std::string> generate_password();

/// At least kMinPasswordChars and at most kMaxPasswordChars characters.
[[nodiscard]] Status check_new_password(std::string_view password);

/// The stored hash, or nullopt when there is no file. A file that others
/// can read, or one of the wrong shape, is an error naming the file.
[[nodiscard]] Result<std::optional<std::string>> read_password_file(const std::filesystem::path& config_dir);

/// Hashes `password` and replaces the file atomically (mode 0600).
[[nodiscard]] Status write_password_file(const std::filesystem::path& config_dir, std::string_view password,
                                         ScryptCost cost = {});

}  // namespace pf::console
