// The host's per-stage latency for one session, shared between the video
// thread, the sender thread and the control thread (which reports it).
#pragma once

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

struct StageCounters {
  std::uint64_t frames = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t invalidations = 0;  ///< served by reference invalidation
  std::uint64_t idr_fallbacks = 0;  ///< invalidation impossible: an IDR instead
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
  /// p50/p99 in µs over the session (its last 16,384 frames).
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> session_quantiles(Stage stage) const PF_EXCLUDES(mutex_);

 private:
  static constexpr std::size_t kStages = static_cast<std::size_t>(Stage::count_);
  mutable Mutex mutex_;
  std::array<LatencyWindow, kStages> window_ PF_GUARDED_BY(mutex_);
  std::array<LatencyWindow, kStages> session_ PF_GUARDED_BY(mutex_){
      LatencyWindow(16384), LatencyWindow(16384), LatencyWindow(16384),
      LatencyWindow(16384), LatencyWindow(16384), LatencyWindow(16384)};
  StageCounters counters_ PF_GUARDED_BY(mutex_);
};

}  // namespace pf::session
