// Time as an injected dependency.
//
// Sans-I/O cores take a TimePoint argument on every call and never read a
// clock themselves. Components that must ask for the time hold a Clock&,
// so tests can drive them with a ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pf {

using Nanos = std::chrono::nanoseconds;
using Millis = std::chrono::milliseconds;
/// Monotonic time. Never compare it with wall-clock time.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Nanos>;

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const noexcept = 0;
};

/// std::chrono::steady_clock (CLOCK_MONOTONIC). Stateless and thread-safe.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const noexcept override;
};

/// The process's SteadyClock. It holds no state, so sharing it is safe.
[[nodiscard]] Clock& steady_clock() noexcept;

/// CPU time this process has used, all threads (CLOCK_PROCESS_CPUTIME_ID),
/// for utilisation figures.
[[nodiscard]] Nanos process_cpu_time() noexcept;

/// A clock that moves only when told to. Thread-safe: readers on other
/// threads see every advance() in order.
class ManualClock final : public Clock {
 public:
  /// Starts well away from the epoch so "now - interval" never underflows.
  explicit ManualClock(TimePoint start = TimePoint{std::chrono::hours{1}}) noexcept
      : now_ns_(start.time_since_epoch().count()) {}

  [[nodiscard]] TimePoint now() const noexcept override {
    return TimePoint{Nanos{now_ns_.load(std::memory_order_acquire)}};
  }
  void advance(Nanos step) noexcept { now_ns_.fetch_add(step.count(), std::memory_order_acq_rel); }
  void set(TimePoint t) noexcept {
    now_ns_.store(t.time_since_epoch().count(), std::memory_order_release);
  }

 private:
  std::atomic<std::int64_t> now_ns_;
};

}  // namespace pf
