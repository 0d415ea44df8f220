// The NVENC backend (see nvenc.hpp for its shape).
//
// Resource discipline: every driver object is held by a Held<> member,
// declared in the order of acquisition, so destruction releases them in
// reverse (bitstream, registration, device memory, session, context) on every
// path, including a constructor that fails half-way. Per frame, the mapping
// and the bitstream lock are ScopeExit guards: they end with the scope, so
// no return or error can leave a surface mapped or a bitstream locked.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "checks.hpp"
#include "pf/core/log.hpp"
#include "pf/encode/nvenc.hpp"

namespace pf::encode {
namespace {

const log::Logger kLog{"nvenc"};
constexpr std::uint32_t kDpbFrames = 16;  // how far back invalidation can fall back

// Runs `f` when the scope ends (no allocation: the lambda lives here).
template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};

// One driver object and how to release it; released once, on destruction.
class Held {
 public:
  Held() = default;
  explicit Held(std::function<void()> release) : release_(std::move(release)) {}
  Held(Held&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
  Held& operator=(Held&& other) noexcept {
    if (this != &other) {
      reset();
      release_ = std::exchange(other.release_, nullptr);
    }
    return *this;
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() { reset(); }
  void reset() noexcept {
    if (release_) {
      std::exchange(release_, nullptr)();
    }
  }

 private:
  std::function<void()> release_;
};

std::string nv_error(NVENCSTATUS s) {
  return fmt::format("{}: {}", nvenc_status_name(s), nvenc_status_hint(s));
}

NV_ENC_BUFFER_FORMAT buffer_format(convert::YuvFormat f) {
  switch (f) {
    case convert::YuvFormat::nv12: return NV_ENC_BUFFER_FORMAT_NV12;
    case convert::YuvFormat::i420: return NV_ENC_BUFFER_FORMAT_IYUV;
    case convert::YuvFormat::i444: return NV_ENC_BUFFER_FORMAT_YUV444;
    case convert::YuvFormat::p010: return NV_ENC_BUFFER_FORMAT_YUV420_10BIT;
    case convert::YuvFormat::unset: break;
  }
  return NV_ENC_BUFFER_FORMAT_UNDEFINED;
}

bool same_guid(const GUID& a, const GUID& b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }

// The device surface: NVENC wants the planes one after another at one pitch
// (I420's chroma at half of it), so one pitched allocation holds them all.
struct SurfaceLayout {
  std::size_t row_bytes = 0;  // of the luma plane
  std::size_t rows = 0;       // luma rows + chroma rows
};

SurfaceLayout surface_layout(const EncoderConfig& c) {
  const std::size_t sample = c.input == convert::YuvFormat::p010 ? 2 : 1;
  const std::size_t h = c.height;
  switch (c.input) {
    case convert::YuvFormat::i444: return {std::size_t{c.width}, h * 3};
    case convert::YuvFormat::nv12:
    case convert::YuvFormat::i420:
    case convert::YuvFormat::p010:
    case convert::YuvFormat::unset: break;
  }
  return {std::size_t{c.width} * sample, h + h / 2};
}

// Where plane p of the caller's frame goes in the surface, and its row size.
struct PlaneCopy {
  std::size_t offset;
  std::size_t pitch;
  std::size_t row_bytes;
  std::size_t rows;
};

std::array<PlaneCopy, 3> plane_copies(const EncoderConfig& c, std::size_t pitch) {
  const std::size_t w = c.width;
  const std::size_t h = c.height;
  switch (c.input) {
    case convert::YuvFormat::i444:
      return {{{0, pitch, w, h}, {pitch * h, pitch, w, h}, {pitch * h * 2, pitch, w, h}}};
    case convert::YuvFormat::i420:
      return {{{0, pitch, w, h}, {pitch * h, pitch / 2, w / 2, h / 2}, {pitch * h + pitch / 2 * (h / 2), pitch / 2, w / 2, h / 2}}};
    case convert::YuvFormat::p010: return {{{0, pitch, w * 2, h}, {pitch * h, pitch, w * 2, h / 2}, {0, 0, 0, 0}}};
    case convert::YuvFormat::nv12:
    case convert::YuvFormat::unset: break;
  }
  return {{{0, pitch, w, h}, {pitch * h, pitch, w, h / 2}, {0, 0, 0, 0}}};
}

class NvencEncoder final : public Encoder {
 public:
  NvencEncoder(std::shared_ptr<const NvencDriver> driver, EncoderConfig config)
      : d_(std::move(driver)), config_(std::move(config)) {}

  ~NvencEncoder() override {
    // The session's objects go inside the context, in reverse order of
    // acquisition; the context itself goes last, with its member.
    const bool current = context_ != nullptr && d_->cu_ctx_push(context_) == CUDA_SUCCESS;
    bitstream_.reset();
    registration_.reset();
    surface_.reset();
    session_.reset();
    if (current) {
      CUcontext popped = nullptr;
      d_->cu_ctx_pop(&popped);
    }
  }

  NvencEncoder(const NvencEncoder&) = delete;
  NvencEncoder& operator=(const NvencEncoder&) = delete;

  Status open(int device);

  Result<AccessUnit> submit(const convert::YuvImage& frame, std::int64_t pts, SubmitFlags flags) override;
  bool invalidate(std::int64_t first_pts, std::int64_t last_pts) override;
  Status reconfigure(const Reconfigure& change) override;
  const EncoderCaps& caps() const noexcept override { return caps_; }

 private:
  // Makes the context current for the scope; false when that failed.
  class ContextScope {
   public:
    explicit ContextScope(const NvencEncoder& e) : e_(e), ok_(e.d_->cu_ctx_push(e.context_) == CUDA_SUCCESS) {}
    ~ContextScope() {
      if (ok_) {
        CUcontext popped = nullptr;
        e_.d_->cu_ctx_pop(&popped);
      }
    }
    ContextScope(const ContextScope&) = delete;
    ContextScope& operator=(const ContextScope&) = delete;
    [[nodiscard]] bool ok() const noexcept { return ok_; }

   private:
    const NvencEncoder& e_;
    bool ok_;
  };

  tl::unexpected<Error> context_lost() const {
    return fail(Errc::io, "NVENC: the CUDA context of {} cannot be made current", gpu_name_);
  }

  std::string cu_error(CUresult r) const {
    const char* name = nullptr;
    if (d_->cu_get_error_name(r, &name) != CUDA_SUCCESS || name == nullptr) {
      return fmt::format("CUresult {}", static_cast<int>(r));
    }
    return name;
  }

  Status configure(NV_ENC_CONFIG& cfg) const;
  Status check_codec_supported() const;

  std::shared_ptr<const NvencDriver> d_;
  EncoderConfig config_;
  EncoderCaps caps_;
  std::string gpu_name_;
  NV_ENCODE_API_FUNCTION_LIST fn_{};
  CUcontext context_ = nullptr;
  void* encoder_ = nullptr;
  CUdeviceptr surface_ptr_ = 0;
  std::size_t surface_pitch_ = 0;
  NV_ENC_REGISTERED_PTR registered_ = nullptr;
  NV_ENC_OUTPUT_PTR bitstream_ptr_ = nullptr;
  NV_ENC_CONFIG encode_config_{};
  NV_ENC_INITIALIZE_PARAMS init_{};
  std::vector<std::uint8_t> au_;
  std::int64_t last_pts_ = -1;
  // Acquisition order; see the file comment.
  Held context_retain_;
  Held session_;
  Held surface_;
  Held registration_;
  Held bitstream_;
};

GUID codec_guid(Codec c) { return c == Codec::hevc ? NV_ENC_CODEC_HEVC_GUID : NV_ENC_CODEC_H264_GUID; }

Status NvencEncoder::check_codec_supported() const {
  std::uint32_t count = 0;
  if (const NVENCSTATUS s = fn_.nvEncGetEncodeGUIDCount(encoder_, &count); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not list its codecs ({})", nv_error(s));
  }
  std::vector<GUID> guids(count);
  std::uint32_t filled = 0;
  if (const NVENCSTATUS s = fn_.nvEncGetEncodeGUIDs(encoder_, guids.data(), count, &filled); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not list its codecs ({})", nv_error(s));
  }
  const GUID want = codec_guid(config_.codec);
  if (std::none_of(guids.begin(), guids.begin() + std::min(filled, count),
                   [&](const GUID& g) { return same_guid(g, want); })) {
    return fail(Errc::unsupported, "NVENC unavailable: {} cannot encode {}", gpu_name_, to_string(config_.codec));
  }
  return ok();
}

Status NvencEncoder::configure(NV_ENC_CONFIG& cfg) const {
  NV_ENC_PRESET_CONFIG preset{};
  preset.version = NV_ENC_PRESET_CONFIG_VER;
  preset.presetCfg.version = NV_ENC_CONFIG_VER;
  if (const NVENCSTATUS s = fn_.nvEncGetEncodePresetConfigEx(encoder_, codec_guid(config_.codec), NV_ENC_PRESET_P1_GUID,
                                                             NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY, &preset);
      s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC has no P1 low-latency preset for {} ({})", to_string(config_.codec), nv_error(s));
  }
  cfg = preset.presetCfg;
  cfg.version = NV_ENC_CONFIG_VER;
  cfg.gopLength = NVENC_INFINITE_GOPLENGTH;
  cfg.frameIntervalP = 1;  // no B-frames
  cfg.rcParams.rateControlMode = NV_ENC_PARAMS_RC_CBR;
  cfg.rcParams.averageBitRate = config_.bitrate_kbps * 1000;
  cfg.rcParams.maxBitRate = config_.bitrate_kbps * 1000;
  cfg.rcParams.vbvBufferSize = config_.bitrate_kbps * 1000 / config_.fps;  // one frame
  cfg.rcParams.vbvInitialDelay = cfg.rcParams.vbvBufferSize;
  const bool refresh = config_.intra_refresh_frames > 0;
  const bool yuv444 = config_.input == convert::YuvFormat::i444;
  const bool ten = config_.input == convert::YuvFormat::p010;
  // H.264 and HEVC name these fields alike in different structs.
  const auto shape = [&](auto& h) {
    h.idrPeriod = NVENC_INFINITE_GOPLENGTH;
    h.repeatSPSPPS = 1;
    h.enableIntraRefresh = refresh ? 1 : 0;
    h.intraRefreshPeriod = config_.intra_refresh_frames;
    h.intraRefreshCnt = config_.intra_refresh_frames;
    h.chromaFormatIDC = yuv444 ? 3 : 1;
  };
  NV_ENC_CONFIG_H264_VUI_PARAMETERS* vui = nullptr;
  if (config_.codec == Codec::hevc) {
    auto& h = cfg.encodeCodecConfig.hevcConfig;
    shape(h);
    h.maxNumRefFramesInDPB = kDpbFrames;
    h.pixelBitDepthMinus8 = ten ? 2 : 0;
    cfg.profileGUID = yuv444 ? NV_ENC_HEVC_PROFILE_FREXT_GUID : ten ? NV_ENC_HEVC_PROFILE_MAIN10_GUID
                                                                    : NV_ENC_HEVC_PROFILE_MAIN_GUID;
    vui = &h.hevcVUIParameters;
  } else {
    auto& h = cfg.encodeCodecConfig.h264Config;
    shape(h);
    h.maxNumRefFrames = kDpbFrames;
    cfg.profileGUID = yuv444 ? NV_ENC_H264_PROFILE_HIGH_444_GUID : NV_ENC_H264_PROFILE_HIGH_GUID;
    vui = &h.h264VUIParameters;
  }
  vui->videoSignalTypePresentFlag = 1;
  vui->videoFormat = 5;  // unspecified
  vui->videoFullRangeFlag = config_.color.range == convert::Range::full ? 1 : 0;
  vui->colourDescriptionPresentFlag = 1;
  const detail::ColourCodes codes = detail::h273_codes(config_.color.matrix);
  vui->colourPrimaries = codes.primaries;
  vui->transferCharacteristics = codes.transfer;
  vui->colourMatrix = codes.matrix;
  return ok();
}

Status NvencEncoder::open(int device) {
  const NvencDriver& d = *d_;
  std::uint32_t version = 0;
  if (const NVENCSTATUS s = d.get_max_supported_version(&version); s != NV_ENC_SUCCESS) {
    return fail(Errc::unsupported, "NVENC unavailable: the driver would not say its API version ({})", nv_error(s));
  }
  constexpr std::uint32_t kNeeded = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  if (version < kNeeded) {
    return fail(Errc::unsupported,
                "NVENC unavailable: the NVIDIA driver supports NVENC API {}.{}, this build needs {}.{} (driver 470 or "
                "newer): update the driver",
                version >> 4, version & 0xF, NVENCAPI_MAJOR_VERSION, NVENCAPI_MINOR_VERSION);
  }
  if (const CUresult r = d.cu_init(0); r != CUDA_SUCCESS) {
    return fail(Errc::unsupported, "NVENC unavailable: CUDA would not start ({})", cu_error(r));
  }
  int count = 0;
  if (const CUresult r = d.cu_device_get_count(&count); r != CUDA_SUCCESS || count == 0) {
    return fail(Errc::unsupported, "NVENC unavailable: no CUDA device ({})",
                r != CUDA_SUCCESS ? cu_error(r) : std::string("none found"));
  }
  if (device < 0 || device >= count) {
    return fail(Errc::unsupported, "NVENC unavailable: GPU {} requested, {} present", device, count);
  }
  CUdevice dev = 0;
  std::array<char, 256> name{};
  if (const CUresult r = d.cu_device_get(&dev, device); r != CUDA_SUCCESS) {
    return fail(Errc::unsupported, "NVENC unavailable: GPU {} cannot be opened ({})", device, cu_error(r));
  }
  gpu_name_ = d.cu_device_get_name(name.data(), static_cast<int>(name.size()), dev) == CUDA_SUCCESS
                  ? fmt::format("GPU {} ({})", device, name.data())
                  : fmt::format("GPU {}", device);
  if (const CUresult r = d.cu_primary_ctx_retain(&context_, dev); r != CUDA_SUCCESS) {
    context_ = nullptr;
    return fail(Errc::unsupported, "NVENC unavailable: {} has no usable CUDA context ({})", gpu_name_, cu_error(r));
  }
  context_retain_ = Held([this, dev] { d_->cu_primary_ctx_release(dev); });
  const ContextScope scope(*this);
  if (!scope.ok()) {
    return context_lost();
  }
  fn_ = NV_ENCODE_API_FUNCTION_LIST{};
  fn_.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  if (const NVENCSTATUS s = d.create_instance(&fn_); s != NV_ENC_SUCCESS) {
    return fail(Errc::unsupported, "NVENC unavailable: the driver refused the API ({})", nv_error(s));
  }
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS session{};
  session.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  session.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  session.device = context_;
  session.apiVersion = NVENCAPI_VERSION;
  if (const NVENCSTATUS s = fn_.nvEncOpenEncodeSessionEx(&session, &encoder_); s != NV_ENC_SUCCESS) {
    // The driver may hand back a half-made session even on failure.
    if (encoder_ != nullptr) {
      fn_.nvEncDestroyEncoder(encoder_);
      encoder_ = nullptr;
    }
    return fail(Errc::unsupported, "NVENC unavailable: {} opened no encode session ({})", gpu_name_, nv_error(s));
  }
  session_ = Held([this] { fn_.nvEncDestroyEncoder(std::exchange(encoder_, nullptr)); });
  if (auto st = check_codec_supported(); !st) {
    return st;
  }
  if (auto st = configure(encode_config_); !st) {
    return st;
  }
  init_ = NV_ENC_INITIALIZE_PARAMS{};
  init_.version = NV_ENC_INITIALIZE_PARAMS_VER;
  init_.encodeGUID = codec_guid(config_.codec);
  init_.presetGUID = NV_ENC_PRESET_P1_GUID;
  init_.tuningInfo = NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY;
  init_.encodeWidth = config_.width;
  init_.encodeHeight = config_.height;
  init_.darWidth = config_.width;
  init_.darHeight = config_.height;
  init_.frameRateNum = config_.fps;
  init_.frameRateDen = 1;
  init_.enablePTD = 1;
  init_.encodeConfig = &encode_config_;
  if (const NVENCSTATUS s = fn_.nvEncInitializeEncoder(encoder_, &init_); s != NV_ENC_SUCCESS) {
    return fail(Errc::unsupported, "NVENC on {} refused {} {}x{} at {} fps, {} ({})", gpu_name_,
                to_string(config_.codec), config_.width, config_.height, config_.fps,
                convert::to_string(config_.input), nv_error(s));
  }
  const SurfaceLayout layout = surface_layout(config_);
  if (const CUresult r = d.cu_mem_alloc_pitch(&surface_ptr_, &surface_pitch_, layout.row_bytes, layout.rows, 16);
      r != CUDA_SUCCESS) {
    surface_ptr_ = 0;
    return fail(Errc::io, "NVENC: no GPU memory for a {}x{} input surface ({})", config_.width, config_.height,
                cu_error(r));
  }
  surface_ = Held([this] { d_->cu_mem_free(std::exchange(surface_ptr_, 0)); });
  NV_ENC_REGISTER_RESOURCE reg{};
  reg.version = NV_ENC_REGISTER_RESOURCE_VER;
  reg.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  reg.width = config_.width;
  reg.height = config_.height;
  reg.pitch = static_cast<std::uint32_t>(surface_pitch_);
  reg.resourceToRegister = reinterpret_cast<void*>(surface_ptr_);
  reg.bufferFormat = buffer_format(config_.input);
  reg.bufferUsage = NV_ENC_INPUT_IMAGE;
  if (const NVENCSTATUS s = fn_.nvEncRegisterResource(encoder_, &reg); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not register its input surface ({})", nv_error(s));
  }
  registered_ = reg.registeredResource;
  registration_ = Held([this] { fn_.nvEncUnregisterResource(encoder_, std::exchange(registered_, nullptr)); });
  NV_ENC_CREATE_BITSTREAM_BUFFER out{};
  out.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
  if (const NVENCSTATUS s = fn_.nvEncCreateBitstreamBuffer(encoder_, &out); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not create its output buffer ({})", nv_error(s));
  }
  bitstream_ptr_ = out.bitstreamBuffer;
  bitstream_ = Held([this] { fn_.nvEncDestroyBitstreamBuffer(encoder_, std::exchange(bitstream_ptr_, nullptr)); });
  caps_ = EncoderCaps{"nvenc", config_.codec, config_.intra_refresh_frames == 0, true,
                      config_.input == convert::YuvFormat::p010, config_.input == convert::YuvFormat::i444};
  kLog.info("NVENC {} on {}: {}x{} at {} fps, {} kb/s", to_string(config_.codec), gpu_name_, config_.width,
            config_.height, config_.fps, config_.bitrate_kbps);
  return ok();
}

Result<AccessUnit> NvencEncoder::submit(const convert::YuvImage& frame, std::int64_t pts, SubmitFlags flags) {
  if (auto st = detail::check_frame(frame, config_, "NVENC"); !st) {
    return tl::unexpected(st.error());
  }
  const TimePoint t0 = steady_clock().now();
  const ContextScope scope(*this);
  if (!scope.ok()) {
    return context_lost();
  }
  const auto copies = plane_copies(config_, surface_pitch_);
  for (std::size_t p = 0; p < copies.size(); ++p) {
    if (copies[p].row_bytes == 0) {
      continue;
    }
    CUDA_MEMCPY2D m{};
    m.srcMemoryType = CU_MEMORYTYPE_HOST;
    m.srcHost = frame.planes[p].data;
    m.srcPitch = frame.planes[p].stride_bytes;
    m.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    m.dstDevice = surface_ptr_ + copies[p].offset;
    m.dstPitch = copies[p].pitch;
    m.WidthInBytes = copies[p].row_bytes;
    m.Height = copies[p].rows;
    if (const CUresult r = d_->cu_memcpy_2d(&m); r != CUDA_SUCCESS) {
      return fail(Errc::io, "NVENC: copying frame {} to the GPU failed ({})", pts, cu_error(r));
    }
  }
  NV_ENC_MAP_INPUT_RESOURCE map{};
  map.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  map.registeredResource = registered_;
  if (const NVENCSTATUS s = fn_.nvEncMapInputResource(encoder_, &map); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not map frame {} ({})", pts, nv_error(s));
  }
  const ScopeExit unmap([this, mapped = map.mappedResource] { fn_.nvEncUnmapInputResource(encoder_, mapped); });
  NV_ENC_PIC_PARAMS pic{};
  pic.version = NV_ENC_PIC_PARAMS_VER;
  pic.inputWidth = config_.width;
  pic.inputHeight = config_.height;
  pic.inputPitch = static_cast<std::uint32_t>(surface_pitch_);
  pic.inputBuffer = map.mappedResource;
  pic.outputBitstream = bitstream_ptr_;
  pic.bufferFmt = map.mappedBufferFmt;
  pic.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  pic.inputTimeStamp = static_cast<std::uint64_t>(pts);
  if (detail::wants_idr(flags)) {
    pic.encodePicFlags = NV_ENC_PIC_FLAG_FORCEIDR | NV_ENC_PIC_FLAG_OUTPUT_SPSPPS;
  }
  if (const NVENCSTATUS s = fn_.nvEncEncodePicture(encoder_, &pic); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC failed to encode frame {} ({})", pts, nv_error(s));
  }
  NV_ENC_LOCK_BITSTREAM lock{};
  lock.version = NV_ENC_LOCK_BITSTREAM_VER;
  lock.outputBitstream = bitstream_ptr_;
  if (const NVENCSTATUS s = fn_.nvEncLockBitstream(encoder_, &lock); s != NV_ENC_SUCCESS) {
    return fail(Errc::io, "NVENC could not read frame {} back ({})", pts, nv_error(s));
  }
  const ScopeExit unlock([this] { fn_.nvEncUnlockBitstream(encoder_, bitstream_ptr_); });
  const auto* bytes = static_cast<const std::uint8_t*>(lock.bitstreamBufferPtr);
  au_.assign(bytes, bytes + lock.bitstreamSizeInBytes);
  last_pts_ = pts;
  const bool key = lock.pictureType == NV_ENC_PIC_TYPE_IDR;
  return AccessUnit{Bytes(au_.data(), au_.size()), static_cast<std::int64_t>(lock.outputTimeStamp), key,
                    steady_clock().now() - t0};
}

bool NvencEncoder::invalidate(std::int64_t first_pts, std::int64_t last_pts) {
  if (!caps_.reference_invalidation || first_pts > last_pts || first_pts < 0) {
    return false;
  }
  if (last_pts_ - first_pts >= static_cast<std::int64_t>(kDpbFrames)) {
    return false;  // nothing older is kept to fall back on
  }
  const ContextScope scope(*this);
  if (!scope.ok()) {
    return false;
  }
  for (std::int64_t pts = first_pts; pts <= std::min(last_pts, last_pts_); ++pts) {
    if (fn_.nvEncInvalidateRefFrames(encoder_, static_cast<std::uint64_t>(pts)) != NV_ENC_SUCCESS) {
      return false;
    }
  }
  return true;
}

Status NvencEncoder::reconfigure(const Reconfigure& change) {
  NV_ENC_CONFIG cfg = encode_config_;
  NV_ENC_RECONFIGURE_PARAMS r{};
  r.version = NV_ENC_RECONFIGURE_PARAMS_VER;
  r.reInitEncodeParams = init_;
  r.reInitEncodeParams.encodeConfig = &cfg;
  if (change.fps != 0) {
    r.reInitEncodeParams.frameRateNum = change.fps;
  }
  const std::uint32_t fps = r.reInitEncodeParams.frameRateNum;
  const std::uint32_t bps = change.bitrate_kbps != 0 ? change.bitrate_kbps * 1000 : cfg.rcParams.averageBitRate;
  cfg.rcParams.averageBitRate = bps;
  cfg.rcParams.maxBitRate = bps;
  cfg.rcParams.vbvBufferSize = bps / std::max<std::uint32_t>(1, fps);
  cfg.rcParams.vbvInitialDelay = cfg.rcParams.vbvBufferSize;
  const ContextScope scope(*this);
  if (!scope.ok()) {
    return context_lost();
  }
  if (const NVENCSTATUS s = fn_.nvEncReconfigureEncoder(encoder_, &r); s != NV_ENC_SUCCESS) {
    return fail(Errc::invalid_argument, "NVENC refused {} kb/s at {} fps ({})", bps / 1000, fps, nv_error(s));
  }
  encode_config_ = cfg;
  init_.frameRateNum = fps;
  init_.encodeConfig = &encode_config_;
  return ok();
}

}  // namespace

Result<std::unique_ptr<Encoder>> make_nvenc_encoder(const EncoderConfig& config, const NvencOptions& options) {
  if (config.codec != Codec::h264 && config.codec != Codec::hevc) {
    return fail(Errc::unsupported, "NVENC here encodes H.264 and HEVC, not {}", to_string(config.codec));
  }
  if (buffer_format(config.input) == NV_ENC_BUFFER_FORMAT_UNDEFINED ||
      (config.input == convert::YuvFormat::p010 && config.codec != Codec::hevc)) {
    return fail(Errc::unsupported, "NVENC takes NV12, I420 or I444 for H.264 and also P010 for HEVC, not {} for {}",
                convert::to_string(config.input), to_string(config.codec));
  }
  if (auto st = detail::check_config(config, "NVENC"); !st) {
    return tl::unexpected(st.error());
  }
  std::shared_ptr<const NvencDriver> driver = options.driver;
  if (!driver) {
    auto loaded = load_nvenc_driver();
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    driver = std::move(*loaded);
  }
  auto encoder = std::make_unique<NvencEncoder>(std::move(driver), config);
  if (auto st = encoder->open(options.device); !st) {
    return tl::unexpected(st.error());  // `encoder` releases what open() acquired
  }
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace pf::encode
