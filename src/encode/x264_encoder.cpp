// The x264 backend: zerolatency tuning (no look-ahead, no B-frames, sliced
// threads, so every frame comes out of its own encode call as one access
// unit), CBR with a one-frame VBV, an infinite GOP (keyframes only when
// asked or needed), SPS/PPS in front of every IDR, a large DPB so that
// reference invalidation has older frames to fall back on.
#include <stdint.h>  // NOLINT(modernize-deprecated-headers): x264.h needs it first

#include <x264.h>

#include <algorithm>
#include <optional>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "pf/core/unique.hpp"
#include "checks.hpp"
#include "pf/encode/encoder.hpp"

namespace pf::encode {
namespace {

const log::Logger kLog{"x264"};
constexpr int kDpbFrames = 16;  // how far back invalidation can fall back

using X264 = Unique<x264_t*, &x264_encoder_close>;

int csp_of(convert::YuvFormat f) {
  switch (f) {
    case convert::YuvFormat::nv12: return X264_CSP_NV12;
    case convert::YuvFormat::i420: return X264_CSP_I420;
    case convert::YuvFormat::i444: return X264_CSP_I444;
    case convert::YuvFormat::p010: return X264_CSP_NV12 | X264_CSP_HIGH_DEPTH;
    case convert::YuvFormat::unset: break;
  }
  return 0;
}

// x264 takes 10-bit samples in the low bits of 16-bit words; P010 has them
// in the high bits. One shift per sample into a staging frame of ours.
void p010_to_low_bits(const convert::YuvImage& in, const convert::YuvImage& out) {
  for (std::size_t p = 0; p < 2; ++p) {
    const std::uint32_t rows = p == 0 ? in.height : (in.height + 1) / 2;
    const std::uint32_t samples = p == 0 ? in.width : (in.width + 1) / 2 * 2;
    for (std::uint32_t y = 0; y < rows; ++y) {
      const auto* src = in.planes[p].data + std::size_t{in.planes[p].stride_bytes} * y;
      auto* dst = out.planes[p].data + std::size_t{out.planes[p].stride_bytes} * y;
      for (std::uint32_t x = 0; x < samples; ++x) {
        std::uint16_t v;
        std::memcpy(&v, src + std::size_t{x} * 2, 2);
        v = static_cast<std::uint16_t>(v >> 6);
        std::memcpy(dst + std::size_t{x} * 2, &v, 2);
      }
    }
  }
}

class X264Encoder final : public Encoder {
 public:
  X264Encoder(X264 handle, x264_param_t param, EncoderConfig config, std::optional<convert::YuvFrame> staging)
      : x264_(std::move(handle)), param_(param), config_(std::move(config)), staging_(std::move(staging)) {
    caps_ = EncoderCaps{"x264", Codec::h264, config_.intra_refresh_frames == 0, true, true, true};
  }

  Result<AccessUnit> submit(const convert::YuvImage& frame, std::int64_t pts, SubmitFlags flags) override {
    if (auto st = detail::check_frame(frame, config_, "x264"); !st) {
      return tl::unexpected(st.error());
    }
    const TimePoint t0 = steady_clock().now();
    const convert::YuvImage* source = &frame;
    if (staging_) {
      p010_to_low_bits(frame, staging_->view());
      source = &staging_->view();
    }
    x264_picture_t in;
    x264_picture_init(&in);
    in.img.i_csp = csp_of(frame.format);
    in.img.i_plane = frame.format == convert::YuvFormat::nv12 || frame.format == convert::YuvFormat::p010 ? 2 : 3;
    for (int p = 0; p < in.img.i_plane; ++p) {
      in.img.plane[p] = source->planes[static_cast<std::size_t>(p)].data;
      in.img.i_stride[p] = static_cast<int>(source->planes[static_cast<std::size_t>(p)].stride_bytes);
    }
    in.i_pts = pts;
    in.i_type = detail::wants_idr(flags)
                    ? X264_TYPE_IDR
                    : X264_TYPE_AUTO;
    x264_nal_t* nals = nullptr;
    int count = 0;
    x264_picture_t out;
    const int bytes = x264_encoder_encode(x264_.get(), &nals, &count, &in, &out);
    const Nanos took = steady_clock().now() - t0;
    if (bytes < 0) {
      return fail(Errc::io, "x264 failed to encode frame {}", pts);
    }
    if (bytes == 0) {
      return fail(Errc::unsupported, "x264 held frame {} back; the encoder must run without delay", pts);
    }
    // The payloads of one call are contiguous; copy them into our buffer so
    // the access unit outlives x264's next call as documented.
    au_.resize(static_cast<std::size_t>(bytes));
    std::size_t at = 0;
    for (int i = 0; i < count; ++i) {
      std::memcpy(au_.data() + at, nals[i].p_payload, static_cast<std::size_t>(nals[i].i_payload));
      at += static_cast<std::size_t>(nals[i].i_payload);
    }
    last_pts_ = pts;
    return AccessUnit{Bytes(au_.data(), at), out.i_pts, out.b_keyframe != 0, took};
  }

  bool invalidate(std::int64_t first_pts, std::int64_t last_pts) override {
    if (!caps_.reference_invalidation || first_pts > last_pts) {
      return false;
    }
    if (last_pts_ - first_pts >= kDpbFrames) {
      return false;  // nothing older is kept to fall back on
    }
    // x264 forgets first_pts and everything after it, and inserts a
    // keyframe itself when nothing older is left.
    return x264_encoder_invalidate_reference(x264_.get(), first_pts) == 0;
  }

