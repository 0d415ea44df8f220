#include "pf/transport/pacer.hpp"

#include <algorithm>
#include <cmath>

namespace pf::transport {

void Pacer::start_frame(TimePoint now, std::size_t packets, std::size_t wire_bytes,
                        std::uint64_t bitrate_bps, Nanos frame_interval) noexcept {
  start_ = now;
  total_ = packets;
  released_ = 0;
  chunk_ = std::max<std::size_t>(config_.min_chunk_packets, 1);
  gap_ = Nanos::zero();
  if (packets == 0 || wire_bytes == 0 || bitrate_bps == 0) {
    burst_ = packets;
    return;
  }
  const double bytes_per_packet = static_cast<double>(wire_bytes) / static_cast<double>(packets);
  const std::size_t burst_bytes = std::max(wire_bytes / 4, config_.burst_floor_bytes);
  burst_ = std::min(packets, static_cast<std::size_t>(std::ceil(static_cast<double>(burst_bytes) / bytes_per_packet)));
  const std::size_t rest = packets - burst_;
  if (rest == 0) {
    return;
  }
  // The overflow at rate_factor × bitrate, but within spread_fraction of the interval.
  const double rest_bits = static_cast<double>(rest) * bytes_per_packet * 8.0;
  const double at_rate_ns = rest_bits / (config_.rate_factor * static_cast<double>(bitrate_bps)) * 1e9;
  const double budget_ns = config_.spread_fraction * static_cast<double>(frame_interval.count());
  const double spread_ns = std::max(0.0, std::min(at_rate_ns, budget_ns));
  const auto gap_for = [&](std::size_t chunk) {
    const std::size_t chunks = (rest + chunk - 1) / chunk;
    return Nanos(static_cast<std::int64_t>(spread_ns / static_cast<double>(chunks)));
  };
  gap_ = gap_for(chunk_);
  while (gap_ < config_.sleep_floor && chunk_ < config_.max_chunk_packets) {
    chunk_ = std::min(chunk_ * 2, config_.max_chunk_packets);
    gap_ = gap_for(chunk_);
  }
}

Pacer::Release Pacer::poll(TimePoint now) noexcept {
  Release r;
  std::size_t allowed = burst_;
  if (allowed < total_ && now >= start_) {
    // Chunk c (1-based) is due at start + c · gap.
    const std::size_t due = gap_ <= Nanos::zero()
                                ? total_
                                : std::min<std::size_t>(total_, static_cast<std::size_t>((now - start_) / gap_));
    allowed = std::min(total_, burst_ + due * chunk_);
  }
  allowed = std::min(allowed, total_);
  r.packets = allowed > released_ ? allowed - released_ : 0;
  released_ = std::max(released_, allowed);
  if (released_ < total_) {
    const std::size_t chunks_done = (released_ - burst_ + chunk_ - 1) / chunk_;
    r.next = start_ + gap_ * static_cast<std::int64_t>(chunks_done + 1);
  }
  return r;
}

}  // namespace pf::transport
