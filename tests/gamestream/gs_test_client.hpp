// A small GameStream client for the end-to-end tests, built from our own
// sans-I/O pieces (pf_gamestream's client sides), speaking to the host the
// way Moonlight does:
//
//   nvhttp   cpp-httplib: HTTP for pairing and serverinfo, HTTPS with the
//            client's certificate for the rest (PairingClient drives /pair);
//   RTSP     one request per TCP connection, read to EOF; sealed with the
//            launch key when /launch said rtspenc://;
//   control  an ENet client (0x30 channels, the SETUP's connect data),
//            messages sealed by a client-role ControlCipher;
//   media    UDP pings to the video and audio ports until data flows, the
//            datagrams into VideoReassembler / AudioReassembler.
//
// gs_test_client.cpp has the nvhttp and RTSP side, gs_test_media.cpp the
// control stream, the media and the client's lifetime.
//
// Threads: the caller's (nvhttp, RTSP and the requests below), and one media
// thread per started stream ("gs-test-media", owned, joined by
// stop_media() and the destructor) that alone touches ENet, the UDP
// sockets, the cipher and the reassemblers. What it saw is read through
// media(); what it should send is queued.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/gamestream/cipher.hpp"
#include "pf/gamestream/control.hpp"
#include "pf/gamestream/pairing.hpp"
#include "pf/gamestream/rtsp.hpp"
#include "pf/gamestream/sdp.hpp"

namespace pf::gstest {

/// An nvhttp answer, read the way clients read it: the root's status_code
/// attribute and `<name>value</name>` elements.
struct Xml {
  int http_status = 0;  ///< 0: no HTTP answer at all
  std::string text;
  [[nodiscard]] int status_code() const;  ///< -1 without one
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
  /// applist: (ID, AppTitle) of every <App>.
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> apps() const;
};

/// How far a pairing got.
struct PairOutcome {
  bool paired = false;       ///< all four steps and the HTTPS pairchallenge said paired=1
  std::string stopped_at;    ///< the step that did not succeed ("" when paired)
  gamestream::ClientFailure client_failure = gamestream::ClientFailure::none;
  Xml last;                  ///< the host's last answer
};

/// What the client asks for in /launch and the ANNOUNCE.
struct StreamRequest {
  std::uint32_t width = 640;
  std::uint32_t height = 480;
  std::uint32_t fps = 30;
  bool rtsp_encryption = true;  ///< corever=1: the host answers rtspenc://
  /// x-ss-general.encryptionEnabled: control v2 | audio by default.
  std::uint32_t encryption = gamestream::kEncryptControlV2 | gamestream::kEncryptAudio;
  std::uint32_t nv_feature_flags = 0x07;  ///< x-nv-general.featureFlags (0x20 would be audio encryption too)
  std::uint32_t packet_size = 1024;
  std::uint32_t bitrate_kbps = 2000;
};

struct RtspAnswer {
  bool answered = false;  ///< false: the host closed without a (readable) answer
  int status = 0;
  std::uint32_t cseq = 0;
  gamestream::Headers headers;
  std::string body;
  [[nodiscard]] std::string header(std::string_view name) const;
};

/// What the media thread saw so far.
struct MediaView {
  bool control_connected = false;
  bool control_disconnected = false;  ///< the ENet connection ended (the host's doing, or drop_control)
  std::uint64_t control_messages = 0;  ///< from the host, opened
  std::uint64_t control_refused = 0;   ///< from the host, not opened or parsed
  std::vector<std::uint32_t> terminations;  ///< HRESULTs of 0x0109 messages
  // video
  std::uint64_t video_datagrams = 0;
  std::uint64_t frames = 0;
  std::uint64_t idr_frames = 0;
  std::uint64_t idr_frames_with_sps = 0;  ///< an SPS NAL (7) before an IDR slice (5)
  std::uint64_t frames_lost = 0;
  std::uint32_t first_frame_index = 0;
  std::uint8_t first_frame_type = 0;
  bool first_frame_has_sps_before_idr = false;
  std::uint32_t last_frame_index = 0;
  std::uint32_t last_idr_index = 0;
  std::uint32_t last_recovery_index = 0;  ///< the last frame of type 5 (after reference invalidation)
  std::uint64_t video_auth_failed = 0;
  std::uint64_t video_corrupt = 0;
  std::uint64_t video_malformed = 0;
  // audio
  std::uint64_t audio_datagrams = 0;
  std::uint64_t audio_packets = 0;
  std::uint64_t audio_celt_packets = 0;  ///< Opus TOC of a CELT-only mode (what the host encodes)
  std::uint64_t audio_lost = 0;
  std::uint64_t audio_decrypt_failed = 0;
};

class GsClient {
 public:
  /// A client with a fresh certificate that will pair with `pin`.
  [[nodiscard]] static Result<std::unique_ptr<GsClient>> create(
      std::string host, std::uint16_t http_port, std::uint16_t https_port, std::string pin,
      gamestream::ServerProofCheck check = gamestream::ServerProofCheck::signature_and_hash);
  ~GsClient();
  GsClient(const GsClient&) = delete;
  GsClient& operator=(const GsClient&) = delete;

