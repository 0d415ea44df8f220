// GameStream's control stream (ENet on UDP 47999), sans-I/O: the encrypted
// packet each ENet packet carries, and the messages inside it.
//
// Every ENet packet after the connect is (all little-endian):
//
//   u16 0x0001 · u16 length · u32 seq · tag[16] · ciphertext
//
// where length = 4 (seq) + 16 (tag) + the ciphertext's size, so the whole
// packet is length + 4 bytes. The ciphertext is AES-128-GCM (the /launch
// `rikey`) of {u16 type, u16 payload length, payload}. The IV:
//
//   SS_ENC_CONTROL_V2 (Sunshine-like hosts; the client asks for it):
//     12 bytes, seq little-endian in bytes 0..3, bytes 10..11 'C','C' for
//     client → host and 'H','C' for host → client, zero elsewhere;
//   legacy: 16 bytes, byte 0 = seq & 0xFF, zero elsewhere (both directions
//     alike, and it repeats every 256 packets: the original host's design).
//
// Each side numbers its own packets from 0. ENet may deliver unsequenced
// packets (FEC status, motion) out of order, so the receiver does not
// insist on ascending sequence numbers; ENet itself drops duplicates.
//
// ControlCipher is one endpoint's view: it seals what its role sends and
// opens what its peer sends. Under v2 a packet sealed for the other
// direction (a reflection of our own) is refused as such. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/gamestream/cipher.hpp"

namespace pf::gamestream {

inline constexpr std::uint16_t kEncryptedControlHeaderType = 0x0001;
inline constexpr std::size_t kControlHeaderBytes = 8;       ///< type, length, seq
inline constexpr std::size_t kControlInnerHeaderBytes = 4;  ///< type, payload length
/// The largest payload sealed or opened; the client's own limit is under 256.
inline constexpr std::size_t kMaxControlPayloadBytes = 1024;
inline constexpr std::size_t kControlOverheadBytes =
    kControlHeaderBytes + kGcmTagBytes + kControlInnerHeaderBytes;
inline constexpr std::size_t kMaxControlPacketBytes =
    kControlOverheadBytes + kMaxControlPayloadBytes;

/// Message types, inside the encryption (moonlight-common-c's
/// packetTypesGen7Enc and Sunshine's extensions).
namespace control_type {
// client → host
inline constexpr std::uint16_t kRequestIdr = 0x0302;  ///< also "Start A" right after connect
inline constexpr std::uint16_t kStartB = 0x0307;
inline constexpr std::uint16_t kPing = 0x0200;       ///< every 100 ms, reliable
inline constexpr std::uint16_t kLossStats = 0x0201;  ///< older hosts only
inline constexpr std::uint16_t kInvalidateReferences = 0x0301;
inline constexpr std::uint16_t kLtrAck = 0x0350;
inline constexpr std::uint16_t kInput = 0x0206;  ///< input.hpp decodes the payload
inline constexpr std::uint16_t kFrameFecStatus = 0x5502;
// host → client
inline constexpr std::uint16_t kRumble = 0x010b;
inline constexpr std::uint16_t kTermination = 0x0109;
inline constexpr std::uint16_t kHdrMode = 0x010e;
inline constexpr std::uint16_t kRumbleTriggers = 0x5500;
inline constexpr std::uint16_t kSetMotionEvent = 0x5501;
inline constexpr std::uint16_t kSetRgbLed =
    0x5502;  ///< the same number as FEC status, other direction
inline constexpr std::uint16_t kAdaptiveTriggers = 0x5503;
}  // namespace control_type

/// Termination HRESULTs (big-endian on the wire).
inline constexpr std::uint32_t kTerminationGraceful = 0x80030023;
inline constexpr std::uint32_t kTerminationFrameConversionFailed = 0x800e9403;
inline constexpr std::uint32_t kTerminationProtectedContent = 0x800e9302;

enum class ControlRole : std::uint8_t { unset = 0, host = 1, client = 2 };
enum class ControlIv : std::uint8_t {
  unset = 0,
  legacy = 1,  ///< 16 bytes, byte 0 = seq & 0xFF
  v2 = 2,      ///< SS_ENC_CONTROL_V2: 12 bytes with direction bytes
};

/// One opened message: type and a view of its payload in the caller's
/// plaintext buffer.
struct ControlMessage {
  std::uint16_t type = 0;
  Bytes payload;
  std::uint32_t seq = 0;  ///< the sender's sequence number
};

struct ControlCipherCounters {
  std::uint64_t sealed = 0;
  std::uint64_t opened = 0;
  std::uint64_t malformed = 0;        ///< framing wrong: short, lengths disagree, oversized
  std::uint64_t auth_failed = 0;      ///< forged, corrupted or another key
  std::uint64_t wrong_direction = 0;  ///< sealed for the other direction (v2 only)
};

class ControlCipher {
 public:
  /// invalid_argument for an unset role or IV mode; io from OpenSSL.
  [[nodiscard]] static Result<ControlCipher> create(const AesKey& key, ControlIv iv,
                                                    ControlRole role);

