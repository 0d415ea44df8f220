#include "pf/session/stage_stats.hpp"

namespace pf::session {

void StageStats::add(Stage stage, Nanos sample) {
  const MutexLock lock(mutex_);
  window_[static_cast<std::size_t>(stage)].add(sample);
  session_[static_cast<std::size_t>(stage)].add(sample);
}

StageCounters StageStats::counters() const {
  const MutexLock lock(mutex_);
  return counters_;
}

control::HostStats StageStats::report(std::uint32_t fec_pct) {
  const MutexLock lock(mutex_);
  const auto q = [&](Stage s, double quantile) PF_REQUIRES(mutex_) { return window_[static_cast<std::size_t>(s)].quantile_us(quantile); };
  control::HostStats m;
  m.frames = static_cast<std::uint32_t>(window_[static_cast<std::size_t>(Stage::host)].count());
  m.capture_wait_p50_us = q(Stage::capture_wait, 0.5);
  m.capture_wait_p99_us = q(Stage::capture_wait, 0.99);
  m.convert_p50_us = q(Stage::convert, 0.5);
  m.convert_p99_us = q(Stage::convert, 0.99);
  m.encode_p50_us = q(Stage::encode, 0.5);
  m.encode_p99_us = q(Stage::encode, 0.99);
  m.packetize_p50_us = q(Stage::packetize, 0.5);
  m.packetize_p99_us = q(Stage::packetize, 0.99);
  m.send_p50_us = q(Stage::send, 0.5);
  m.send_p99_us = q(Stage::send, 0.99);
  m.host_p50_us = q(Stage::host, 0.5);
  m.host_p99_us = q(Stage::host, 0.99);
  m.keyframes = static_cast<std::uint32_t>(counters_.keyframes);
  m.invalidations = static_cast<std::uint32_t>(counters_.invalidations);
  m.fec_pct = fec_pct;
  for (auto& w : window_) {
    w.clear();
  }
  return m;
}

StageQuantiles StageStats::session_quantiles() const {
  const MutexLock lock(mutex_);
  StageQuantiles out;
  for (std::size_t i = 0; i < kStageCount; ++i) {
    out[i] = {session_[i].quantile_us(0.5), session_[i].quantile_us(0.99)};
  }
  return out;
}

}  // namespace pf::session
