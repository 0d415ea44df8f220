#include "pf/session/latency.hpp"

#include <algorithm>
#include <cmath>

namespace pf::session {

std::uint32_t LatencyWindow::quantile_us(double q) const {
  if (count_ == 0) {
    return 0;
  }
  std::vector<std::uint32_t> sorted(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(count_));
  const double rank = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const std::size_t i = std::min(count_ - 1, static_cast<std::size_t>(std::max(rank, 1.0)) - 1);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(i), sorted.end());
  return sorted[i];
}

}  // namespace pf::session
