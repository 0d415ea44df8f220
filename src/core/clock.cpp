#include "pf/core/clock.hpp"

#include <time.h>

namespace pf {

TimePoint SteadyClock::now() const noexcept {
  return std::chrono::time_point_cast<Nanos>(std::chrono::steady_clock::now());
}

Clock& steady_clock() noexcept {
  static SteadyClock clock;
  return clock;
}

Nanos process_cpu_time() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + Nanos(ts.tv_nsec);
}

}  // namespace pf
