// The GameStream host: Moonlight clients pair, list apps, launch and
// stream, each session on a display of its own at the mode it asked for.
// Opt-in (`serve --gamestream`), for trusted networks only: its PIN
// pairing runs over plain HTTP.
//
//   nvhttp     HTTP (47989) and HTTPS (47984, mutual TLS): serverinfo,
//              pair (the PIN comes from the operator: submit_pin), unpair,
//              applist, appasset, launch, resume, cancel. A client is its
//              certificate (paired ones live in clients.json with protocol
//              "gamestream"), never the uniqueid it sends.
//   RTSP       TCP 48010, one request per connection: the session's stream
//              description; plain or encrypted (rtspenc://) as the client
//              can.
//   control    ENet on UDP 47999, shared by every session (control_host.hpp).
//   video      RTP from a socket of the session's own (47998 while free).
//   audio      RTP from a socket of the session's own (48000 while free).
//
// Threads: pf-gs-http and pf-gs-https accept, their workers (pf-gs-w)
// answer and may wait for the operator's PIN (≤ pin_wait); pf-gs-rtsp
// answers RTSP one connection at a time (each bounded by a 5 s deadline);
// pf-gs-control runs ENet; each session has pf-g<id>-ctl (control messages,
// the UDP pings, its lifetime) and the video and audio pipelines' threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pf/core/clock.hpp"
#include "pf/core/event_sink.hpp"
#include "pf/core/result.hpp"
#include "pf/encode/open.hpp"
#include "pf/session/server.hpp"

namespace pf::audio {
class PulseServer;
}
namespace pf::pairing {
class PairingService;
}
namespace pf::vdisplay {
class DisplayService;
struct AppExit;
}

namespace pf::gshost {

inline constexpr std::uint16_t kDefaultHttpPort = 47989;

struct GameStreamConfig {
  std::filesystem::path config_dir;  ///< gamestream-cert.pem / gamestream-key.pem, apps.json
  std::string bind = "0.0.0.0";      ///< IPv4 (the control transport is IPv4 only)
  /// The base port, the others at the protocol's offsets from it: HTTPS −5,
  /// video +9, control +10, audio +11, RTSP +21. 0: every port any free one.
  std::uint16_t http_port = kDefaultHttpPort;
  std::string hostname;
  std::uint32_t max_sessions = 4;
  std::uint32_t default_bitrate_kbps = 20'000;
  encode::Backend encoder = encode::Backend::automatic;
  std::string encoder_preset = "ultrafast";
  std::uint32_t fec_pct = 20;
  std::uint8_t dscp = 0;
  bool use_gso = true;
  const audio::PulseServer* pulse = nullptr;  ///< borrowed; null: sessions are silent
  std::uint32_t audio_bitrate_kbps = 128;     ///< stereo
  Nanos pin_wait = std::chrono::seconds(120);
  EventSink events;  ///< gamestream.pin_requested / paired, session.started / ended
};

struct Ports {
  std::uint16_t http = 0;
  std::uint16_t https = 0;
  std::uint16_t rtsp = 0;
  std::uint16_t control = 0;
  std::uint16_t video = 0;  ///< what the first session tries
  std::uint16_t audio = 0;
};

/// A client waiting for the operator's PIN.
struct PinRequest {
  std::string device_name;
  std::string address;
  std::string fingerprint;
};

struct GameStreamSessionInfo {
  std::uint64_t id = 0;
  std::string state;  ///< launched, streaming, ended
  std::string client_name;
  std::string fingerprint;
  std::string address;
  std::uint32_t app_id = 0;
  std::string app;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t fps = 0;
  std::uint32_t bitrate_kbps = 0;
  std::string codec;
  std::uint32_t encryption = 0;  ///< EncryptionFlags the client turned on
  std::uint64_t frames = 0;
  std::uint64_t audio_frames = 0;
  std::uint64_t idr_requests = 0;
  std::uint64_t invalidations = 0;
  std::uint64_t fec_status_reports = 0;
  std::uint64_t control_rejected = 0;
  session::InputCounters input;
  std::string end_reason;
};

class GameStreamHost {
 public:
  /// Loads (or makes) the GameStream certificate and starts every listener.
  /// The services must outlive the host.
  [[nodiscard]] static Result<std::unique_ptr<GameStreamHost>> start(GameStreamConfig config,
                                                                     vdisplay::DisplayService& displays,
                                                                     pairing::PairingService& pairing);
  ~GameStreamHost();  ///< ends every session (termination sent) and stops the listeners
  GameStreamHost(const GameStreamHost&) = delete;
  GameStreamHost& operator=(const GameStreamHost&) = delete;

  [[nodiscard]] Ports ports() const noexcept;
  /// The PIN the waiting client shows. not_found when none waits; malformed
  /// unless four digits.
  [[nodiscard]] Status submit_pin(std::string_view pin);
  [[nodiscard]] std::optional<PinRequest> pin_request() const;
  [[nodiscard]] std::vector<GameStreamSessionInfo> sessions() const;
  /// The GameStream certificate's fingerprint.
  [[nodiscard]] std::string fingerprint() const;
  /// Requests refused so far: nvhttp answers with an error status, RTSP
  /// connections closed on bad input, control connections naming no session.
  [[nodiscard]] nlohmann::json refused() const;
  /// An app the display service reports ended: the session it ran in ends
  /// as a quit (the client is told the app terminated) and its client has
  /// nothing left to resume. Called without the service's lock.
  void on_app_exit(const vdisplay::AppExit& exit);

  struct Impl;

 private:
  explicit GameStreamHost(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The host as the admin socket and the management API show it: ports,
/// certificate fingerprint, the client waiting for a PIN (or null), sessions.
[[nodiscard]] nlohmann::json status_json(const GameStreamHost& host);

}  // namespace pf::gshost
