// Every NVENCSTATUS by name, with what an operator can do about it.
#include <array>

#include "pf/encode/nvenc.hpp"

namespace pf::encode {
namespace {

struct StatusText {
  std::string_view name;
  std::string_view hint;
};

// Indexed by the NVENCSTATUS value (they run from 0 without gaps).
constexpr std::array<StatusText, NV_ENC_ERR_RESOURCE_NOT_MAPPED + 1> kStatuses{{
    {"NV_ENC_SUCCESS", "success"},
    {"NV_ENC_ERR_NO_ENCODE_DEVICE",
     "no NVENC engine: this GPU has no video encoder (data-centre GPUs such as the A100 and H100 have none) or the "
     "driver does not expose it; the host encodes on the CPU"},
    {"NV_ENC_ERR_UNSUPPORTED_DEVICE",
     "this GPU has no encode engine NVENC can use (an H100 answers this) or is too old for the driver's NVENC; the "
     "host encodes on the CPU"},
    {"NV_ENC_ERR_INVALID_ENCODERDEVICE", "NVENC was given an invalid device (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_INVALID_DEVICE",
     "the CUDA context is not valid: the GPU may have been reset; restart the host if it persists"},
    {"NV_ENC_ERR_DEVICE_NOT_EXIST",
     "the GPU is gone (removed, or fallen off the bus: see the kernel log for Xid errors); restart the host"},
    {"NV_ENC_ERR_INVALID_PTR", "NVENC was given an invalid pointer (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_INVALID_EVENT", "NVENC was given an invalid completion event (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_INVALID_PARAM",
     "NVENC rejected a setting: this GPU may not support the resolution, frame rate or bitrate asked for"},
    {"NV_ENC_ERR_INVALID_CALL", "NVENC calls came in the wrong order (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_OUT_OF_MEMORY",
     "out of GPU memory, or the GPU's limit of concurrent encode sessions is reached (GeForce cards allow only a "
     "few): end other encoding applications or sessions"},
    {"NV_ENC_ERR_ENCODER_NOT_INITIALIZED", "the encoder was used before it was set up (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_UNSUPPORTED_PARAM",
     "this GPU cannot encode what was asked (4:4:4, 10-bit, the codec or the size): choose another codec or format"},
    {"NV_ENC_ERR_LOCK_BUSY", "the bitstream was still being written; a retry succeeds"},
    {"NV_ENC_ERR_NOT_ENOUGH_BUFFER", "the output buffer was too small for the frame (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_INVALID_VERSION",
     "the driver does not understand this build's NVENC API version: update the NVIDIA driver"},
    {"NV_ENC_ERR_MAP_FAILED", "the input surface could not be mapped: the GPU may be out of memory"},
    {"NV_ENC_ERR_NEED_MORE_INPUT",
     "the encoder held the frame back for reordering, which this configuration never asks for (a bug in punktfunk)"},
    {"NV_ENC_ERR_ENCODER_BUSY", "the encoder was busy; a retry succeeds"},
    {"NV_ENC_ERR_EVENT_NOT_REGISTERD", "a completion event was not registered (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_GENERIC", "NVENC failed without saying why: see the kernel log for Xid errors"},
    {"NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY", "the driver refused the client key: update the NVIDIA driver"},
    {"NV_ENC_ERR_UNIMPLEMENTED", "the driver does not implement this feature on this GPU or platform"},
    {"NV_ENC_ERR_RESOURCE_REGISTER_FAILED",
     "the input surface could not be registered: the GPU may be out of memory"},
    {"NV_ENC_ERR_RESOURCE_NOT_REGISTERED", "an input surface was used unregistered (a bug in punktfunk: please report it)"},
    {"NV_ENC_ERR_RESOURCE_NOT_MAPPED", "an input surface was used unmapped (a bug in punktfunk: please report it)"},
}};

}  // namespace

std::string_view nvenc_status_name(int status) noexcept {
  return status >= 0 && static_cast<std::size_t>(status) < kStatuses.size()
             ? kStatuses[static_cast<std::size_t>(status)].name
             : std::string_view("NVENCSTATUS(unknown)");
}

std::string_view nvenc_status_hint(int status) noexcept {
  return status >= 0 && static_cast<std::size_t>(status) < kStatuses.size()
             ? kStatuses[static_cast<std::size_t>(status)].hint
             : std::string_view("a status this build does not know: update punktfunk");
}

}  // namespace pf::encode
