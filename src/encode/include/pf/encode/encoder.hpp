// The encoder contract: every video encoder backend (x264, x265, NVENC;
// open_encoder() in open.hpp chooses) implements Encoder exactly as written here.
//
// Threads: an Encoder belongs to one session's encode thread. Every call
// (submit, invalidate, reconfigure, caps) comes from that thread; none may
// run concurrently. Backends may run their own worker threads inside
// submit() (x264's sliced threads) but join them before it returns.
//
// Input ownership: submit() borrows the frame only for the call. The
// backend copies or consumes it before returning; the caller may reuse the
// buffer at once (it is the conversion out-ring's slot).
//
// Output ownership: the AccessUnit's bytes belong to the encoder and stay
// valid until the next call on it (submit, reconfigure, invalidate) or its
// destruction. The caller packetises them before then.
//
// Output: one access unit per submitted frame (no frame is held back: the
// backends run with zero look-ahead and no B-frames), in Annex-B form (start
// codes), carrying the frame's pts, whether it is a keyframe (IDR, with
// SPS/PPS in front of it), and the time the encode took.
//
// Timestamps: pts is the frame's index in the stream, one more per frame
// (the capture time travels separately, in the packet headers).
//
// Loss recovery: invalidate(first, last) tells the encoder the client lost
// the frames with those pts. true: the next frames reference only older,
// intact frames (or the backend inserts a keyframe of its own), and the
// client can go on without an IDR. false: the backend could not; the caller
// must submit the next frame with SubmitFlags::force_idr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pf/convert/convert.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::encode {

enum class Codec : std::uint8_t { unset = 0, h264 = 1, hevc = 2, av1 = 3 };
[[nodiscard]] std::string_view to_string(Codec codec) noexcept;

enum class SubmitFlags : std::uint32_t {
  none = 0,
  force_idr = 1,  ///< this frame becomes an IDR with parameter sets in front
};

struct EncoderConfig {
  Codec codec = Codec::h264;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t fps = 60;
  std::uint32_t bitrate_kbps = 20'000;
  convert::YuvFormat input = convert::YuvFormat::nv12;
  convert::ColorSpec color{};
  std::string preset = "ultrafast";  ///< the backend's speed preset
  std::uint32_t threads = 0;         ///< 0 = as many as cores
  /// Periodic intra refresh instead of keyframes (0 = off). Incompatible
  /// with reference invalidation: invalidate() then returns false.
  std::uint32_t intra_refresh_frames = 0;
};

/// What may change on a running encoder (0 = keep).
struct Reconfigure {
  std::uint32_t bitrate_kbps = 0;
  std::uint32_t fps = 0;
};

struct EncoderCaps {
  std::string name;  ///< "x264", "nvenc"
  Codec codec = Codec::unset;
  bool reference_invalidation = false;
  bool intra_refresh = false;
  bool ten_bit = false;
  bool yuv444 = false;
};

/// One encoded frame; the bytes are the encoder's (see the contract above).
struct AccessUnit {
  Bytes data;  ///< Annex-B
  std::int64_t pts = 0;
  bool keyframe = false;
  Nanos encode_time{};
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  [[nodiscard]] virtual Result<AccessUnit> submit(const convert::YuvImage& frame, std::int64_t pts,
                                                  SubmitFlags flags = SubmitFlags::none) = 0;
  [[nodiscard]] virtual bool invalidate(std::int64_t first_pts, std::int64_t last_pts) = 0;
  [[nodiscard]] virtual Status reconfigure(const Reconfigure& change) = 0;
  [[nodiscard]] virtual const EncoderCaps& caps() const noexcept = 0;
};

/// The x264 backend (H.264; 8-bit NV12, I420, I444; 10-bit from P010).
[[nodiscard]] Result<std::unique_ptr<Encoder>> make_x264_encoder(const EncoderConfig& config);

/// The x265 backend (HEVC; 8-bit I420, I444). No reference invalidation.
[[nodiscard]] Result<std::unique_ptr<Encoder>> make_x265_encoder(const EncoderConfig& config);

}  // namespace pf::encode
