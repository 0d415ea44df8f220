// When each datagram of a frame may leave. Sans-I/O: the caller passes the
// time and sleeps until the returned deadline.
//
// A frame's first max(¼ of its bytes, burst_floor_bytes) go at once — the
// decoder can start, and a small frame leaves whole. The rest is spread at
// rate_factor × the stream's bitrate, but finishes within spread_fraction
// of the frame interval, in chunks of 16 packets, doubled (up to 64) while
// the gap between chunks would fall below the sleep floor: sleeping is only
// worth it above it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pf/core/clock.hpp"

namespace pf::transport {

struct PacerConfig {
  std::size_t burst_floor_bytes = 128 * 1024;
  double rate_factor = 3.0;
  double spread_fraction = 0.9;
  std::size_t min_chunk_packets = 16;
  std::size_t max_chunk_packets = 64;
  Nanos sleep_floor = std::chrono::microseconds(500);
};

class Pacer {
 public:
  explicit Pacer(const PacerConfig& config = {}) noexcept : config_(config) {}

  /// Plans a frame of `packets` datagrams, `wire_bytes` in all, starting now.
  /// bitrate_bps 0 sends everything at once. Replaces any unfinished plan.
  void start_frame(TimePoint now, std::size_t packets, std::size_t wire_bytes,
                   std::uint64_t bitrate_bps, Nanos frame_interval) noexcept;

  struct Release {
    std::size_t packets = 0;        ///< may be sent now (in addition to earlier releases)
    TimePoint next = TimePoint::max();  ///< when to ask again; max() once all are released
  };
  [[nodiscard]] Release poll(TimePoint now) noexcept;

  [[nodiscard]] std::size_t burst_packets() const noexcept { return burst_; }
  [[nodiscard]] std::size_t chunk_packets() const noexcept { return chunk_; }
  [[nodiscard]] Nanos chunk_gap() const noexcept { return gap_; }

 private:
  PacerConfig config_;
  TimePoint start_{};
  std::size_t total_ = 0;
  std::size_t burst_ = 0;
  std::size_t chunk_ = 0;
  Nanos gap_{0};
  std::size_t released_ = 0;
};

}  // namespace pf::transport
