// The NVENC backend (H.264, HEVC on NVIDIA GPUs with a video encode engine).
//
// Nothing links the NVIDIA driver: load_nvenc_driver() opens libcuda.so.1 and
// libnvidia-encode.so.1 at run time and fills an NvencDriver, the table of
// every entry point the backend calls. Tests pass a table of their own (a
// fake NVENC) to make_nvenc_encoder(); the backend cannot tell the
// difference. Types and constants come from Debian's libffmpeg-nvenc-dev
// headers (NVENC API 11.1, drivers 470 and newer): a driver older than that
// is refused by a version gate before anything else is called.
//
// Shape: P1 preset with ultra-low-latency tuning, CBR with a one-frame VBV,
// infinite GOP (IDR only when asked), SPS/PPS with every IDR, no B-frames,
// a DPB of 16 for reference invalidation (by pts, which is the NVENC
// timestamp), optional intra refresh (which, as with x264, turns
// invalidation off). Input is CUDA device memory registered with NVENC
// once: submit() copies the caller's frame into it (the copy a CUDA
// converter will write directly later), maps it, encodes, locks the
// bitstream, copies the access unit out, and unlocks and unmaps on every
// path, success or failure, through scope guards.
//
// It runs in the GPU's primary CUDA context, the one the CUDA runtime (and
// so the CUDA conversion module) uses, so device memory can pass between
// them. Untested on NVENC hardware: the machines this is built on have none.
#pragma once

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

#include <memory>
#include <string_view>

#include "pf/encode/encoder.hpp"

namespace pf::encode {

/// Every driver entry point the NVENC backend calls.
struct NvencDriver {
  // libcuda.so.1 (the CUDA driver API)
  tcuInit* cu_init = nullptr;
  tcuDeviceGetCount* cu_device_get_count = nullptr;
  tcuDeviceGet* cu_device_get = nullptr;
  tcuDeviceGetName* cu_device_get_name = nullptr;
  tcuDevicePrimaryCtxRetain* cu_primary_ctx_retain = nullptr;
  tcuDevicePrimaryCtxRelease* cu_primary_ctx_release = nullptr;
  tcuCtxPushCurrent_v2* cu_ctx_push = nullptr;
  tcuCtxPopCurrent_v2* cu_ctx_pop = nullptr;
  tcuMemAllocPitch_v2* cu_mem_alloc_pitch = nullptr;
  tcuMemFree_v2* cu_mem_free = nullptr;
  tcuMemcpy2D_v2* cu_memcpy_2d = nullptr;
  tcuGetErrorName* cu_get_error_name = nullptr;
  // libnvidia-encode.so.1
  NVENCSTATUS(NVENCAPI* get_max_supported_version)(uint32_t* version) = nullptr;
  NVENCSTATUS(NVENCAPI* create_instance)(NV_ENCODE_API_FUNCTION_LIST* functions) = nullptr;
  /// Keeps the libraries mapped while any encoder uses the table.
  std::shared_ptr<void> keep_alive;
};

/// Opens the driver's libraries. Errors begin "NVENC unavailable: ".
[[nodiscard]] Result<std::shared_ptr<const NvencDriver>> load_nvenc_driver();

/// Which GPU and encoder an NVENC session uses.
struct NvencOptions {
  int device = 0;  ///< CUDA device ordinal
  std::shared_ptr<const NvencDriver> driver;  ///< null: load_nvenc_driver()
};

/// The NVENC backend: H.264 (NV12, I420, I444) and HEVC (also P010).
/// Errors that mean "no NVENC here" begin "NVENC unavailable: ".
[[nodiscard]] Result<std::unique_ptr<Encoder>> make_nvenc_encoder(const EncoderConfig& config,
                                                                  const NvencOptions& options = {});

/// NVENCSTATUS by name ("NV_ENC_ERR_NO_ENCODE_DEVICE"), and what to do about it.
[[nodiscard]] std::string_view nvenc_status_name(int status) noexcept;
[[nodiscard]] std::string_view nvenc_status_hint(int status) noexcept;

}  // namespace pf::encode
