#include "pf/core/rate_limit.hpp"

#include <algorithm>

namespace pf {

bool RateLimiter::claim_window(std::int64_t now_ns) noexcept {
  std::int64_t next = next_report_ns_.load(std::memory_order_acquire);
  while (now_ns >= next) {
    // Exactly one thread moves the window forward; the others see the new
    // deadline and fall through to counting.
    if (next_report_ns_.compare_exchange_weak(next, now_ns + interval_ns_,
                                              std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

RateLimiter::Decision RateLimiter::admit(TimePoint now) noexcept {
  total_.fetch_add(1, std::memory_order_relaxed);
  if (claim_window(now.time_since_epoch().count())) {
    return {true, suppressed_.exchange(0, std::memory_order_acq_rel)};
  }
  suppressed_.fetch_add(1, std::memory_order_acq_rel);
  return {false, 0};
}

std::optional<std::uint64_t> RateLimiter::take_pending(TimePoint now) noexcept {
  if (suppressed_.load(std::memory_order_acquire) == 0) {
    return std::nullopt;
  }
  if (!claim_window(now.time_since_epoch().count())) {
    return std::nullopt;
  }
  const std::uint64_t n = suppressed_.exchange(0, std::memory_order_acq_rel);
  if (n == 0) {
    return std::nullopt;
  }
  return n;
}

std::optional<SummaryWindow::Summary> SummaryWindow::add(double sample, TimePoint now) noexcept {
  if (count_ == 0) {
    start_ = now;
    min_ = sample;
    max_ = sample;
    sum_ = 0;
  }
  ++count_;
  sum_ += sample;
  min_ = std::min(min_, sample);
  max_ = std::max(max_, sample);
  if (now - start_ < period_) {
    return std::nullopt;
  }
  Summary s{count_, min_, sum_ / static_cast<double>(count_), max_, now - start_};
  count_ = 0;
  return s;
}

}  // namespace pf
