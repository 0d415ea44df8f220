// One client's session (see server.hpp): owns the control connection's
// thread and, once streaming, the video pipeline.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "pf/core/thread_annotations.hpp"
#include "pf/net/control_stream.hpp"
#include "pf/net/udp.hpp"
#include "pf/pairing/trust_store.hpp"
#include "pf/session/server.hpp"
#include "pf/transport/packet.hpp"
#include "pf/transport/reassembler.hpp"
#include "pf/session/audio_pipeline.hpp"
#include "pf/session/video_pipeline.hpp"

namespace pf::session {

class Session {
 public:
  Session(std::uint64_t id, net::ControlStream stream, const ServerConfig& config,
          vdisplay::DisplayService& displays, NativeServer& server);
  ~Session();  // ends the session (Goodbye) and joins its threads
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }
  /// A knock parked until the operator answers (not counted against the connection limit).
  [[nodiscard]] bool waiting_for_approval() const noexcept { return knocking_.load(std::memory_order_relaxed); }
  [[nodiscard]] SessionInfo info() const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  /// false when the session is not streaming.
  [[nodiscard]] bool command(const SessionCommand& command) PF_EXCLUDES(mutex_);

 private:
  enum class End : std::uint8_t { unset = 0, quit, disconnected, idle, error, shutdown, access_expired, revoked, stopped };
  void run(const std::stop_token& stop);
  /// Handshake, Hello, display, Welcome, Start, first datagram; false ends the session.
  [[nodiscard]] bool establish(const std::stop_token& stop);
  [[nodiscard]] bool reject(control::RejectReason reason, std::string detail);
  /// The session's sound when the host has a sound server and the client
  /// asked for channels; without, the session streams silent (logged).
  void open_audio(unsigned channels, std::size_t shard_bytes);
  End stream(const std::stop_token& stop);
  // session_access.cpp: a connection that pairs instead of streaming, and
  // the grant of one that streams.
  void pair_with_pin(const control::PairRequest& request);
  void wait_for_approval(const control::Knock& knock, const std::stop_token& stop);
  /// The trust decision for a Hello: true admits (access_ set).
  [[nodiscard]] bool admit_client();
  /// Once a second while streaming: revocation, access changes, expiry warnings.
  [[nodiscard]] End check_access();
  [[nodiscard]] bool handle(const control::Message& message, TimePoint received, End& end);
  void receive_feedback(TimePoint now);
  /// An input datagram's events: through the access check into the display.
  void handle_input(Bytes payload);
  void post(control::Message message) PF_EXCLUDES(mutex_);
  void drain_outbox() PF_EXCLUDES(mutex_);
  void finish(End end) PF_EXCLUDES(mutex_);
  /// The operator's commands queued by command(); true: stop the session.
  [[nodiscard]] bool run_commands() PF_EXCLUDES(mutex_);
  void emit(std::string type, std::string extra) const;
  [[nodiscard]] std::optional<vdisplay::Mode> valid_mode(const control::Mode& mode) const;

  const std::uint64_t id_;
  net::ControlStream stream_;
  const ServerConfig& config_;
  vdisplay::DisplayService& displays_;
  NativeServer& server_;
  UniqueFd wake_;

  // control thread state
  bool admitted_ = false;
  std::optional<vdisplay::OpenedDisplay> display_;
  std::optional<net::UdpSocket> socket_;
  std::optional<transport::Reassembler> feedback_;
  net::UdpReceiver receiver_{16, transport::kMaxDatagramBytes};
  std::optional<crypto::SessionKey> key_;
  net::Address client_;
  TimePoint last_heard_{};
  std::uint64_t unexpected_ = 0;
  std::uint64_t unexpected_datagrams_ = 0;
  StageStats stats_;
  std::unique_ptr<VideoPipeline> video_;
  std::unique_ptr<AudioPipeline> audio_;  ///< null: no sound in this session
  std::string fingerprint_;
  bool paired_ = false;  ///< admitted by the trust store (not by allow_tofu)
  pairing::Access access_ = pairing::Access::unset;
  std::int64_t expires_at_ = 0;       ///< Unix seconds; 0 = never
  std::size_t warnings_given_ = 0;    ///< of config_.expiry_warnings
  InputCounters input_;

  mutable Mutex mutex_;
  std::vector<control::Message> outbox_ PF_GUARDED_BY(mutex_);
  std::optional<std::string> fatal_ PF_GUARDED_BY(mutex_);
  SessionCommand pending_ PF_GUARDED_BY(mutex_);
  bool streaming_ PF_GUARDED_BY(mutex_) = false;
  SessionInfo info_ PF_GUARDED_BY(mutex_);
  std::atomic<bool> ended_{false};
  std::atomic<bool> knocking_{false};
  std::jthread thread_;  // last
};

}  // namespace pf::session
