// The native protocol's host side: a TCP listener for the control plane
// and one Session per connected client.
//
// A session: TLS 1.3 handshake (mutual certificates) → Hello → the client's
// own display (DisplayService, keyed by the client's certificate
// fingerprint) → Welcome (data port, keys, FEC, shard size) → Start → the
// client's first authenticated datagram tells the host where to send →
// video flows until Goodbye, the connection drops, or nothing is heard for
// the idle timeout. Teardown releases everything; a deliberate quit
// (Goodbye quit) removes the display at once, anything else lets it linger.
//
// Trust: a client streams only when its certificate is in the trust store
// (pairing_service.hpp) with a grant that has not expired, or when the host
// runs with allow_tofu. A connection may instead pair (PairRequest: SPAKE2
// with the operator's PIN) or knock (wait for the operator's approval); it
// ends after the PairResult, and the client connects again to stream.
//
// Threads: `pf-native` (owned) accepts connections and reaps ended
// sessions; each session owns `pf-s<id>-ctl` (its control connection and
// feedback datagrams) and, once streaming, the video and send threads
// (video_pipeline.hpp). One session's failure ends only that session.
#pragma once

#include <atomic>
#include <filesystem>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pf/audio/pulse.hpp"
#include "pf/control/messages.hpp"
#include "pf/core/event_sink.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/encode/open.hpp"
#include "pf/fec/coder.hpp"
#include "pf/net/address.hpp"
#include "pf/pairing/pairing_service.hpp"
#include "pf/session/stage_stats.hpp"
#include "pf/tls/identity.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::session {

struct ServerConfig {
  net::Address listen = net::Address::loopback(9777);
  /// Where the host identity lives (host-cert.pem, host-key.pem 0600).
  std::filesystem::path config_dir;
  /// Accept any client certificate, paired or not (development).
  bool allow_tofu = false;
  /// Before a grant expires, the client is warned this long before (descending).
  std::vector<Nanos> expiry_warnings{std::chrono::minutes(5), std::chrono::minutes(1)};
  /// How long a knock waits for the operator.
  Nanos pending_wait = std::chrono::seconds(180);
  std::uint32_t max_sessions = 4;
  Nanos idle_timeout = std::chrono::seconds(8);
  Nanos handshake_timeout = std::chrono::seconds(5);
  // stream defaults
  std::uint32_t default_bitrate_kbps = 20'000;
  encode::Backend encoder = encode::Backend::automatic;
  std::string encoder_preset = "ultrafast";
  fec::Scheme fec = fec::Scheme::gf16;
  std::uint32_t fec_pct = 0;  ///< 0 = adaptive
  std::uint32_t mtu = 1492;
  std::uint8_t dscp = 0;
  bool use_gso = true;
  /// Sound: the sound server sessions make their sinks in (borrowed; null:
  /// no sound), and the Opus bitrate for stereo (5.1 and 7.1 get 2× and
  /// 2.5×: the surround encoder's extra streams).
  const audio::PulseServer* pulse = nullptr;
  std::uint32_t audio_bitrate_kbps = 256;
  /// What the displays show (told to clients so they can verify synthetic frames).
  control::DisplaySource source = control::DisplaySource::unset;
  /// session.started (streaming began) and session.ended; called from the
  /// session's thread, must not block.
  EventSink events;
};

enum class SessionState : std::uint8_t { unset = 0, handshaking, streaming, ended };

/// What became of a session's input events.
struct InputCounters {
  std::uint64_t received = 0;     ///< events in authenticated input datagrams
  std::uint64_t injected = 0;     ///< put into the display
  std::uint64_t denied = 0;       ///< dropped: the client's access level does not allow them
  std::uint64_t unsupported = 0;  ///< dropped: the display cannot take them
  std::uint64_t malformed = 0;    ///< input datagrams that did not decode
  std::uint64_t failed = 0;       ///< events lost to an injection error
};

/// The session's sound (none when `channels` is 0).
struct AudioCounters {
  unsigned channels = 0;
  std::uint32_t bitrate_kbps = 0;
  std::string sink;                 ///< the session's null sink in the sound server
  std::uint64_t frames = 0;         ///< 5 ms Opus frames sent
  std::uint64_t bytes = 0;          ///< their datagrams' bytes
  std::uint64_t send_dropped = 0;   ///< datagrams the socket did not take
  std::uint64_t errors = 0;         ///< recording or encoding failures (the sound stopped)
};

