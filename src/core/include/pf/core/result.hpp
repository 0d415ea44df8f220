// Errors are values at module boundaries.
//
// pf::Result<T> is tl::expected<T, pf::Error> (g++ 12 has no usable
// std::expected). Exceptions never cross a thread, process or C boundary:
// anything that can fail for a reason the caller must handle returns a Result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace pf {

/// Error categories. Values are only ever appended, never renumbered or
/// reused: they show up in logs, exit paths and (later) API responses.
/// The zero value means "unset" and is never returned as an error.
enum class Errc : std::uint16_t {
  unset = 0,
  invalid_argument = 1,   ///< the caller broke the function's contract
  truncated = 2,          ///< input ended before a complete item
  overflow = 3,           ///< output did not fit, or a value is out of range
  malformed = 4,          ///< input is syntactically or semantically wrong
  io = 5,                 ///< an OS call failed; the message carries strerror
  not_found = 6,          ///< a named thing does not exist
  permission_denied = 7,  ///< the OS refused access
  config_invalid = 8,     ///< configuration names a key/value that is not accepted
  unsupported = 9,        ///< valid request this build or machine cannot serve
  timeout = 10,           ///< a deadline passed
  closed = 11,            ///< the peer or object is gone
  limit_reached = 12,     ///< a configured maximum would be exceeded
  refused = 13,           ///< a policy forbids the request
};

/// Stable snake_case name of a code ("config_invalid").
[[nodiscard]] std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code = Errc::unset;
  std::string message;  ///< complete, actionable, safe to log (never secrets)
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

/// `return pf::fail(Errc::malformed, "line {}: expected KEY=VALUE", line);`
template <typename... Args>
[[nodiscard]] tl::unexpected<Error> fail(Errc code, fmt::format_string<Args...> format,
                                         Args&&... args) {
  return tl::unexpected<Error>(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

/// An error for a failed OS call: "<what>: <strerror(err)>", with the code
/// chosen from errno (ENOENT → not_found, EACCES/EPERM → permission_denied,
/// anything else → io).
[[nodiscard]] tl::unexpected<Error> fail_errno(int err, std::string_view what);

/// The success value of a Status-returning function.
[[nodiscard]] inline Status ok() noexcept { return {}; }

}  // namespace pf

template <>
struct fmt::formatter<pf::Error> : fmt::formatter<std::string_view> {
  auto format(const pf::Error& e, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{} ({})", e.message, pf::to_string(e.code));
  }
};
