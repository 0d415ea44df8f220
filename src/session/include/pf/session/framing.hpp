// How a session's encoded media leaves as datagrams. The pipelines own
// capture, conversion, encoding, pacing and the socket; a framer owns one
// protocol's packet format: the native data plane (transport::Packetizer,
// sealed, adaptive parity) or GameStream's RTP. A framer is used by one
// pipeline thread only; the datagrams it returns are valid until its next
// call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/aead.hpp"
#include "pf/transport/packetizer.hpp"

namespace pf::session {

struct EncodedVideoFrame {
  Bytes access_unit;
  std::uint32_t frame_index = 0;  ///< the pipeline's count, from 0
  std::uint64_t capture_ns = 0;   ///< steady clock; 0 = unknown
  std::uint64_t source_frame_id = 0;
  bool keyframe = false;
  /// Set on a recovery point: the frame references nothing from this frame index on.
  std::optional<std::uint32_t> recovers_from;
};

class VideoFramer {
 public:
  virtual ~VideoFramer() = default;
  [[nodiscard]] virtual Result<std::span<const Bytes>> frame(const EncodedVideoFrame& frame) = 0;
  /// The client's loss before repair, in parts per million.
  virtual void on_loss_report(std::uint32_t loss_ppm) = 0;
  /// The parity percentage the last frame got.
  [[nodiscard]] virtual std::uint32_t fec_pct() const noexcept = 0;
};

class AudioFramer {
 public:
  virtual ~AudioFramer() = default;
  /// One encoded frame (sequence from 0) → its datagrams.
  [[nodiscard]] virtual Result<std::span<const Bytes>> frame(Bytes packet, std::uint32_t sequence,
                                                             std::uint64_t capture_ns) = 0;
};

/// The native data plane: the 16-byte video info before the access unit,
/// stream 1, parity from `fec_pct` (0: adaptive to the client's loss).
[[nodiscard]] Result<std::unique_ptr<VideoFramer>> native_video_framer(const transport::SenderConfig& config,
                                                                       const crypto::SessionKey& key,
                                                                       std::uint32_t fec_pct);
/// The native data plane's stream 3: one sealed packet per frame carrying
/// the previous frame too when `redundancy` is set.
[[nodiscard]] Result<std::unique_ptr<AudioFramer>> native_audio_framer(std::uint32_t shard_bytes,
                                                                       const crypto::SessionKey& key,
                                                                       bool redundancy);

}  // namespace pf::session
