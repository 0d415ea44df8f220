// An audio datagram's payload (stream 3 of the data plane, sans-I/O).
//
// Each 5 ms Opus frame travels as a one-shard "frame" of stream 3: the
// packet header's frame_index is the audio sequence number and capture_ns
// the capture time of the frame's first sample. The payload:
//
//   u8 version (1) · u8 flags (bit 0: a redundant frame follows)
//   u16 primary bytes · primary Opus packet
//   [u16 redundant bytes · the previous frame's Opus packet]
//
// little-endian. The redundant copy lets a client replace a single lost
// frame exactly instead of concealing it. Every length is checked against
// what the datagram holds; an empty primary packet is malformed.
#pragma once

#include <cstdint>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::audio {

inline constexpr std::uint8_t kAudioPayloadVersion = 1;
inline constexpr std::uint8_t kFlagRedundant = 0x01;

struct AudioPayload {
  Bytes primary;
  Bytes redundant;  ///< the previous frame's packet, or empty
};

/// Replaces `out` with the payload.
void write_audio_payload(Bytes primary, Bytes redundant, std::vector<std::uint8_t>& out);

/// Views into `payload`; malformed with the reason.
[[nodiscard]] Result<AudioPayload> read_audio_payload(Bytes payload);

}  // namespace pf::audio
