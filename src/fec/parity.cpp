#include "pf/fec/parity.hpp"

#include <algorithm>

namespace pf::fec {

std::uint32_t parity_shards(std::uint32_t data_shards, std::uint32_t pct) noexcept {
  pct = std::clamp(pct, kMinParityPct, kMaxParityPct);
  const std::uint64_t wanted = (std::uint64_t{data_shards} * pct + 99) / 100;
  return std::max(kMinParityShards, static_cast<std::uint32_t>(wanted));
}

std::uint32_t max_data_per_block(Scheme scheme, std::uint32_t pct, std::uint32_t wanted) noexcept {
  const Limits l = limits(scheme);
  std::uint32_t k = std::clamp(wanted, std::uint32_t{1}, l.max_data);
  if (scheme == Scheme::none) {
    return k;
  }
  // parity_shards is monotonic in k, so walk down from the cap; at most a
  // few hundred steps for gf8 and none once the cap fits.
  while (k > 1) {
    const std::uint32_t m = parity_shards(k, pct);
    if (m <= l.max_parity && m + k <= l.max_total) {
      break;
    }
    --k;
  }
  return k;
}

AdaptiveParity::AdaptiveParity(std::uint32_t pinned_pct) noexcept
    : pct_(pinned_pct == 0 ? kStartParityPct : std::clamp(pinned_pct, kMinParityPct, kMaxParityPct)),
      pinned_(pinned_pct != 0) {}

void AdaptiveParity::on_loss_report(std::uint32_t loss_ppm) noexcept {
  if (pinned_) {
    return;
  }
  // ceil(loss% × 1.4) + 1 = ceil(ppm × 1.4 / 10^4) + 1 = ceil(ppm × 14 / 10^5) + 1.
  const std::uint64_t scaled = (std::uint64_t{loss_ppm} * 14 + 99'999) / 100'000;
  pct_ = static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(scaled + 1, kMinParityPct, kMaxParityPct));
}

}  // namespace pf::fec