struct SessionInfo {
  std::uint64_t id = 0;
  SessionState state = SessionState::unset;
  std::string peer;         ///< address:port of the control connection
  std::string client_name;  ///< from Hello
  std::string fingerprint;  ///< the client certificate's
  std::string access;       ///< pairing::Access in force ("full", ...), or "tofu"
  vdisplay::Mode mode;
  vdisplay::DisplayId display = 0;  ///< the client's own display, once streaming
  std::uint32_t bitrate_kbps = 0;
  std::string encoder;
  std::uint32_t fec_pct = 0;
  StageCounters video;
  std::uint64_t control_rejected = 0;    ///< control messages skipped: unknown, malformed or unexpected
  std::uint64_t datagrams_rejected = 0;  ///< feedback datagrams that failed parsing or authentication
  StageQuantiles stages;  ///< the host's per-stage latency over the session (each second; final once ended)
  InputCounters input;
  AudioCounters audio;
  control::HostStats window;  ///< the last second's stages (the latest HostStats sent)
  // The client's loss reports, summed (frames it lost, and frames FEC rebuilt).
  std::uint64_t client_frames_lost = 0;
  std::uint64_t client_frames_recovered = 0;
  std::uint32_t client_loss_ppm = 0;  ///< packets lost before repair, its latest report
  std::int64_t started_unix_ms = 0;
  std::string end_reason;
};

/// What the operator may ask of a running session.
struct SessionCommand {
  bool stop = false;  ///< Goodbye `stopped`; the display goes at once
  bool keyframe = false;
  std::uint32_t bitrate_kbps = 0;  ///< 0: unchanged
};

struct ServerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t refused_busy = 0;  ///< connections beyond the session limit
  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_ended = 0;
};

class Session;

class NativeServer {
 public:
  /// Loads or creates the host identity, binds the listener and starts
  /// `pf-native`. `displays` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<NativeServer>> start(ServerConfig config,
                                                                   vdisplay::DisplayService& displays);
  ~NativeServer();  // ends every session (Goodbye) and joins every thread
  NativeServer(const NativeServer&) = delete;
  NativeServer& operator=(const NativeServer&) = delete;

  [[nodiscard]] const net::Address& address() const noexcept { return bound_; }
  [[nodiscard]] const std::string& fingerprint() const noexcept { return identity_.fingerprint; }
  [[nodiscard]] std::vector<SessionInfo> sessions() const PF_EXCLUDES(mutex_);
  [[nodiscard]] ServerCounters counters() const PF_EXCLUDES(mutex_);
  /// Hands a command to a streaming session's control thread. not_found:
  /// no such session, or it is not streaming (yet or any more).
  [[nodiscard]] Status command(std::uint64_t id, const SessionCommand& command) PF_EXCLUDES(mutex_);
  /// Pairing: the PIN window, knocks, the trust store.
  [[nodiscard]] pairing::PairingService& pairing() noexcept { return pairing_; }

  // For sessions: admission against max_sessions.
  [[nodiscard]] bool admit() noexcept;
  void leave() noexcept;

 private:
  NativeServer(ServerConfig config, vdisplay::DisplayService& displays, tls::Identity identity);
  void run(const std::stop_token& stop);
  void reap() PF_EXCLUDES(mutex_);

  ServerConfig config_;
  vdisplay::DisplayService& displays_;
  tls::Identity identity_;
  pairing::PairingService pairing_;
  UniqueFd listen_;
  UniqueFd wake_;
  net::Address bound_;
  std::atomic<std::uint32_t> streaming_{0};
  std::atomic<std::uint64_t> next_id_{1};
  mutable Mutex mutex_;
  std::list<std::unique_ptr<Session>> sessions_ PF_GUARDED_BY(mutex_);
  std::vector<SessionInfo> ended_ PF_GUARDED_BY(mutex_);  // the last few, for reports
  ServerCounters counters_ PF_GUARDED_BY(mutex_);
  std::jthread thread_;  // last
};

}  // namespace pf::session
