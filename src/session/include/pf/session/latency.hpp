// Latency samples: a fixed-capacity window of the most recent samples per
// stage, and its percentiles. Recording never allocates; percentiles copy
// the window (off the hot path, about once a second).
#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <vector>

#include "pf/core/clock.hpp"

namespace pf::session {

class LatencyWindow {
 public:
  explicit LatencyWindow(std::size_t capacity = 4096) : samples_(capacity) {}

  void add(Nanos sample) noexcept {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(sample).count();
    samples_[next_] = static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, UINT32_MAX));
    next_ = (next_ + 1) % samples_.size();
    count_ = std::min(count_ + 1, samples_.size());
  }
  void clear() noexcept { next_ = count_ = 0; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }

  /// The q-quantile (0..1) in µs by nearest rank; 0 when empty.
  [[nodiscard]] std::uint32_t quantile_us(double q) const;

 private:
  std::vector<std::uint32_t> samples_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace pf::session
