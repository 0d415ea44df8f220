// GameStream audio on UDP 48000, sans-I/O: Opus packets in, RTP datagrams
// out (AudioPacketizer), and the client's side back (AudioReassembler, for
// our tests and as a fuzzed parser).
//
// On the wire (what Moonlight's AudioStream and RtpAudioQueue read):
//
//   * data: RTP header (12: 0x80, payload type 97, BE16 sequence +1 per
//     packet, BE32 timestamp + packet duration in milliseconds per packet,
//     SSRC 0), then the Opus packet, or with audio encryption its AES-128-CBC
//     ciphertext (PKCS#7; IV = BE32(rikeyid + sequence) and 12 zero bytes);
//   * FEC: every block of 4 data packets whose first sequence number is a
//     multiple of 4 is followed by 2 parity packets: RTP header (0x80,
//     payload type 127, sequence = the block's last + 1 + shard, timestamp
//     0, SSRC 0), AUDIO_FEC_HEADER (12: u8 shard index, u8 payload type 97,
//     BE16 block base sequence, BE32 block base timestamp, BE32 SSRC 0),
//     then the parity of the block's 4 payloads as sent (encrypted, if so):
//     Reed–Solomon over GF(2^8)/0x11D with the fixed matrix
//     {0x77 0x40 0x38 0x0e; 0xc7 0xa7 0x0d 0x6c}, not the video code's
//     Cauchy rows. It needs the 4 payloads to be the same size (CBR Opus):
//     a block whose sizes differ is sent without parity;
//   * a client reads at most 1400 bytes per datagram.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/gamestream/cipher.hpp"

namespace pf::gamestream {

inline constexpr std::size_t kAudioFecHeaderBytes = 12;   ///< AUDIO_FEC_HEADER
inline constexpr std::size_t kMaxAudioDatagramBytes = 1400;  ///< the client's receive buffer
inline constexpr std::uint8_t kRtpAudioPayloadType = 97;
inline constexpr std::uint8_t kRtpAudioFecPayloadType = 127;
inline constexpr std::uint32_t kAudioDataShards = 4;
inline constexpr std::uint32_t kAudioFecShards = 2;

/// The parity rows the client decodes with (row = FEC shard index).
inline constexpr std::array<std::array<std::uint8_t, kAudioDataShards>, kAudioFecShards> kAudioFecMatrix{{
    {0x77, 0x40, 0x38, 0x0e},
    {0xc7, 0xa7, 0x0d, 0x6c},
}};

/// The 16-byte CBC IV of audio packet `sequence`.
[[nodiscard]] AesBlock audio_iv(std::uint32_t rikeyid, std::uint16_t sequence) noexcept;

struct AudioPacketizerConfig {
  bool encrypt = false;       ///< SS_ENC_AUDIO (or featureFlags 0x20)
  AesKey key{};               ///< the session's rikey
  std::uint32_t rikeyid = 0;  ///< /launch's rikeyid, as a 32-bit number
  std::uint32_t packet_duration_ms = 5;  ///< x-nv-aqos.packetDuration
  std::uint16_t first_sequence = 0;  ///< a multiple of 4
  std::uint32_t first_timestamp = 0;
};

struct AudioPacketizerCounters {
  std::uint64_t packets = 0;
  std::uint64_t fec_packets = 0;
  std::uint64_t fec_blocks_skipped = 0;  ///< payload sizes differed within the block
  std::uint64_t bytes = 0;
};

/// One per audio stream and thread; buffers are reused, so steady state
/// allocates nothing.
class AudioPacketizer {
 public:
  /// invalid_argument for a first sequence that is not a multiple of 4 or a
  /// zero packet duration.
  [[nodiscard]] static Result<AudioPacketizer> create(const AudioPacketizerConfig& config);

  AudioPacketizer(AudioPacketizer&&) noexcept;
  AudioPacketizer& operator=(AudioPacketizer&&) noexcept;
  ~AudioPacketizer();

  /// The data datagram, followed by the block's 2 FEC datagrams when it is
  /// the 4th of its block; valid until the next call. invalid_argument for
  /// an empty packet, overflow for one whose datagram would exceed 1400
  /// bytes (nothing is sent and no sequence number is used).
  [[nodiscard]] Result<std::span<const Bytes>> packetize(Bytes opus_packet);

  [[nodiscard]] const AudioPacketizerCounters& counters() const noexcept;

 private:
  struct State;
  explicit AudioPacketizer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct AudioReassemblerConfig {
  bool encrypted = false;
  AesKey key{};
  std::uint32_t rikeyid = 0;
  std::uint32_t packet_duration_ms = 5;
  std::uint16_t first_sequence = 0;  ///< the first packet expected, a multiple of 4
  /// FEC blocks kept open; a packet this many blocks ahead of the oldest
  /// missing one gives that one up.
  std::uint32_t max_blocks_in_flight = 4;
};

struct ReassembledAudioPacket {
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  bool recovered = false;  ///< rebuilt from FEC
  Bytes opus{};            ///< valid only during on_packet
};

class AudioPacketSink {
 public:
  virtual void on_packet(const ReassembledAudioPacket& packet) = 0;
  /// Packets first .. first + count − 1 (mod 2^16) will never come: conceal.
  virtual void on_lost(std::uint16_t first, std::uint32_t count) = 0;

 protected:
  ~AudioPacketSink() = default;
};

struct AudioReassemblerCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t malformed = 0;
  std::uint64_t late = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t inconsistent = 0;     ///< FEC shard of another size or header than its block's
  std::uint64_t decrypt_failed = 0;   ///< reported lost
  std::uint64_t packets_delivered = 0;
  std::uint64_t packets_recovered = 0;
  std::uint64_t packets_lost = 0;
};

/// Datagrams in any order; Opus packets out in sequence order, each once,
/// or reported lost. Up to 2 lost packets of a block are rebuilt from its
/// FEC packets. A block is given up (its missing packets reported lost)
/// once a packet arrives 2 or more blocks ahead of it, or when the limit on
/// open blocks forces it out, or on flush(). Not thread-safe.
class AudioReassembler {
 public:
  [[nodiscard]] static Result<AudioReassembler> create(const AudioReassemblerConfig& config);

  AudioReassembler(AudioReassembler&&) noexcept;
  AudioReassembler& operator=(AudioReassembler&&) noexcept;
  ~AudioReassembler();

  void receive(Bytes datagram, AudioPacketSink& sink);
  /// Delivers or reports lost everything up to the newest block seen.
  void flush(AudioPacketSink& sink);

  [[nodiscard]] const AudioReassemblerCounters& counters() const noexcept;

 private:
  struct State;
  explicit AudioReassembler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pf::gamestream