  /// Appends one sealed packet (kControlOverheadBytes + payload.size()
  /// bytes) carrying `type` and `payload`, numbered with this side's next
  /// sequence number. invalid_argument beyond kMaxControlPayloadBytes;
  /// limit_reached once 2^32 packets were sealed (the IV would repeat).
  [[nodiscard]] Status seal(std::uint16_t type, Bytes payload, std::vector<std::uint8_t>& out);

  /// Opens a packet from the peer into `plaintext` (resized; reuse it to
  /// avoid allocating). The message's payload views `plaintext`. Errors,
  /// each counted: malformed (framing: not 0x0001, the length field
  /// disagrees with the packet, shorter than a header, the inner payload
  /// length disagrees, larger than kMaxControlPacketBytes), refused (v2: a
  /// packet this side's role would send), and malformed for a tag that does
  /// not authenticate (the message says which).
  [[nodiscard]] Result<ControlMessage> open(Bytes packet, std::vector<std::uint8_t>& plaintext);

  [[nodiscard]] std::uint32_t next_send_seq() const noexcept {
    return static_cast<std::uint32_t>(send_seq_);
  }
  [[nodiscard]] const ControlCipherCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] ControlRole role() const noexcept { return role_; }

 private:
  ControlCipher(AesGcm gcm, ControlIv iv, ControlRole role) noexcept
      : gcm_(std::move(gcm)), iv_mode_(iv), role_(role) {}

  AesGcm gcm_;
  ControlIv iv_mode_ = ControlIv::unset;
  ControlRole role_ = ControlRole::unset;
  std::uint64_t send_seq_ = 0;
  ControlCipherCounters counters_;
};

/// The IV a packet with `seq` sent by `sender` uses (12 or 16 bytes of the
/// returned array; `size` says which).
struct ControlIvBytes {
  std::array<std::uint8_t, kGcmLegacyIvBytes> bytes{};
  std::size_t size = 0;
  [[nodiscard]] Bytes view() const noexcept { return Bytes(bytes.data(), size); }
};
[[nodiscard]] ControlIvBytes control_iv(ControlIv mode, ControlRole sender,
                                        std::uint32_t seq) noexcept;

// ---- Client → host messages ----------------------------------------------

