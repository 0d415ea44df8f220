// The client's receive thread: datagrams → reassembly → freeze/recovery →
// decode → verification → latency. Owned by run_client().
#pragma once

#include <fstream>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "pf/client/client.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/net/udp.hpp"
#include "pf/transport/reassembler.hpp"

namespace pf::client {

/// What the receive thread asks the control thread to send.
struct Requests {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> invalidations;
  bool keyframe = false;
};

class Receiver final : public transport::FrameSink {
 public:
  Receiver(const ClientOptions& options, control::DisplaySource source, transport::Reassembler reassembler,
           Decoder decoder, const net::UdpSocket& socket);
  ~Receiver();

  /// The session's sound, fed stream-3 datagrams from the receive thread
  /// (borrowed; set before start()).
  void set_audio(class AudioReceiver* audio) noexcept { audio_ = audio; }
  /// The window that shows each decoded picture (borrowed; set before
  /// start(), outlives the receive thread).
  void set_window(class Window* window) noexcept { picture_window_ = window; }
  void start();
  /// Ends the receive thread after the datagrams in hand (a frame being
  /// decoded is finished and counted), so a final report is consistent.
  void stop();
  /// Host clock − client clock, from the clock sync.
  void set_clock_offset(std::int64_t offset_ns) noexcept { offset_ns_.store(offset_ns, std::memory_order_relaxed); }
  /// Fills the receive-side fields of `r`; resets the per-second window.
  void report(ClientReport& r, bool final) PF_EXCLUDES(mutex_);
  [[nodiscard]] Requests take_requests() PF_EXCLUDES(mutex_);
  /// Loss before repair since the last call, in ppm, and frames lost / recovered.
  [[nodiscard]] control::LossReport loss_report() PF_EXCLUDES(mutex_);
  [[nodiscard]] bool first_frame_decoded() const noexcept { return first_decoded_.load(); }
  /// Writes the last decoded picture as PNG.
  [[nodiscard]] Status save_last_picture(const std::filesystem::path& file) PF_EXCLUDES(mutex_);
  /// The keyframe counter at the time of a keyframe request.
  void note_keyframe_request() PF_EXCLUDES(mutex_);

  void on_frame(const transport::ReceivedFrame& frame) override;
  void on_lost(std::uint32_t first_index, std::uint32_t count) override;

 private:
  void run(const std::stop_token& stop);
  void verify(const Picture& picture, std::uint64_t source_frame_id, std::uint64_t capture_ns) PF_REQUIRES(mutex_);

  const ClientOptions& options_;
  const control::DisplaySource source_;
  const net::UdpSocket& socket_;
  std::optional<transport::Reassembler> reassembler_;  // receive thread only
  AudioReceiver* audio_ = nullptr;
  Window* picture_window_ = nullptr;
  Decoder decoder_;                                    // receive thread only
  std::ofstream record_;
  std::ofstream latency_csv_;  // receive thread only
  std::mt19937_64 drop_rng_;
  std::atomic<std::int64_t> offset_ns_{0};
  std::atomic<bool> first_decoded_{false};

  mutable Mutex mutex_;
  ClientReport counts_ PF_GUARDED_BY(mutex_);
  std::vector<double> e2e_ms_ PF_GUARDED_BY(mutex_), received_ms_ PF_GUARDED_BY(mutex_),
      reassemble_ms_ PF_GUARDED_BY(mutex_), decode_ms_ PF_GUARDED_BY(mutex_);
  Requests requests_ PF_GUARDED_BY(mutex_);
  bool frozen_ PF_GUARDED_BY(mutex_) = false;
  std::uint32_t frozen_from_ PF_GUARDED_BY(mutex_) = 0;
  TimePoint frozen_since_ PF_GUARDED_BY(mutex_){};
  TimePoint last_keyframe_request_ PF_GUARDED_BY(mutex_){};
  TimePoint last_decoded_ PF_GUARDED_BY(mutex_){};
  std::optional<std::uint32_t> last_decoded_index_ PF_GUARDED_BY(mutex_);
  std::optional<std::uint64_t> keyframe_request_mark_ PF_GUARDED_BY(mutex_);  // frames received at the request
  // The last decoded picture's planes (kept when a snapshot is wanted).
  std::vector<std::uint8_t> last_luma_ PF_GUARDED_BY(mutex_), last_cb_ PF_GUARDED_BY(mutex_),
      last_cr_ PF_GUARDED_BY(mutex_);
  std::uint32_t last_w_ PF_GUARDED_BY(mutex_) = 0, last_h_ PF_GUARDED_BY(mutex_) = 0;
  std::uint64_t window_frames_ PF_GUARDED_BY(mutex_) = 0, window_bytes_ PF_GUARDED_BY(mutex_) = 0;
  std::vector<double> window_e2e_ PF_GUARDED_BY(mutex_);
  TimePoint window_start_ PF_GUARDED_BY(mutex_){};
  std::uint64_t loss_mark_received_ PF_GUARDED_BY(mutex_) = 0, loss_mark_sequence_ PF_GUARDED_BY(mutex_) = 0,
      loss_mark_lost_ PF_GUARDED_BY(mutex_) = 0, loss_mark_recovered_ PF_GUARDED_BY(mutex_) = 0;
  std::uint64_t accepted_datagrams_ PF_GUARDED_BY(mutex_) = 0;  // opened + surplus + late + duplicates
  std::uint64_t highest_sequence_ PF_GUARDED_BY(mutex_) = 0;
  double window_loss_pct_ PF_GUARDED_BY(mutex_) = 0;
  TimePoint started_ PF_GUARDED_BY(mutex_){};

  std::jthread thread_;  // last
};

/// p-quantile of `values` (sorted in place), 0 when empty.
[[nodiscard]] double quantile(std::vector<double>& values, double q);

}  // namespace pf::client