  Status reconfigure(const Reconfigure& change) override {
    x264_param_t p = param_;
    if (change.fps != 0) {
      p.i_fps_num = change.fps;
      p.i_fps_den = 1;
    }
    const std::uint32_t fps = p.i_fps_num / std::max<std::uint32_t>(1, p.i_fps_den);
    if (change.bitrate_kbps != 0) {
      p.rc.i_bitrate = static_cast<int>(change.bitrate_kbps);
      p.rc.i_vbv_max_bitrate = static_cast<int>(change.bitrate_kbps);
    }
    p.rc.i_vbv_buffer_size = std::max(1, p.rc.i_bitrate / static_cast<int>(std::max<std::uint32_t>(1, fps)));
    if (x264_encoder_reconfig(x264_.get(), &p) < 0) {
      return fail(Errc::invalid_argument, "x264 refused {} kb/s at {} fps", p.rc.i_bitrate, fps);
    }
    param_ = p;
    return ok();
  }

  const EncoderCaps& caps() const noexcept override { return caps_; }

 private:
  X264 x264_;
  x264_param_t param_;
  EncoderConfig config_;
  EncoderCaps caps_;
  std::optional<convert::YuvFrame> staging_;  // 10-bit input, low-aligned for x264
  std::vector<std::uint8_t> au_;  // grows to the largest frame, then stays
  std::int64_t last_pts_ = 0;
};

}  // namespace

std::string_view to_string(Codec codec) noexcept {
  switch (codec) {
    case Codec::h264: return "H.264";
    case Codec::hevc: return "HEVC";
    case Codec::av1: return "AV1";
    case Codec::unset: break;
  }
  return "unset";
}

Result<std::unique_ptr<Encoder>> make_x264_encoder(const EncoderConfig& config) {
  if (config.codec != Codec::h264) {
    return fail(Errc::unsupported, "x264 encodes H.264, not {}", to_string(config.codec));
  }
  const int csp = csp_of(config.input);
  if (csp == 0) {
    return fail(Errc::unsupported, "x264 takes NV12, I420, I444 or P010, not {}", convert::to_string(config.input));
  }
  if (auto st = detail::check_config(config, "x264"); !st) {
    return tl::unexpected(st.error());
  }
  x264_param_t p;
  if (x264_param_default_preset(&p, config.preset.c_str(), "zerolatency") < 0) {
    return fail(Errc::invalid_argument, "x264 has no preset '{}'", config.preset);
  }
  const bool ten_bit = config.input == convert::YuvFormat::p010;
  p.i_csp = csp;
  p.i_bitdepth = ten_bit ? 10 : 8;
  p.i_width = static_cast<int>(config.width);
  p.i_height = static_cast<int>(config.height);
  p.i_fps_num = config.fps;
  p.i_fps_den = 1;
  p.i_timebase_num = 1;
  p.i_timebase_den = config.fps;
  p.i_threads = static_cast<int>(config.threads);  // 0 = auto
  p.b_sliced_threads = 1;
  p.i_bframe = 0;
  p.rc.i_lookahead = 0;
  p.i_sync_lookahead = 0;
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
  p.b_repeat_headers = 1;
  p.b_annexb = 1;
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = static_cast<int>(config.bitrate_kbps);
  p.rc.i_vbv_max_bitrate = static_cast<int>(config.bitrate_kbps);
  p.rc.i_vbv_buffer_size = std::max(1, static_cast<int>(config.bitrate_kbps / config.fps));  // one frame
  p.b_intra_refresh = config.intra_refresh_frames > 0 ? 1 : 0;
  if (config.intra_refresh_frames > 0) {
    p.i_keyint_max = static_cast<int>(config.intra_refresh_frames);
  } else {
    p.i_dpb_size = kDpbFrames;
  }
  p.vui.b_fullrange = config.color.range == convert::Range::full ? 1 : 0;
  const detail::ColourCodes codes = detail::h273_codes(config.color.matrix);
  p.vui.i_colorprim = static_cast<int>(codes.primaries);
  p.vui.i_transfer = static_cast<int>(codes.transfer);
  p.vui.i_colmatrix = static_cast<int>(codes.matrix);
  p.i_log_level = X264_LOG_WARNING;
  const char* profile = csp == X264_CSP_I444 ? "high444" : ten_bit ? "high10" : "high";
  if (x264_param_apply_profile(&p, profile) < 0) {
    return fail(Errc::invalid_argument, "x264 cannot apply profile {}", profile);
  }
  X264 handle(x264_encoder_open(&p));
  if (!handle) {
    return fail(Errc::invalid_argument, "x264 would not open {}x{} at {} fps", config.width, config.height,
                config.fps);
  }
  x264_encoder_parameters(handle.get(), &p);
  kLog.debug("x264 {} {}x{} {} fps {} kb/s, {} threads", config.preset, config.width, config.height, config.fps,
             config.bitrate_kbps, p.i_threads);
  std::optional<convert::YuvFrame> staging;
  if (ten_bit) {
    auto frame = convert::YuvFrame::allocate(convert::YuvFormat::p010, config.width, config.height);
    if (!frame) {
      return tl::unexpected(frame.error());
    }
    staging = std::move(*frame);
  }
  return std::unique_ptr<Encoder>(new X264Encoder(std::move(handle), p, config, std::move(staging)));
}

}  // namespace pf::encode
