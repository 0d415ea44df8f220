// The admin lane's bearer token: 32 random bytes as 64 hex digits in
// `mgmt-token` (mode 0600) in the config dir, created on first start;
// PUNKTFUNK_MGMT_TOKEN overrides the file. Presented tokens are compared
// by their SHA-256 digests in constant time, so neither the position of the
// first wrong character nor the length leaks through timing. The token is
// never logged.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf::mgmt {

inline constexpr std::string_view kTokenFile = "mgmt-token";
inline constexpr std::string_view kEndpointFile = "mgmt-endpoint";
inline constexpr std::size_t kMinTokenChars = 16;

enum class TokenOrigin : std::uint8_t { unset = 0, environment, file, created };

class Token {
 public:
  Token() = default;
  explicit Token(std::string_view secret);
  /// Constant time in the content of both strings.
  [[nodiscard]] bool matches(std::string_view presented) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return empty_; }

 private:
  std::array<std::uint8_t, 32> digest_{};
  bool empty_ = true;
};

struct LoadedToken {
  std::string secret;  ///< for the file's writer and the console's proxy; never log it
  TokenOrigin origin = TokenOrigin::unset;
};

/// `override_value` (the environment's, when set) wins; else the file
/// (not_found when there is none). Never creates anything: for readers
/// such as the web console.
[[nodiscard]] Result<LoadedToken> read_token(const std::filesystem::path& config_dir,
                                             std::string_view override_value);

/// read_token, or when there is no file yet, a new token written to it with
/// mode 0600. `override_value` (the environment's, when set) wins; else the file;
/// else a new token is written to it with mode 0600. A file token of the
/// wrong shape or mode is an error naming the file, never its content.
[[nodiscard]] Result<LoadedToken> load_or_create_token(const std::filesystem::path& config_dir,
                                                       std::string_view override_value);

/// "Bearer <token>" → the token; anything else → empty.
[[nodiscard]] std::string_view bearer_token(std::string_view authorization) noexcept;

}  // namespace pf::mgmt
