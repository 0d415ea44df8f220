// The host's per-stage latency for one session, shared between the video
// thread, the sender thread and the control thread (which reports it).
#pragma once

#include <array>
#include <cstdint>

#include "pf/control/messages.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/session/latency.hpp"

namespace pf::session {

enum class Stage : std::uint8_t {
  capture_wait = 0,  ///< the frame's capture → the consumer has it
  convert,
  encode,
  packetize,  ///< packetize + FEC + seal
  send,       ///< pace + send: handed to the sender → last packet to the kernel
  host,       ///< capture → last packet to the kernel
  count_,
};

inline constexpr std::size_t kStageCount = static_cast<std::size_t>(Stage::count_);

struct Quantiles {
  std::uint32_t p50_us = 0;
  std::uint32_t p99_us = 0;
};
/// Indexed by Stage.
using StageQuantiles = std::array<Quantiles, kStageCount>;

struct StageCounters {
  std::uint64_t frames = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t invalidations = 0;  ///< served by reference invalidation
  std::uint64_t idr_fallbacks = 0;  ///< invalidation impossible: an IDR instead
  std::uint64_t stale_invalidations = 0;  ///< reports a recovery already sent had answered
  std::uint64_t keyframe_requests = 0;
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t send_dropped = 0;   ///< datagrams the kernel refused
  std::uint64_t flushed_early = 0;  ///< frames whose pacing a newer frame cut short
  std::uint64_t capture_stalls = 0; ///< consumer outcomes other than consumed/no_new_frame
};

class StageStats {
 public:
  void add(Stage stage, Nanos sample) PF_EXCLUDES(mutex_);
  template <typename F>
  void update(F&& f) PF_EXCLUDES(mutex_) {
    const MutexLock lock(mutex_);
    f(counters_);
  }
  [[nodiscard]] StageCounters counters() const PF_EXCLUDES(mutex_);
  /// The window since the last report as a HostStats message; starts a new window.
  [[nodiscard]] control::HostStats report(std::uint32_t fec_pct) PF_EXCLUDES(mutex_);
  /// p50/p99 per stage over the session (its last 16,384 frames).
  [[nodiscard]] StageQuantiles session_quantiles() const PF_EXCLUDES(mutex_);

 private:
  mutable Mutex mutex_;
  std::array<LatencyWindow, kStageCount> window_ PF_GUARDED_BY(mutex_);
  std::array<LatencyWindow, kStageCount> session_ PF_GUARDED_BY(mutex_){
      LatencyWindow(16384), LatencyWindow(16384), LatencyWindow(16384),
      LatencyWindow(16384), LatencyWindow(16384), LatencyWindow(16384)};
  StageCounters counters_ PF_GUARDED_BY(mutex_);
};

}  // namespace pf::session
