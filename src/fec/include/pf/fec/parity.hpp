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

  /// The percentage for a block of `data_shards`: at least pct(), and for
  /// small blocks (≤ kSmallBlockShards, where a few losses more than the
  /// mean are likely) enough that the block fails — more shards lost than
  /// it has parity — with probability ≤ kTargetBlockFailure at the loss
  /// rate reported (rising at once, falling by half per report). Clamped to
  /// [1, 50]. Pinned: pct().
  [[nodiscard]] std::uint32_t pct_for(std::uint32_t data_shards) const noexcept;

  static constexpr std::uint32_t kSmallBlockShards = 512;
  static constexpr double kTargetBlockFailure = 1e-3;

 private:
  std::uint32_t pct_ = kStartParityPct;
  std::uint32_t loss_ppm_ = 0;
  bool pinned_ = false;
};

/// P(more than `parity` of `data + parity` shards are lost), each lost
/// independently with probability `loss` (binomial tail).
[[nodiscard]] double block_failure_probability(std::uint32_t data, std::uint32_t parity, double loss) noexcept;

}  // namespace pf::fec
