// The reference client of the native protocol: connect, receive, decode,
// verify, measure.
//
// run_client() connects over TLS (pinning the host's fingerprint from
// known-hosts, or trusting on first use when allowed), sends Hello, gets
// its Welcome, then receives the video datagrams on its own thread
// (`pf-cli-recv`: reassembly → decode → verification), while the calling
// thread runs the control connection: clock sync, loss reports, stats,
// reference invalidation requests, and the scripted actions tests use.
//
// Loss recovery: a lost frame freezes the picture (nothing is decoded) and
// asks the host to invalidate it; decoding resumes at a keyframe or at a
// recovery point that covers the first lost frame; after 200 ms frozen the
// client also asks for a keyframe.
//
// With a window (--window, window.hpp) the pictures are shown as they are
// decoded and the window's keyboard, mouse, touch and game controllers go
// to the host on the feedback stream as soon as they happen.
//
// Verification (when the host says its display is synthetic): the decoded
// picture must carry the stamp the frame was sent with (frame id and
// capture time) and match the pattern at 144 points; otherwise it counts
// as corrupt.
//
// Test knob: drop_pct drops that share of received datagrams (seeded)
// before reassembly, so loss can be studied without privileges. Off (0)
// by default.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "pf/client/decoder.hpp"
#include "pf/control/messages.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/input/script.hpp"

namespace pf::client {

struct ClientOptions {
  std::string host = "127.0.0.1";  ///< HOST[:PORT]
  std::uint16_t default_port = 9777;
  control::Mode mode{1920, 1080, 60'000};
  std::uint32_t bitrate_kbps = 20'000;
  VideoCodec codec = VideoCodec::h264;
  Nanos duration = std::chrono::seconds(10);  ///< 0: until stopped
  std::filesystem::path config_dir;           ///< identity and known-hosts
  bool allow_tofu = false;
  std::string name = "punktfunk-client";
  std::filesystem::path save_frame;  ///< PNG of the last decoded picture
  std::filesystem::path record;      ///< the raw elementary stream
  /// One CSV row per decoded frame: frame index, capture → received,
  /// capture → decoded (ms), for latency histograms.
  std::filesystem::path latency_csv;
  double drop_pct = 0;               ///< test knob (see above)
  std::uint64_t drop_seed = 1;
  // Scripted actions, relative to the first decoded frame.
  std::optional<std::pair<Nanos, control::Mode>> change_mode;
  std::optional<std::pair<Nanos, std::uint32_t>> change_bitrate;
  std::optional<Nanos> request_keyframe;
  std::optional<Nanos> send_garbage;  ///< malformed control messages + forged datagrams
  /// Input to send (pf/input/script.hpp), on the data plane's feedback stream.
  std::vector<input::ScriptedEvent> input_script;
  /// Sound: channels to ask for (0: none; 2, 6 or 8), and where it goes:
  /// a 16-bit WAV file, else the default output device (SDL2) when
  /// audio_play, else nowhere (still received, decoded and counted).
  unsigned audio_channels = 2;
  std::filesystem::path audio_out;
  bool audio_play = true;
  /// Show the stream in a window (SDL2) and send the keyboard, mouse, touch
  /// and game controllers of that window as input; closing it ends the
  /// session. Needs a display (DISPLAY or WAYLAND_DISPLAY).
  bool window = false;
};

struct ClientReport {
  std::uint64_t session_id = 0;
  std::string host_fingerprint;
  control::Mode mode;               ///< streaming now
  control::DisplaySource source = control::DisplaySource::unset;
  std::uint64_t frames_received = 0;
  std::uint64_t frames_decoded = 0;
  std::uint64_t frames_verified = 0;
  std::uint64_t frames_corrupt = 0;
  std::uint64_t frames_lost = 0;     ///< never completed, even with FEC
  std::uint64_t frames_recovered = 0;///< completed thanks to FEC
  std::uint64_t frames_skipped = 0;  ///< received while frozen
  std::uint64_t keyframes = 0;
  std::uint64_t recovery_points = 0;
  std::uint64_t invalidations = 0;   ///< InvalidateFrames sent
  std::uint64_t keyframe_requests = 0;
  std::uint64_t datagrams = 0;
  std::uint64_t datagrams_dropped_by_knob = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
  double first_frame_ms = 0;  ///< connect → first decoded picture
  double max_freeze_ms = 0;          ///< longest wall-clock gap between decoded pictures
  /// The same gap in the stream's own frames: how many frames the host
  /// encoded that were never shown in a row (lost, or skipped while frozen).
  /// A pause of the whole machine stops both ends and leaves it unchanged.
  std::uint32_t max_freeze_frames = 0;
  double e2e_p50_ms = 0, e2e_p99_ms = 0;            ///< capture → decoded
  double received_p50_ms = 0, received_p99_ms = 0;  ///< capture → reassembled
  double reassemble_p50_ms = 0, reassemble_p99_ms = 0;  ///< first packet → reassembled
  double decode_p50_ms = 0, decode_p99_ms = 0;
  double clock_offset_ms = 0, clock_rtt_ms = 0;
  double cpu_pct = 0;  ///< this process's CPU time over the session, in % of one core
  control::HostStats host;  ///< the host's last report
  double host_p50_ms = 0, host_p99_ms = 0;  ///< over the session's reports
  std::uint32_t frames_after_keyframe_request = 0;  ///< frames that came before the requested keyframe
  std::uint32_t mode_changes = 0;
  std::uint64_t input_events_sent = 0;
  std::uint32_t access_notices = 0;  ///< warnings that the host grant ends soon
  std::uint32_t rumbles = 0;         ///< Rumble messages (a game on the host set a pad's motors)
  control::GoodbyeReason host_goodbye = control::GoodbyeReason::unset;  ///< why the host ended it, if it did
  std::uint32_t bitrate_changes = 0;
  std::uint32_t last_width = 0, last_height = 0;    ///< of the last decoded picture
  // sound (0 channels: the session has none)
  unsigned audio_channels = 0;
  std::uint64_t audio_frames_received = 0;
  std::uint64_t audio_frames_played = 0;           ///< from their own packet
  std::uint64_t audio_frames_from_redundancy = 0;  ///< lost, replaced by the copy in the next packet
  std::uint64_t audio_frames_concealed = 0;        ///< lost, Opus concealment played instead
  std::uint64_t audio_frames_late = 0;             ///< arrived after their time, or skipped to bound latency
  std::uint64_t audio_frames_malformed = 0;
  std::uint64_t audio_frames_lost = 0;             ///< never arrived
  double audio_latency_p50_ms = 0, audio_latency_p99_ms = 0;  ///< capture → played out
  double av_offset_ms = 0;  ///< audio p50 − video p50 (capture → decoded): > 0, sound later than picture
  // the window (--window)
  std::uint64_t window_frames_shown = 0;
  std::uint64_t window_frames_dropped = 0;  ///< decoded, but a newer one came before the window took it
  std::uint64_t window_input_dropped = 0;   ///< input events the window could not queue (none unless stalled)
  // the last second, for a live status line
  double fps = 0, kbps = 0, loss_pct = 0;
};

/// Runs a session until `duration`, `stop`, or the host ends it. `status`
/// is called about once a second from the calling thread.
[[nodiscard]] Result<ClientReport> run_client(const ClientOptions& options, const std::atomic<bool>& stop,
                                              const std::function<void(const ClientReport&)>& status = {});

/// The flat JSON object --stats-json writes.
[[nodiscard]] std::string report_json(const ClientReport& report);

}  // namespace pf::client
