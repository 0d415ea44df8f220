// The native control plane's messages (sans-I/O: bytes in, bytes out).
//
// One TLS 1.3 stream per session carries them, each framed as
//   u32 body bytes · u16 type · u16 flags (0) · body
// little-endian, the body at most kMaxBodyBytes. The client opens with
// Hello; the host answers Welcome (or Reject); the client sends Start once
// its data socket is ready; then either side sends the rest at any time.
//
// Size-tolerant tails: each body has a minimum size (its first version).
// Fields appended later are read when present and are 0 (empty) when
// absent; bytes beyond what this version knows are ignored and counted.
// Types are only ever appended and a field's meaning never changes; a type
// this version does not know is skipped and counted, not an error.
//
// Welcome carries the session's data-plane key and salt: never log it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::control {

inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::uint16_t kMinProtocolVersion = 1;
inline constexpr std::uint32_t kHelloMagic = 0x31464B50;  ///< "PKF1"
inline constexpr std::size_t kEnvelopeBytes = 8;
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024;
inline constexpr std::size_t kMaxNameBytes = 64;

enum class MessageType : std::uint16_t {
  unset = 0,
  hello = 1,              ///< client → host
  welcome = 2,            ///< host → client
  start = 3,              ///< client → host
  reconfigure = 4,        ///< client → host: a new mode
  reconfigured = 5,       ///< host → client
  set_bitrate = 6,        ///< client → host
  bitrate_changed = 7,    ///< host → client
  request_keyframe = 8,   ///< client → host
  invalidate_frames = 9,  ///< client → host: frames it lost
  loss_report = 10,       ///< client → host, periodic: drives the FEC percentage
  clock_probe = 11,       ///< client → host
  clock_echo = 12,        ///< host → client
  stats = 13,             ///< client → host, periodic
  goodbye = 14,           ///< either way
  reject = 15,            ///< host → client, instead of Welcome
  host_stats = 16,        ///< host → client, periodic: the host's per-stage latency
  // pairing (pf/pairing/spake2.hpp): sent instead of Hello on a connection that pairs
  pair_request = 17,    ///< client → host: SPAKE2 element X, the client's name
  pair_challenge = 18,  ///< host → client: element Y and the host's key confirmation
  pair_proof = 19,      ///< client → host: the client's key confirmation
  pair_result = 20,     ///< host → client: the outcome; the connection then ends
  knock = 21,           ///< client → host: ask the operator to approve this client (no PIN)
  pair_pending = 22,    ///< host → client: the knock waits for the operator
  access_notice = 23,   ///< host → client: the grant ends soon
  rumble = 24,          ///< host → client: a game set a pad's motors
};

/// Video codecs, as a bit set in Hello and one value in Welcome.
enum class Codec : std::uint8_t { unset = 0, h264 = 1, hevc = 2, av1 = 4 };

struct Mode {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;  ///< millihertz: 59940 = 59.94 Hz
  friend bool operator==(const Mode&, const Mode&) = default;
};

/// What the session's display shows (Welcome), so a client knows whether it
/// can verify frames against the synthetic pattern.
enum class DisplaySource : std::uint8_t { unset = 0, synthetic = 1, xvfb = 2, wlroots = 3 };

