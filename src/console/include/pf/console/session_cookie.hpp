// The console's sealed session cookie. After a right password the browser
// gets `pf_console=<sealed claims>` (HttpOnly; Secure; SameSite=Strict;
// 7 days). The claims are sealed with AES-256-GCM under a 32-byte key in
// `web-session-key` (mode 0600, created on first start): nonce (12, random)
// ‖ ciphertext ‖ tag (16), base64url without padding. A cookie that was
// changed, cut or sealed under another key does not open.
//
// Revocation: the claims carry the session epoch, a counter persisted in
// `web-session-epoch`. Signing out (or changing the password) raises it, so
// every cookie sealed before stops being accepted.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::console {

inline constexpr std::string_view kSessionKeyFile = "web-session-key";
inline constexpr std::string_view kSessionEpochFile = "web-session-epoch";
inline constexpr std::string_view kCookieName = "pf_console";
inline constexpr std::chrono::seconds kSessionLifetime{7 * 24 * 3600};

struct SessionClaims {
  std::uint64_t epoch = 0;
  std::int64_t issued_unix = 0;
  std::int64_t expires_unix = 0;
};

class CookieSealer {
 public:
  using Key = std::array<std::uint8_t, 32>;
  /// The key from `web-session-key`, created on first use.
  [[nodiscard]] static Result<CookieSealer> load_or_create(const std::filesystem::path& config_dir);
  explicit CookieSealer(const Key& key) : key_(key) {}

  [[nodiscard]] Result<std::string> seal(const SessionClaims& claims) const;
  /// nullopt for anything that is not a cookie this key sealed.
  [[nodiscard]] std::optional<SessionClaims> open(std::string_view value) const;

 private:
  Key key_{};
};

/// The revocation counter. Thread-safe.
class SessionEpoch {
 public:
  /// Reads `web-session-epoch` (0 when absent).
  [[nodiscard]] static Result<std::unique_ptr<SessionEpoch>> load(const std::filesystem::path& config_dir);
  [[nodiscard]] std::uint64_t current() const;
  /// Raises the epoch and persists it; returns the new value.
  [[nodiscard]] Result<std::uint64_t> bump();

 private:
  SessionEpoch(std::filesystem::path file, std::uint64_t value) : file_(std::move(file)), value_(value) {}
  std::filesystem::path file_;
  mutable Mutex mutex_;
  std::uint64_t value_ PF_GUARDED_BY(mutex_) = 0;
};

/// Whether `claims` are acceptable at `now_unix` under `epoch`.
[[nodiscard]] bool claims_valid(const SessionClaims& claims, std::uint64_t epoch, std::int64_t now_unix) noexcept;

/// The value of cookie `name` in a Cookie request header; empty if absent.
[[nodiscard]] std::string_view cookie_value(std::string_view header, std::string_view name) noexcept;

[[nodiscard]] std::string base64url_encode(std::string_view bytes);
/// Strict: the URL-safe alphabet, no padding, no stray bits.
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace pf::console
