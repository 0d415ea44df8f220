// Rate limiting and aggregation for hot-path reporting.
//
// Nothing is logged per frame or per packet. A hot path that hits a
// condition (a malformed datagram, a busy slot) asks a RateLimiter whether to
// report it now; the events it swallows are counted and handed to the next
// report, so nothing is lost, only folded together. SummaryWindow folds a
// stream of samples (a stage time, a queue depth) into periodic
// count/min/avg/max lines.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>

#include "pf/core/clock.hpp"

namespace pf {

/// At most one report per interval. Lock-free and safe to share between threads.
class RateLimiter {
 public:
  explicit RateLimiter(Nanos interval) noexcept : interval_ns_(interval.count()) {}

  struct Decision {
    bool report = false;           ///< report this event now
    std::uint64_t suppressed = 0;  ///< events swallowed since the previous report
  };

  /// Records one event at `now` and says whether to report it.
  [[nodiscard]] Decision admit(TimePoint now) noexcept;

  /// For a periodic owner: when the interval has passed and events were
  /// swallowed since the last report, returns their count and starts a new
  /// interval (so a burst that stopped is still reported once).
  [[nodiscard]] std::optional<std::uint64_t> take_pending(TimePoint now) noexcept;

  /// Every event ever admitted, reported or not.
  [[nodiscard]] std::uint64_t total() const noexcept {
    return total_.load(std::memory_order_relaxed);
  }

 private:
  [[nodiscard]] bool claim_window(std::int64_t now_ns) noexcept;

  const std::int64_t interval_ns_;
  std::atomic<std::int64_t> next_report_ns_{std::numeric_limits<std::int64_t>::min()};
  std::atomic<std::uint64_t> suppressed_{0};
  std::atomic<std::uint64_t> total_{0};
};

/// count/min/avg/max of samples over a period. One thread owns it.
class SummaryWindow {
 public:
  explicit SummaryWindow(Nanos period) noexcept : period_(period) {}

  struct Summary {
    std::uint64_t count = 0;
    double min = 0;
    double avg = 0;
    double max = 0;
    Nanos span{0};  ///< time from the window's first sample to the last
  };

  /// Adds a sample; returns the finished summary (including this sample) once
  /// `period` has passed since the window's first sample, then starts afresh.
  [[nodiscard]] std::optional<Summary> add(double sample, TimePoint now) noexcept;

 private:
  Nanos period_;
  TimePoint start_{};
  std::uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  double sum_ = 0;
};

}  // namespace pf
