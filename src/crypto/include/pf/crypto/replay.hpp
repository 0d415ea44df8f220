// Anti-replay: a sliding window over 64-bit sequence numbers. The newest
// accepted number is the window's top; numbers within `size` below it are
// tracked in a bitmap, older ones are refused as too old.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pf::crypto {

inline constexpr std::size_t kDefaultReplayWindow = std::size_t{1} << 17;

class ReplayWindow {
 public:
  enum class Verdict : std::uint8_t { unset = 0, fresh = 1, replayed = 2, too_old = 3 };

  /// `size` is rounded up to a power of two, at least 64.
  explicit ReplayWindow(std::size_t size = kDefaultReplayWindow);

  /// Whether `sequence` could be accepted; changes nothing.
  [[nodiscard]] Verdict check(std::uint64_t sequence) const noexcept;
  /// Records `sequence` (which check() called fresh) as seen.
  void accept(std::uint64_t sequence) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  void clear(std::uint64_t from, std::uint64_t count) noexcept;
  [[nodiscard]] bool test(std::uint64_t sequence) const noexcept;

  std::size_t size_ = 0;
  std::vector<std::uint64_t> bits_;
  std::uint64_t top_ = 0;
  bool empty_ = true;
};

}  // namespace pf::crypto