struct RequestIdr {};
struct StartB {};
struct PeriodicPing {};
/// SS_FRAME_FEC_STATUS (moonlight-common-c Video.h): every field big-endian.
struct FrameFecStatus {
  std::uint32_t frame_index = 0;
  std::uint16_t highest_received_seq = 0;
  std::uint16_t next_contiguous_seq = 0;
  std::uint16_t missing_before_highest = 0;
  std::uint16_t total_data_packets = 0;
  std::uint16_t total_parity_packets = 0;
  std::uint16_t received_data_packets = 0;
  std::uint16_t received_parity_packets = 0;
  std::uint8_t fec_percentage = 0;
  std::uint8_t multi_fec_block_index = 0;
  std::uint8_t multi_fec_block_count = 0;
  friend bool operator==(const FrameFecStatus&, const FrameFecStatus&) = default;
};
inline constexpr std::size_t kFrameFecStatusBytes = 21;
/// Reference frame invalidation: frames first..last (inclusive) are lost.
/// On the wire 24 bytes: LE64 first, LE64 last, 8 zero bytes (the client's
/// SS_RFI_REQUEST lays the same bytes out as LE32 fields with zero halves).
struct InvalidateReferences {
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
};
inline constexpr std::size_t kInvalidateReferencesBytes = 24;
/// SS_LTR_FRAME_ACK: LE32 frame index, LE32 reserved.
struct LtrAck {
  std::uint32_t frame_index = 0;
};
/// An input packet (NV_INPUT_HEADER and body), decoded by input.hpp.
struct InputData {
  Bytes packet;
};
/// Older hosts' loss report; a Sunshine-like host ignores it.
struct LossStats {
  Bytes payload;
};
struct UnknownMessage {
  std::uint16_t type = 0;
  Bytes payload;
};

using ClientMessage = std::variant<RequestIdr, StartB, PeriodicPing, FrameFecStatus, InvalidateReferences,
                                   LtrAck, InputData, LossStats, UnknownMessage>;

/// malformed: a known type whose payload is too short for it, or an
/// invalidation whose range runs backwards. Views point into `m.payload`.
[[nodiscard]] Result<ClientMessage> parse_client_message(const ControlMessage& m);

/// The client's side: a message's type and its payload as the client lays
/// it out (a test client seals these with a client-role ControlCipher).
[[nodiscard]] std::uint16_t type_of(const ClientMessage& m) noexcept;
void append_payload(const ClientMessage& m, std::vector<std::uint8_t>& out);

// ---- Host → client messages ----------------------------------------------

/// Rumble: LE32 junk, LE16 controller, LE16 low-frequency, LE16 high-frequency motor.
struct Rumble {
  std::uint16_t controller = 0;
  std::uint16_t low_freq = 0;
  std::uint16_t high_freq = 0;
};
inline constexpr std::size_t kRumbleBytes = 10;
/// Termination: BE32 HRESULT (the client reads a 4-byte payload as one).
struct Termination {
  std::uint32_t hresult = kTerminationGraceful;
};
/// HDR mode: u8 enabled, then the display's mastering metadata as a
/// Sunshine-like host sends it (LE16 each): primaries R, G, B (x, y, in
/// 1/50000), white point (x, y), max/min display luminance (nits, 1/10000
/// nit), MaxCLL, MaxFALL, max full-frame luminance (nits). A client reads
/// only the fields present; all zero means "unknown".
struct HdrMetadata {
  std::array<std::array<std::uint16_t, 2>, 3> primaries{};
  std::array<std::uint16_t, 2> white_point{};
  std::uint16_t max_display_luminance = 0;
  std::uint16_t min_display_luminance = 0;
  std::uint16_t max_content_light_level = 0;
  std::uint16_t max_frame_average_light_level = 0;
  std::uint16_t max_full_frame_luminance = 0;
  friend bool operator==(const HdrMetadata&, const HdrMetadata&) = default;
};
struct HdrMode {
  bool enabled = false;
  HdrMetadata metadata;
};
inline constexpr std::size_t kHdrModeBytes = 27;
/// Sunshine extension 0x5500: LE16 controller, LE16 left, LE16 right trigger motor.
struct RumbleTriggers {
  std::uint16_t controller = 0;
  std::uint16_t left = 0;
  std::uint16_t right = 0;
};

using HostMessage = std::variant<Rumble, Termination, HdrMode, RumbleTriggers, UnknownMessage>;

[[nodiscard]] std::uint16_t type_of(const HostMessage& m) noexcept;
void append_payload(const HostMessage& m, std::vector<std::uint8_t>& out);
/// The client's side: what a host message says. A 2-byte termination is
/// the old short form (LE16 reason); malformed when too short.
[[nodiscard]] Result<HostMessage> parse_host_message(const ControlMessage& m);

}  // namespace pf::gamestream
