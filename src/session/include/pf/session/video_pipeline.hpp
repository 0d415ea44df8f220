// One session's video path: display ring → convert → encode → frame (the
// protocol's packets, framing.hpp) → pace → UDP. Two owned threads:
//
//   pf-s<id>-video  waits on the ring's eventfd, copies the newest frame out
//                   (the consumer never holds a slot past its copy),
//                   converts, encodes, frames and hands the datagrams to
//                   the sender; applies the control thread's requests
//                   (keyframe, invalidation, bitrate, mode) between frames.
//                   May block on: the ring's wake-up (≤ 100 ms), the encoder,
//                   the sender taking its previous frame (≤ one frame), the
//                   display service during a mode change.
//   pf-s<id>-send   paces each frame's datagrams (Pacer) onto the socket.
//                   May block on: its condition variable until the next
//                   release or frame, sendmmsg while the socket buffer is full.
//
// A frame the sender has not finished when the next one is ready is sent
// out at once (counted), never dropped: a dropped frame would break the
// reference chain. Nothing on the per-frame path allocates.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "pf/control/messages.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/encode/open.hpp"
#include "pf/framering/endpoints.hpp"
#include "pf/net/udp.hpp"
#include "pf/session/framing.hpp"
#include "pf/session/recovery_ledger.hpp"
#include "pf/session/stage_stats.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::session {

struct VideoParams {
  std::uint64_t session_id = 0;
  vdisplay::DisplayService* displays = nullptr;
  vdisplay::Lease lease;
  std::shared_ptr<vdisplay::HostRing> ring;
  vdisplay::Mode mode;
  encode::EncoderConfig encoder;      ///< width/height/fps filled from the mode
  encode::Backend backend = encode::Backend::automatic;
  std::unique_ptr<VideoFramer> framer;
  bool use_gso = true;
  const net::UdpSocket* socket = nullptr;  ///< borrowed; outlives the pipeline
  StageStats* stats = nullptr;             ///< borrowed
  /// Posts a message for the control thread to send (called from the video thread).
  std::function<void(control::Message)> post;
  /// Called once if the pipeline fails for good (encoder, display gone).
  std::function<void(std::string)> on_fatal;
};

class VideoPipeline {
 public:
  /// Opens the encoder; the threads start with start().
  [[nodiscard]] static Result<std::unique_ptr<VideoPipeline>> open(VideoParams params);
  ~VideoPipeline();
  VideoPipeline(const VideoPipeline&) = delete;
  VideoPipeline& operator=(const VideoPipeline&) = delete;

  void start(const net::Address& client);
  void request_keyframe() PF_EXCLUDES(requests_mutex_);
  void invalidate(std::uint32_t first, std::uint32_t last) PF_EXCLUDES(requests_mutex_);
  void set_bitrate(std::uint32_t kbps) PF_EXCLUDES(requests_mutex_);
  void change_mode(const vdisplay::Mode& mode) PF_EXCLUDES(requests_mutex_);
  void on_loss_report(std::uint32_t loss_ppm) PF_EXCLUDES(requests_mutex_);
  /// The parity percentage the last frame got.
  [[nodiscard]] std::uint32_t fec_pct() const noexcept { return fec_pct_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::string encoder_name() const;

 private:
  struct Parcel;  // one packetized frame on its way to the sender
  struct Requests {
    bool keyframe = false;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> invalidations;
    std::uint32_t bitrate_kbps = 0;
    std::optional<vdisplay::Mode> mode;
    std::uint32_t loss_ppm = 0;
    bool loss_reported = false;
  };

  explicit VideoPipeline(VideoParams params);
  void run_video(const std::stop_token& stop);
  void run_sender(const std::stop_token& stop);
  [[nodiscard]] Status encode_and_hand_over(const std::stop_token& stop, std::uint64_t capture_ns,
                                            std::uint64_t source_frame_id, TimePoint consumed);
  [[nodiscard]] Status apply_requests(bool& force_idr) PF_EXCLUDES(requests_mutex_);
  [[nodiscard]] Status reopen_for_mode(const vdisplay::Mode& mode);
  [[nodiscard]] Status open_encoder(const vdisplay::Mode& mode);

  VideoParams p_;
  // video thread state
  std::unique_ptr<encode::Encoder> encoder_;
  std::optional<convert::YuvFrame> yuv_;
  std::optional<framering::OutRing> out_;
  std::uint32_t frame_index_ = 0;
  std::uint32_t recovers_from_ = 0;    // pending recovery point (0: none)
  bool recovery_pending_ = false;
  RecoveryLedger recoveries_;          // video thread only
  std::atomic<std::uint32_t> fec_pct_{0};
  std::string encoder_name_;

  mutable Mutex requests_mutex_;
  Requests requests_ PF_GUARDED_BY(requests_mutex_);

  // hand-over to the sender
  Mutex handoff_mutex_;
  std::condition_variable_any handoff_cv_;
  std::vector<std::unique_ptr<Parcel>> parcels_;        // three, rotating
  int ready_ PF_GUARDED_BY(handoff_mutex_) = -1;        // handed over, not yet taken
  int sending_ PF_GUARDED_BY(handoff_mutex_) = -1;      // being paced
  net::Address client_ PF_GUARDED_BY(handoff_mutex_);

  std::jthread sender_;
  std::jthread video_;  // last: stopped and joined first
};

}  // namespace pf::session
