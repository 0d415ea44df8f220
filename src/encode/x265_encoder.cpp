// The x265 backend (HEVC): the same low-latency shape as x264 — zerolatency
// tuning (no look-ahead, no B-frames, one frame thread, so each submit()
// returns its own access unit), CBR with a one-frame VBV, an infinite GOP,
// VPS/SPS/PPS with every IDR. x265 takes planar input only (I420, I444)
// and has no reference invalidation: invalidate() answers false, so the
// caller forces an IDR after loss.
#include <stdint.h>  // NOLINT(modernize-deprecated-headers): x265.h needs it first

#include <x265.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "pf/core/unique.hpp"
#include "checks.hpp"
#include "pf/encode/encoder.hpp"

namespace pf::encode {
namespace {

using X265 = Unique<x265_encoder*, &x265_encoder_close>;
using X265Param = Unique<x265_param*, &x265_param_free>;

int csp_of(convert::YuvFormat f) {
  switch (f) {
    case convert::YuvFormat::i420: return X265_CSP_I420;
    case convert::YuvFormat::i444: return X265_CSP_I444;
    case convert::YuvFormat::nv12:
    case convert::YuvFormat::p010:
    case convert::YuvFormat::unset: break;
  }
  return -1;
}

void set_rate(x265_param& p, std::uint32_t kbps, std::uint32_t fps) {
  p.rc.bitrate = static_cast<int>(kbps);
  p.rc.vbvMaxBitrate = static_cast<int>(kbps);
  p.rc.vbvBufferSize = std::max(1, static_cast<int>(kbps / std::max<std::uint32_t>(1, fps)));  // one frame
}

class X265Encoder final : public Encoder {
 public:
  X265Encoder(X265 handle, X265Param param, EncoderConfig config)
      : x265_(std::move(handle)), param_(std::move(param)), config_(std::move(config)) {
    caps_ = EncoderCaps{"x265", Codec::hevc, false, false, false, true};
  }

  Result<AccessUnit> submit(const convert::YuvImage& frame, std::int64_t pts, SubmitFlags flags) override {
    if (auto st = detail::check_frame(frame, config_, "x265"); !st) {
      return tl::unexpected(st.error());
    }
    x265_picture in;
    x265_picture_init(param_.get(), &in);
    in.colorSpace = csp_of(frame.format);
    in.bitDepth = 8;
    for (std::size_t p = 0; p < 3; ++p) {
      in.planes[p] = frame.planes[p].data;
      in.stride[p] = static_cast<int>(frame.planes[p].stride_bytes);
    }
    in.pts = pts;
    in.sliceType = detail::wants_idr(flags)
                       ? X265_TYPE_IDR
                       : X265_TYPE_AUTO;
    x265_picture out;
    x265_picture_init(param_.get(), &out);
    x265_nal* nals = nullptr;
    std::uint32_t count = 0;
    const TimePoint t0 = steady_clock().now();
    const int rc = x265_encoder_encode(x265_.get(), &nals, &count, &in, &out);
    const Nanos took = steady_clock().now() - t0;
    if (rc < 0) {
      return fail(Errc::io, "x265 failed to encode frame {}", pts);
    }
    if (rc == 0 || count == 0) {
      return fail(Errc::unsupported, "x265 held frame {} back; the encoder must run without delay", pts);
    }
    au_.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
      au_.insert(au_.end(), nals[i].payload, nals[i].payload + nals[i].sizeBytes);
    }
    const bool key = out.sliceType == X265_TYPE_IDR || out.sliceType == X265_TYPE_I;
    return AccessUnit{Bytes(au_.data(), au_.size()), out.pts, key, took};
  }

  bool invalidate(std::int64_t, std::int64_t) override { return false; }

  Status reconfigure(const Reconfigure& change) override {
    X265Param p(x265_param_alloc());
    if (!p) {
      return fail(Errc::io, "x265: out of memory");
    }
    std::memcpy(p.get(), param_.get(), sizeof(x265_param));
    x265_param& q = *p.get();
    if (change.fps != 0) {
      q.fpsNum = change.fps;
      q.fpsDenom = 1;
    }
    set_rate(q, change.bitrate_kbps != 0 ? change.bitrate_kbps : static_cast<std::uint32_t>(q.rc.bitrate),
             q.fpsNum / std::max<std::uint32_t>(1, q.fpsDenom));
    if (x265_encoder_reconfig(x265_.get(), p.get()) < 0) {
      return fail(Errc::invalid_argument, "x265 refused {} kb/s", q.rc.bitrate);
    }
    param_ = std::move(p);
    return ok();
  }

  const EncoderCaps& caps() const noexcept override { return caps_; }

 private:
  X265 x265_;
  X265Param param_;
  EncoderConfig config_;
  EncoderCaps caps_;
  std::vector<std::uint8_t> au_;  // grows to the largest frame, then stays
};

}  // namespace

Result<std::unique_ptr<Encoder>> make_x265_encoder(const EncoderConfig& config) {
  if (config.codec != Codec::hevc) {
    return fail(Errc::unsupported, "x265 encodes HEVC, not {}", to_string(config.codec));
  }
  const int csp = csp_of(config.input);
  if (csp < 0) {
    return fail(Errc::unsupported, "x265 takes planar I420 or I444, not {}", convert::to_string(config.input));
  }
  if (auto st = detail::check_config(config, "x265"); !st) {
    return tl::unexpected(st.error());
  }
  X265Param p(x265_param_alloc());
  if (!p) {
    return fail(Errc::io, "x265: out of memory");
  }
  if (x265_param_default_preset(p.get(), config.preset.c_str(), "zerolatency") < 0) {
    return fail(Errc::invalid_argument, "x265 has no preset '{}'", config.preset);
  }
  x265_param& q = *p.get();
  q.internalCsp = csp;
  q.sourceWidth = static_cast<int>(config.width);
  q.sourceHeight = static_cast<int>(config.height);
  q.fpsNum = config.fps;
  q.fpsDenom = 1;
  q.bframes = 0;
  q.lookaheadDepth = 0;
  q.frameNumThreads = 1;
  q.keyframeMax = -1;  // infinite
  q.bRepeatHeaders = 1;
  q.bAnnexB = 1;
  q.logLevel = X265_LOG_WARNING;
  q.rc.rateControlMode = X265_RC_ABR;
  set_rate(q, config.bitrate_kbps, config.fps);
  q.vui.bEnableVideoFullRangeFlag = config.color.range == convert::Range::full ? 1 : 0;
  if (x265_param_apply_profile(p.get(), csp == X265_CSP_I444 ? "main444-8" : "main") < 0) {
    return fail(Errc::invalid_argument, "x265 cannot apply its profile");
  }
  X265 handle(x265_encoder_open(p.get()));
  if (!handle) {
    return fail(Errc::invalid_argument, "x265 would not open {}x{} at {} fps", config.width, config.height,
                config.fps);
  }
  return std::unique_ptr<Encoder>(new X265Encoder(std::move(handle), std::move(p), config));
}

}  // namespace pf::encode
