#include "pf/fec/parity.hpp"

#include <algorithm>
#include <cmath>

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
  loss_ppm_ = std::max(loss_ppm, loss_ppm_ / 2);
  // ceil(loss% × 1.4) + 1 = ceil(ppm × 1.4 / 10^4) + 1 = ceil(ppm × 14 / 10^5) + 1.
  const std::uint64_t scaled = (std::uint64_t{loss_ppm} * 14 + 99'999) / 100'000;
  pct_ = static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(scaled + 1, kMinParityPct, kMaxParityPct));
}

std::uint32_t AdaptiveParity::pct_for(std::uint32_t data_shards) const noexcept {
  if (pinned_ || data_shards == 0 || data_shards > kSmallBlockShards || loss_ppm_ == 0) {
    return pct_;
  }
  const double loss = std::min(loss_ppm_ / 1e6, 0.3);
  const std::uint32_t most = parity_shards(data_shards, kMaxParityPct);
  std::uint32_t m = parity_shards(data_shards, pct_);
  while (m < most && block_failure_probability(data_shards, m, loss) > kTargetBlockFailure) {
    ++m;
  }
  // The smallest percentage that parity_shards() turns into m shards.
  const auto pct = static_cast<std::uint32_t>((std::uint64_t{m} * 100) / data_shards);
  std::uint32_t out = std::clamp(pct, kMinParityPct, kMaxParityPct);
  while (out < kMaxParityPct && parity_shards(data_shards, out) < m) {
    ++out;
  }
  return std::max(out, pct_);
}

double block_failure_probability(std::uint32_t data, std::uint32_t parity, double loss) noexcept {
  if (loss <= 0.0) {
    return 0.0;
  }
  if (loss >= 1.0) {
    return 1.0;
  }
  // Σ_{i ≤ parity} C(n, i) pᶦ (1 − p)ⁿ⁻ᶦ, terms in log space so large n
  // cannot underflow the first one.
  const std::uint32_t n = data + parity;
  const double lp = std::log(loss);
  const double lq = std::log1p(-loss);
  double survive = 0.0;
  for (std::uint32_t i = 0; i <= parity; ++i) {
    const double log_c = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
    survive += std::exp(log_c + i * lp + (n - i) * lq);
  }
  return std::clamp(1.0 - survive, 0.0, 1.0);
}

}  // namespace pf::fec
