// The web console: `punktfunk-host web serve`. HTTPS (the host
// certificate) on 47992 serving the built pages, the sign-in, and a proxy
// to the management API.
//
//   /auth/session   GET: whether this browser is signed in
//   /auth/login     POST {password}: a sealed session cookie (7 days)
//   /auth/logout    POST: signs every browser out (raises the epoch)
//   /auth/password  POST {current, new}: replaces web-password atomically
//   /api/**         the management API on loopback, with the bearer token
//                   from mgmt-token put in by the console: the browser
//                   never sees it. Cookies are not forwarded; an upstream
//                   401 becomes a 502 (no sign-in loop).
//   anything else   the pages (GET/HEAD), index.html for "/"
//
// Fails closed: without a readable web-password every request answers 503
// saying how to set one. Mutating requests must come from the console's
// own origin (Origin, else Sec-Fetch-Site). Changing launch commands
// (/api/v1/apps) and unpairing (DELETE /api/v1/clients/{fp}) also need
// the password again, in X-Confirm-Password. Password attempts of every
// kind go through one LoginThrottle. Every answer carries a strict CSP,
// nosniff, no-referrer and frame-ancestors 'none'.
//
// The management API is reached at the URL in `mgmt-endpoint` (written by
// the host at each start), only on a loopback address, and only if it
// presents the host certificate (pinned by fingerprint): a program that
// took the port first never sees the token.
//
// Threads: `pf-web` (owned) accepts; `pf-web-w` workers (owned) serve;
// an event stream holds one worker for as long as the browser listens.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "pf/console/login_throttle.hpp"
#include "pf/core/result.hpp"

namespace pf::console {

struct ConsoleOptions {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 47992;  ///< 0: any free port
  std::filesystem::path config_dir;
  std::filesystem::path web_root;  ///< the built pages (index.html, assets/)
  std::string mgmt_token;          ///< PUNKTFUNK_MGMT_TOKEN when set; else mgmt-token is read
  ThrottleLimits throttle;
  std::size_t max_event_streams = 6;
};

struct ConsoleCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> wrong_passwords{0};  ///< logins, confirmations and password changes
  std::atomic<std::uint64_t> throttled{0};
  std::atomic<std::uint64_t> signed_out{0};    ///< /api requests without a valid session cookie
  std::atomic<std::uint64_t> cross_origin{0};  ///< mutating requests from another origin
  std::atomic<std::uint64_t> malformed{0};     ///< bad bodies and paths
  std::atomic<std::uint64_t> proxied{0};
  std::atomic<std::uint64_t> upstream_failed{0};  ///< the API unreachable, refusing the token, or not the host
};

/// A login body {"password": "..."}: the password.
[[nodiscard]] Result<std::string> parse_login(std::string_view body);

struct PasswordChange {
  std::string current;
  std::string next;
};
/// {"current": "...", "new": "..."}
[[nodiscard]] Result<PasswordChange> parse_password_change(std::string_view body);

/// Whether a request under /api needs the password re-entered.
[[nodiscard]] bool needs_confirmation(std::string_view method, std::string_view path) noexcept;

/// "https://127.0.0.1:47990" → host and port, for loopback hosts only.
struct LocalEndpoint {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] Result<LocalEndpoint> parse_local_endpoint(std::string_view url);

class ConsoleServer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ConsoleServer>> start(ConsoleOptions options);
  ~ConsoleServer();  // stops accepting, finishes requests in progress, joins
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] const ConsoleCounters& counters() const noexcept;
  /// Ends open event streams (they otherwise last as long as the browser).
  void stop();

 private:
  struct Impl;
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pf::console
