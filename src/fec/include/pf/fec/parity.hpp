// How many parity shards a block gets, and how the percentage adapts to the
// loss the receiver reports.
#pragma once

#include <cstdint>

#include "pf/fec/coder.hpp"

namespace pf::fec {

inline constexpr std::uint32_t kMinParityPct = 1;
inline constexpr std::uint32_t kMaxParityPct = 50;
inline constexpr std::uint32_t kStartParityPct = 10;
/// Every coded block carries at least this many parity shards, whatever the
/// percentage: one lost packet in a small frame must not lose the frame.
inline constexpr std::uint32_t kMinParityShards = 2;

/// max(kMinParityShards, ceil(k · pct / 100)) for pct in [1, 50] (clamped).
[[nodiscard]] std::uint32_t parity_shards(std::uint32_t data_shards, std::uint32_t pct) noexcept;

/// The most data shards one block of `scheme` can carry at `pct` so that
/// data + parity_shards(data, pct) stays within the scheme's limits, capped
/// at `wanted` (the session's block size). At least 1.
[[nodiscard]] std::uint32_t max_data_per_block(Scheme scheme, std::uint32_t pct,
                                               std::uint32_t wanted) noexcept;

/// The parity percentage, driven by the receiver's loss reports:
/// target = ceil(loss% × 1.4) + 1, clamped to [1, 50]; starts at 10 %.
/// A pinned percentage ignores reports.
class AdaptiveParity {
 public:
  AdaptiveParity() = default;
  /// pinned_pct 0 = adaptive; otherwise the fixed percentage (clamped).
  explicit AdaptiveParity(std::uint32_t pinned_pct) noexcept;

  /// Loss the receiver saw before repair, in parts per million.
  void on_loss_report(std::uint32_t loss_ppm) noexcept;

  [[nodiscard]] std::uint32_t pct() const noexcept { return pct_; }
  [[nodiscard]] bool pinned() const noexcept { return pinned_; }

 private:
  std::uint32_t pct_ = kStartParityPct;
  bool pinned_ = false;
};

}  // namespace pf::fec
