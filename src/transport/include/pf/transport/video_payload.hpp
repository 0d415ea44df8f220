// What a video frame's bytes are: a small info block, then the encoder's
// access unit (Annex-B).
//
//   u16 info bytes (≥ 16; a newer sender may append fields, skipped here)
//   u16 reserved (0)
//   u32 recovers_from   valid with kFlagRecoveryPoint: this frame and the
//                       ones after it reference no frame with an index at
//                       or above this one that came before it (the host
//                       invalidated them), so a client that lost frame L
//                       may resume here if recovers_from ≤ L
//   u64 source_frame_id the display's frame id (the synthetic stamp's)
#pragma once

#include <cstdint>
#include <optional>

#include "pf/core/span_io.hpp"

namespace pf::transport {

inline constexpr std::size_t kVideoInfoBytes = 16;

struct VideoFrameInfo {
  std::uint32_t recovers_from = 0;
  std::uint64_t source_frame_id = 0;
  friend bool operator==(const VideoFrameInfo&, const VideoFrameInfo&) = default;
};

/// Writes kVideoInfoBytes to the front of `out` (at least that long).
void write_video_info(const VideoFrameInfo& info, MutableBytes out) noexcept;

struct VideoPayload {
  VideoFrameInfo info;
  Bytes access_unit;
};
/// Splits a reassembled frame; nullopt when the info block is short or
/// claims more bytes than the frame has.
[[nodiscard]] std::optional<VideoPayload> read_video_payload(Bytes frame) noexcept;

}  // namespace pf::transport