struct Hello {
  std::uint32_t magic = kHelloMagic;
  std::uint16_t version = kProtocolVersion;
  std::uint16_t min_version = kMinProtocolVersion;
  std::uint32_t codecs = 0;        ///< bit set of Codec
  Mode mode;
  std::uint32_t bitrate_kbps = 0;  ///< 0 = the host's default
  // tail (protocol 1)
  std::uint8_t audio_channels = 0;    ///< 0: no sound; 2, 6 (5.1) or 8 (7.1)
  std::uint16_t max_shard_bytes = 0;  ///< 0 = no limit beyond the path's
  std::string name;                   ///< at most kMaxNameBytes
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct Welcome {
  std::uint64_t session_id = 0;
  std::uint16_t version = kProtocolVersion;
  Codec codec = Codec::unset;
  Mode mode;
  std::uint16_t data_port = 0;
  std::array<std::uint8_t, 16> key{};  ///< AES-128-GCM key of the data plane (secret)
  std::array<std::uint8_t, 4> salt{};
  std::uint8_t fec_scheme = 0;         ///< fec::Scheme
  std::uint8_t fec_pct = 0;            ///< the starting parity percentage
  std::uint16_t shard_bytes = 0;
  std::uint32_t first_frame_index = 0;
  std::uint32_t bitrate_kbps = 0;
  // tail (protocol 1)
  DisplaySource source = DisplaySource::unset;  ///< synthetic: frames carry a verifiable stamp
  /// Sound (stream 3): 0 channels when the session has none. The Opus
  /// multistream layout the client's decoder is built from.
  std::uint8_t audio_channels = 0;
  std::uint8_t audio_streams = 0;
  std::uint8_t audio_coupled = 0;
  std::array<std::uint8_t, 8> audio_mapping{};
  std::uint32_t audio_bitrate_kbps = 0;
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

struct Start {
  std::uint16_t client_data_port = 0;  ///< 0: the host answers where the first datagram came from
  friend bool operator==(const Start&, const Start&) = default;
};
struct Reconfigure {
  Mode mode;
  friend bool operator==(const Reconfigure&, const Reconfigure&) = default;
};
struct Reconfigured {
  std::uint8_t accepted = 0;
  Mode mode;  ///< the mode now streaming
  friend bool operator==(const Reconfigured&, const Reconfigured&) = default;
};
struct SetBitrate {
  std::uint32_t kbps = 0;
  friend bool operator==(const SetBitrate&, const SetBitrate&) = default;
};
struct BitrateChanged {
  std::uint32_t kbps = 0;
  friend bool operator==(const BitrateChanged&, const BitrateChanged&) = default;
};
struct RequestKeyframe {
  friend bool operator==(const RequestKeyframe&, const RequestKeyframe&) = default;
};
struct InvalidateFrames {
  std::uint32_t first = 0;  ///< inclusive, frame indices
  std::uint32_t last = 0;
  friend bool operator==(const InvalidateFrames&, const InvalidateFrames&) = default;
};
struct LossReport {
  std::uint32_t loss_ppm = 0;  ///< packets lost before repair, per million, since the last report
  std::uint32_t frames_lost = 0;
  std::uint32_t frames_recovered = 0;
  friend bool operator==(const LossReport&, const LossReport&) = default;
};
/// Clock sync: offset = ((t2 − t1) + (t3 − t4)) / 2, round trip = (t4 − t1) − (t3 − t2).
struct ClockProbe {
  std::uint64_t t1_ns = 0;  ///< client send time
  friend bool operator==(const ClockProbe&, const ClockProbe&) = default;
};
struct ClockEcho {
  std::uint64_t t1_ns = 0;
  std::uint64_t t2_ns = 0;  ///< host receive time
  std::uint64_t t3_ns = 0;  ///< host send time
  friend bool operator==(const ClockEcho&, const ClockEcho&) = default;
};
struct Stats {
  std::uint32_t frames_decoded = 0;
  std::uint32_t frames_corrupt = 0;
  std::uint32_t frames_lost = 0;
  std::uint32_t e2e_p50_us = 0;
  std::uint32_t e2e_p99_us = 0;
  std::uint32_t decode_p50_us = 0;
  friend bool operator==(const Stats&, const Stats&) = default;
};
enum class GoodbyeReason : std::uint8_t {
  unset = 0,
  quit = 1,
  error = 2,
  idle = 3,
  replaced = 4,
  access_expired = 5,  ///< host → client: the client's grant ran out
  revoked = 6,         ///< host → client: the operator unpaired the client
  stopped = 7,         ///< host → client: the operator ended the session
};
struct Goodbye {
  GoodbyeReason reason = GoodbyeReason::unset;  ///< quit: the host skips the display's linger
  friend bool operator==(const Goodbye&, const Goodbye&) = default;
};
enum class RejectReason : std::uint8_t {
  unset = 0,
  version = 1,      ///< no protocol version in common
  busy = 2,         ///< max_sessions reached
  bad_request = 3,
  not_allowed = 4,  ///< the client's certificate is not trusted
  access_expired = 5,  ///< the client's grant has expired
};
struct Reject {
  RejectReason reason = RejectReason::unset;
  std::string detail;  ///< for people; at most kMaxNameBytes · 4
  friend bool operator==(const Reject&, const Reject&) = default;
};

/// The host's view of the last reporting window (about a second): latency
/// per stage as p50/p99 in µs, and what recovery did. host_* is capture →
/// last packet handed to the kernel.
struct HostStats {
  std::uint32_t frames = 0;
  std::uint32_t capture_wait_p50_us = 0, capture_wait_p99_us = 0;
  std::uint32_t convert_p50_us = 0, convert_p99_us = 0;
  std::uint32_t encode_p50_us = 0, encode_p99_us = 0;
  std::uint32_t packetize_p50_us = 0, packetize_p99_us = 0;  ///< packetize + FEC + seal
  std::uint32_t send_p50_us = 0, send_p99_us = 0;            ///< pace + send
  std::uint32_t host_p50_us = 0, host_p99_us = 0;
  std::uint32_t keyframes = 0;      ///< since the session started
  std::uint32_t invalidations = 0;  ///< reference invalidations that spared an IDR
  std::uint32_t fec_pct = 0;        ///< the parity percentage in use
  friend bool operator==(const HostStats&, const HostStats&) = default;
};

inline constexpr std::size_t kPairElementBytes = 32;
inline constexpr std::size_t kPairConfirmBytes = 32;

struct PairRequest {
  std::array<std::uint8_t, kPairElementBytes> element{};  ///< SPAKE2 X
  std::string name;                                       ///< at most kMaxNameBytes
  friend bool operator==(const PairRequest&, const PairRequest&) = default;
};
struct PairChallenge {
  std::array<std::uint8_t, kPairElementBytes> element{};  ///< SPAKE2 Y
  std::array<std::uint8_t, kPairConfirmBytes> confirm{};  ///< the host's key confirmation
  friend bool operator==(const PairChallenge&, const PairChallenge&) = default;
};
struct PairProof {
  std::array<std::uint8_t, kPairConfirmBytes> confirm{};  ///< the client's key confirmation
  friend bool operator==(const PairProof&, const PairProof&) = default;
};
enum class PairOutcome : std::uint8_t {
  unset = 0,
  paired = 1,          ///< the host now trusts this client's certificate
  wrong_pin = 2,       ///< key confirmation failed: a wrong PIN, or someone in between
  not_armed = 3,       ///< no pairing window is open (expired, used, or never armed)
  locked = 4,          ///< too many wrong attempts: the window closed
  busy = 5,            ///< another pairing or too many knocks in progress
  denied = 6,          ///< the operator denied the knock
  timeout = 7,         ///< nobody answered the knock in time
  not_for_you = 8,     ///< the window is armed for another client's fingerprint
  malformed = 9,       ///< the request made no sense
  already_paired = 10, ///< this certificate is paired already
};
struct PairResult {
  PairOutcome outcome = PairOutcome::unset;
  std::uint8_t access = 0;  ///< pairing::Access granted (paired, already_paired)
  std::string detail;       ///< for people; at most kMaxNameBytes · 4
  friend bool operator==(const PairResult&, const PairResult&) = default;
};
struct Knock {
  std::string name;  ///< at most kMaxNameBytes
  friend bool operator==(const Knock&, const Knock&) = default;
};
struct PairPending {
  std::uint64_t request_id = 0;  ///< what the operator approves or denies
  std::uint32_t wait_s = 0;      ///< how long the host keeps it
  friend bool operator==(const PairPending&, const PairPending&) = default;
};
struct AccessNotice {
  std::uint8_t access = 0;         ///< pairing::Access in force
  std::uint32_t seconds_left = 0;  ///< until the grant expires
  std::string detail;              ///< for people
  friend bool operator==(const AccessNotice&, const AccessNotice&) = default;
};

/// The motors of the client's pad `pad` (its pad_arrival index) as a game
/// on the host set them: magnitudes 0–65535 (strong = low frequency) for
/// `duration_ms` (0: until the next Rumble); all 0 = stop.
struct Rumble {
  std::uint8_t pad = 0;
  std::uint16_t strong = 0;
  std::uint16_t weak = 0;
  std::uint32_t duration_ms = 0;
  friend bool operator==(const Rumble&, const Rumble&) = default;
};

[[nodiscard]] std::string_view to_string(PairOutcome outcome) noexcept;
/// In words, for people: "access expired".
[[nodiscard]] std::string_view to_string(GoodbyeReason reason) noexcept;

using Message = std::variant<Hello, Welcome, Start, Reconfigure, Reconfigured, SetBitrate, BitrateChanged,
                             RequestKeyframe, InvalidateFrames, LossReport, ClockProbe, ClockEcho, Stats,
                             Goodbye, Reject, HostStats, PairRequest, PairChallenge, PairProof, PairResult,
                             Knock, PairPending, AccessNotice, Rumble>;

[[nodiscard]] MessageType type_of(const Message& message) noexcept;
[[nodiscard]] std::string_view to_string(MessageType type) noexcept;

/// Appends one framed message to `out`. invalid_argument if a string is too long.
[[nodiscard]] Status encode(const Message& message, std::vector<std::uint8_t>& out);

struct Decoded {
  Message message;
  std::size_t ignored_tail_bytes = 0;  ///< body bytes from a newer peer that this version skips
};

/// Decodes one body of a known type. Errors: malformed (short of the
/// minimum, bad magic, a string over its limit), unsupported (unknown type).
[[nodiscard]] Result<Decoded> decode_body(MessageType type, Bytes body);

/// Cuts the TLS byte stream into messages.
class StreamDecoder {
 public:
  enum class Outcome : std::uint8_t {
    unset = 0,
    message = 1,    ///< `message` holds the next one
    need_more = 2,  ///< feed more bytes
    skipped = 3,    ///< a well-framed message this version cannot use (unknown type or bad body), counted
    fatal = 4,      ///< the framing itself is broken (oversized body, nonzero flags): close the connection
  };
  struct Next {
    Outcome outcome = Outcome::unset;
    Decoded message;
  };

  /// Appends what one read returned; drain next() until need_more before
  /// feeding again, so the buffer holds at most one read plus one partial
  /// message.
  void feed(Bytes bytes);
  [[nodiscard]] Next next();

  [[nodiscard]] std::uint64_t unknown_types() const noexcept { return unknown_types_; }
  [[nodiscard]] std::uint64_t malformed() const noexcept { return malformed_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size() - read_; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t read_ = 0;
  bool broken_ = false;
  std::uint64_t unknown_types_ = 0;
  std::uint64_t malformed_ = 0;
};

}  // namespace pf::control
