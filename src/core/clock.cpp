#include "pf/core/clock.hpp"

namespace pf {

TimePoint SteadyClock::now() const noexcept {
  return std::chrono::time_point_cast<Nanos>(std::chrono::steady_clock::now());
}

Clock& steady_clock() noexcept {
  static SteadyClock clock;
  return clock;
}

}  // namespace pf
