// One Moonlight session: from /launch (or /resume) through RTSP, the ENet
// control connection and the UDP pings to streaming, and its end. Internal
// to the GameStream host (gamestream_host.hpp).
//
// Thread pf-g<id>-ctl (started by PLAY) opens the display at the mode the
// ANNOUNCE asked for, launches the app, opens the pipelines, then serves:
// the client's pings on the video and audio sockets (the first one whose
// payload is the session's own binds that stream's address and starts it),
// the control messages the ENet thread queued (opened with the session's
// key; IDR and invalidation requests, FEC status, input), and the end
// (quit, disconnect, host shutdown). RTSP requests arrive on the RTSP
// thread and ENet events on the control thread; both only queue or read
// state under the session's mutex.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control_host.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/gamestream/cipher.hpp"
#include "pf/gamestream/control.hpp"
#include "pf/gamestream/rtsp.hpp"
#include "pf/gamestream/sdp.hpp"
#include "pf/gshost/gamestream_host.hpp"
#include "pf/net/udp.hpp"
#include "pf/pairing/trust_store.hpp"
#include "pf/session/stage_stats.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::session {
class VideoPipeline;
class AudioPipeline;
}  // namespace pf::session

namespace pf::gshost {

struct LaunchRequest {
  std::string fingerprint;
  std::string client_name;
  std::string address;  ///< the client's IP as /launch saw it
  pairing::Access access = pairing::Access::full;
  std::uint32_t app_id = 0;
  vdisplay::AppEntry app;
  std::uint32_t width = 0;  ///< /launch's mode=WxHxFPS (ANNOUNCE has the final say)
  std::uint32_t height = 0;
  std::uint32_t fps = 0;
  gamestream::AesKey key{};
  std::uint32_t key_id = 0;  ///< rikeyid, as u32
  bool rtsp_encryption = false;
};

/// What sessions share, owned by the host.
struct SessionContext {
  const GameStreamConfig* config = nullptr;
  vdisplay::DisplayService* displays = nullptr;
  ControlHost* control = nullptr;
  Ports ports;
};

enum class SessionEnd : std::uint8_t { unset = 0, quit, disconnected, replaced, shutdown, error };

class GsSession {
 public:
  GsSession(std::uint64_t id, std::uint32_t connect_data, LaunchRequest launch, SessionContext context);
  ~GsSession();  ///< ends the session (as shutdown unless it ended before)
  GsSession(const GsSession&) = delete;
  GsSession& operator=(const GsSession&) = delete;

  // --- RTSP thread
  /// The answer to one RTSP request of this session's client.
  [[nodiscard]] gamestream::RtspResponse rtsp(const gamestream::RtspRequest& request) PF_EXCLUDES(mutex_);
  [[nodiscard]] bool rtsp_done() const PF_EXCLUDES(mutex_);
  /// Launched over `limit` ago and never played: its client gave up.
  [[nodiscard]] bool abandoned(TimePoint now, Nanos limit) const PF_EXCLUDES(mutex_);

  // --- ENet thread (must not block)
  [[nodiscard]] bool control_connected(const std::string& address) PF_EXCLUDES(mutex_);
  void control_packet(Bytes packet) PF_EXCLUDES(mutex_);
  void control_disconnected() PF_EXCLUDES(mutex_);

  // --- anyone
  /// Ends the session: quit sends the client a graceful termination and
  /// lets the display go at once; the others let it linger.
  void stop(SessionEnd why) PF_EXCLUDES(mutex_);
  [[nodiscard]] bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }
  [[nodiscard]] GameStreamSessionInfo info() const PF_EXCLUDES(mutex_);
  /// Whether the session streams from the display `lease` names.
  [[nodiscard]] bool holds(const vdisplay::Lease& lease) const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] std::uint32_t connect_data() const noexcept { return connect_data_; }
  [[nodiscard]] const LaunchRequest& launch() const noexcept { return launch_; }

 private:
  [[nodiscard]] gamestream::RtspResponse setup(const gamestream::RtspRequest& request) PF_REQUIRES(mutex_);
  [[nodiscard]] Status open_stream_socket(std::optional<net::UdpSocket>& socket, std::uint16_t preferred)
      PF_REQUIRES(mutex_);
  void run(const std::stop_token& stop);
  [[nodiscard]] Status open_media();
  void serve(const std::stop_token& stop);
  void handle_control(Bytes packet);
  void receive_pings(net::UdpSocket& socket, bool video);
  void send_control(std::uint16_t type, const std::vector<std::uint8_t>& payload);
  void finish(SessionEnd why);
  void wake() const;

  const std::uint64_t id_;
  const std::uint32_t connect_data_;
  const TimePoint launched_ = steady_clock().now();
  const LaunchRequest launch_;
  const SessionContext context_;
  UniqueFd wake_;
  std::string ping_payload_;  // 16 characters

  mutable Mutex mutex_;
  // RTSP's results, read by the session thread after PLAY
  std::optional<gamestream::StreamConfig> stream_ PF_GUARDED_BY(mutex_);
  std::optional<net::UdpSocket> video_socket_ PF_GUARDED_BY(mutex_);
  std::optional<net::UdpSocket> audio_socket_ PF_GUARDED_BY(mutex_);
  bool played_ PF_GUARDED_BY(mutex_) = false;
  // from the ENet thread
  std::deque<std::vector<std::uint8_t>> control_in_ PF_GUARDED_BY(mutex_);
  bool control_up_ PF_GUARDED_BY(mutex_) = false;
  bool control_gone_ PF_GUARDED_BY(mutex_) = false;
  std::string control_address_ PF_GUARDED_BY(mutex_);
  std::vector<gamestream::Rumble> rumbles_ PF_GUARDED_BY(mutex_);  // from the display service's pads
  std::optional<vdisplay::Lease> lease_ PF_GUARDED_BY(mutex_);     // the display's, while open
  SessionEnd stop_requested_ PF_GUARDED_BY(mutex_) = SessionEnd::unset;
  GameStreamSessionInfo info_ PF_GUARDED_BY(mutex_);

  // session thread state
  std::optional<vdisplay::OpenedDisplay> display_;
  std::unique_ptr<session::VideoPipeline> video_;
  std::unique_ptr<session::AudioPipeline> audio_;
  session::StageStats stats_;
  bool video_started_ = false;
  bool audio_started_ = false;
  std::atomic<bool> ended_{false};
  std::jthread thread_;  // last
};

}  // namespace pf::gshost
