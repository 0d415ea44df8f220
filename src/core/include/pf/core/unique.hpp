// One RAII template for every OS and library handle.
//
//   using UniqueFd = pf::Unique<int, &detail::close_fd, -1>;
//   using CipherCtx = pf::Unique<EVP_CIPHER_CTX*, &EVP_CIPHER_CTX_free>;
//
// The close function is a template argument, so the wrapper is exactly the
// size of the raw handle (no stored deleter). Construction from a raw handle
// is explicit, there is no implicit conversion back, moves are noexcept, and
// the handle is closed exactly once on every path.
#pragma once

#include <type_traits>
#include <utility>

namespace pf {

template <typename T, auto Close, T Invalid = T{}>
class Unique {
  static_assert(std::is_trivially_copyable_v<T>, "Unique wraps raw handles (ints, pointers)");
  static_assert(std::is_invocable_v<decltype(Close), T>, "Close must accept the handle");

 public:
  using handle_type = T;
  static constexpr T invalid = Invalid;

  constexpr Unique() noexcept = default;
  /// Takes ownership of `handle`; it is closed when this object lets go of it.
  constexpr explicit Unique(T handle) noexcept : handle_(handle) {}

  Unique(const Unique&) = delete;
  Unique& operator=(const Unique&) = delete;
  constexpr Unique(Unique&& other) noexcept : handle_(other.release()) {}
  constexpr Unique& operator=(Unique&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  ~Unique() { reset(); }

  /// The raw handle, still owned by this object.
  [[nodiscard]] constexpr T get() const noexcept { return handle_; }
  [[nodiscard]] constexpr bool valid() const noexcept { return handle_ != Invalid; }
  constexpr explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; the caller now owns the handle.
  [[nodiscard]] constexpr T release() noexcept { return std::exchange(handle_, Invalid); }

  /// Closes the current handle (if any) and takes ownership of `handle`.
  constexpr void reset(T handle = Invalid) noexcept {
    const T old = std::exchange(handle_, handle);
    if (old != Invalid) {
      static_cast<void>(Close(old));
    }
  }

 private:
  T handle_ = Invalid;
};

namespace detail {
/// close(2) without retry: on Linux the descriptor is released even on EINTR.
int close_fd(int fd) noexcept;
}  // namespace detail

/// An owned file descriptor; -1 is the only invalid value (0 is a valid fd).
using UniqueFd = Unique<int, &detail::close_fd, -1>;

static_assert(sizeof(UniqueFd) == sizeof(int));
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
static_assert(!std::is_convertible_v<UniqueFd, int>);
static_assert(!std::is_convertible_v<int, UniqueFd>);

}  // namespace pf