  /// The client certificate's fingerprint (how the host knows it).
  [[nodiscard]] const std::string& fingerprint() const noexcept { return fingerprint_; }

  // --- nvhttp
  /// GET http://host:http_port{path}?uniqueid&uuid&{query}.
  [[nodiscard]] Xml http(std::string_view path, std::string_view query = {},
                         std::chrono::seconds timeout = std::chrono::seconds(30));
  /// The same over HTTPS with this client's certificate.
  [[nodiscard]] Xml https(std::string_view path, std::string_view query = {});
  /// The pairing as Moonlight runs it; step 1 waits until the host's
  /// operator enters a PIN (do that from another thread) or gives up.
  [[nodiscard]] PairOutcome pair();
  /// The Desktop app's ID from /applist (0 when missing).
  [[nodiscard]] std::uint32_t desktop_app_id();
  /// /launch (or /resume) with a fresh rikey; on success the key, key id
  /// and RTSP URL are kept for what follows.
  [[nodiscard]] Xml launch(const StreamRequest& stream, std::uint32_t app_id, bool resume = false);
  [[nodiscard]] const std::string& session_url() const noexcept { return session_url_; }

  // --- RTSP (as the last launch said: sealed or plain)
  [[nodiscard]] RtspAnswer rtsp(std::string_view method, std::string_view target,
                                const gamestream::Headers& headers = {}, std::string_view body = {});
  /// The same, forcing the plain or sealed form.
  [[nodiscard]] RtspAnswer rtsp_as(bool sealed, std::string_view method, std::string_view target,
                                   const gamestream::Headers& headers = {}, std::string_view body = {});
  /// Raw bytes to the RTSP port; everything the host sent back before closing.
  [[nodiscard]] std::string rtsp_raw(std::string_view bytes, bool half_close = true);
  /// OPTIONS, DESCRIBE, SETUP ×3, ANNOUNCE, PLAY; every answer must be 200.
  [[nodiscard]] Status handshake(const StreamRequest& stream);

  // --- control and media (after handshake)
  /// Connects the control stream (sending RequestIdr and StartB at once, as
  /// Moonlight does, when `start_messages`) and pings the media ports.
  void start_media(bool start_messages = true);
  void send(const gamestream::ClientMessage& message);
  /// Bytes on the control stream as they are (not sealed).
  void send_raw(std::vector<std::uint8_t> packet);
  /// Ends the ENet connection gracefully, as a client that goes away without /cancel.
  void drop_control();
  /// A second ENet connection to the control port with `connect_data`: true
  /// when the host ends it at once (connect data that names no session).
  [[nodiscard]] bool control_refused(std::uint32_t connect_data);
  [[nodiscard]] std::uint32_t connect_data() const noexcept { return connect_data_; }
  /// Stops the media thread (disconnecting ENet at once if still connected).
  void stop_media();
  [[nodiscard]] MediaView media() const;
  /// Polls media() until `done` or the deadline (a failure guard, not a timing check).
  [[nodiscard]] bool wait_media(const std::function<bool(const MediaView&)>& done,
                                std::chrono::seconds deadline = std::chrono::seconds(60)) const;

 private:
  struct Media;
  GsClient(std::string host, std::uint16_t http_port, std::uint16_t https_port, gamestream::PairingClient pairing);
  [[nodiscard]] std::string common_query() const;
  /// GET path?common query&query with an HTTP or HTTPS client.
  template <typename HttpClient>
  [[nodiscard]] Xml get(HttpClient& c, std::string_view path, std::string_view query) const;
  void run_media(const std::stop_token& stop, bool start_messages);

  std::string host_;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  gamestream::PairingClient pairing_;
  std::string fingerprint_;

  // the last launch and handshake (caller's thread; copied into the media thread before it starts)
  gamestream::AesKey key_{};
  std::uint32_t key_id_ = 0;
  std::string session_url_;
  bool rtsp_sealed_ = false;
  std::uint16_t rtsp_port_ = 0;
  std::uint32_t rtsp_seq_ = 0;
  std::uint32_t cseq_ = 0;
  StreamRequest stream_;
  std::uint16_t video_port_ = 0;
  std::uint16_t audio_port_ = 0;
  std::uint16_t control_port_ = 0;
  std::string ping_payload_;
  std::uint32_t connect_data_ = 0;

  std::unique_ptr<Media> media_;  // shared with the media thread
  std::jthread thread_;
};

}  // namespace pf::gstest
