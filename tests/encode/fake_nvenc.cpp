#include "fake_nvenc.hpp"

#include <cstring>
#include <set>

namespace pf::encode::test {
namespace {

FakeNvenc* g_fake = nullptr;  // the one live fake (tests run one at a time)

// dynlink_cuda.h names only a few CUresult values; these are the driver's.
constexpr auto kCuOutOfMemory = static_cast<CUresult>(2);
constexpr auto kCuInvalidContext = static_cast<CUresult>(201);

const CUcontext kContext = reinterpret_cast<CUcontext>(0x1000);
void* const kSession = reinterpret_cast<void*>(0x2000);
void* const kRegistered = reinterpret_cast<void*>(0x3000);
void* const kMapped = reinterpret_cast<void*>(0x4000);
void* const kBitstream = reinterpret_cast<void*>(0x5000);

#define FAKE_CU(name)                     \
  if (!g_fake->enter(name)) {             \
    return kCuOutOfMemory;      \
  }
#define FAKE_NV(name)                     \
  if (!g_fake->enter(name)) {             \
    return g_fake->failure_status();      \
  }

CUresult CUDAAPI cu_init(unsigned int) {
  FAKE_CU("cuInit");
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_device_get_count(int* n) {
  FAKE_CU("cuDeviceGetCount");
  *n = g_fake->device_count;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_device_get(CUdevice* d, int ordinal) {
  FAKE_CU("cuDeviceGet");
  *d = ordinal;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_device_get_name(char* name, int len, CUdevice) {
  FAKE_CU("cuDeviceGetName");
  std::snprintf(name, static_cast<std::size_t>(len), "Fake GPU");
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_primary_ctx_retain(CUcontext* ctx, CUdevice) {
  FAKE_CU("cuDevicePrimaryCtxRetain");
  *ctx = kContext;
  ++g_fake->contexts;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_primary_ctx_release(CUdevice) {
  g_fake->calls.emplace_back("cuDevicePrimaryCtxRelease");
  --g_fake->contexts;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_ctx_push(CUcontext ctx) {
  FAKE_CU("cuCtxPushCurrent");
  if (ctx != kContext) {
    return kCuInvalidContext;
  }
  ++g_fake->pushed;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_ctx_pop(CUcontext* ctx) {
  g_fake->calls.emplace_back("cuCtxPopCurrent");
  *ctx = kContext;
  --g_fake->pushed;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_mem_alloc_pitch(CUdeviceptr* ptr, size_t* pitch, size_t width, size_t rows, unsigned int) {
  FAKE_CU("cuMemAllocPitch");
  *pitch = (width + 255) / 256 * 256;
  std::vector<std::uint8_t> block(*pitch * rows);
  *ptr = reinterpret_cast<CUdeviceptr>(block.data());
  g_fake->memory[*ptr] = std::move(block);  // the vector's buffer moves, its address stays
  ++g_fake->allocations;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_mem_free(CUdeviceptr ptr) {
  g_fake->calls.emplace_back("cuMemFree");
  g_fake->memory.erase(ptr);
  --g_fake->allocations;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_memcpy_2d(const CUDA_MEMCPY2D* m) {
  FAKE_CU("cuMemcpy2D");
  for (std::size_t y = 0; y < m->Height; ++y) {
    std::memcpy(reinterpret_cast<std::uint8_t*>(m->dstDevice) + y * m->dstPitch,
                static_cast<const std::uint8_t*>(m->srcHost) + y * m->srcPitch, m->WidthInBytes);
  }
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cu_get_error_name(CUresult r, const char** name) {
  *name = r == kCuOutOfMemory ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR_UNKNOWN";
  return CUDA_SUCCESS;
}

NVENCSTATUS NVENCAPI get_max_supported_version(uint32_t* v) {
  FAKE_NV("NvEncodeAPIGetMaxSupportedVersion");
  *v = g_fake->max_version;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI open_session(NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS* p, void** encoder) {
  FAKE_NV("nvEncOpenEncodeSessionEx");
  if (p->version != NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER || p->deviceType != NV_ENC_DEVICE_TYPE_CUDA ||
      p->device != kContext || p->apiVersion != NVENCAPI_VERSION || g_fake->pushed == 0) {
    return NV_ENC_ERR_INVALID_PARAM;
  }
  *encoder = kSession;
  ++g_fake->sessions;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI destroy_encoder(void*) {
  g_fake->calls.emplace_back("nvEncDestroyEncoder");
  --g_fake->sessions;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI guid_count(void*, uint32_t* n) {
  FAKE_NV("nvEncGetEncodeGUIDCount");
  *n = g_fake->has_hevc ? 2 : 1;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI guids(void*, GUID* out, uint32_t size, uint32_t* n) {
  FAKE_NV("nvEncGetEncodeGUIDs");
  const GUID all[] = {NV_ENC_CODEC_H264_GUID, NV_ENC_CODEC_HEVC_GUID};
  *n = std::min(size, g_fake->has_hevc ? 2U : 1U);
  std::memcpy(out, all, sizeof(GUID) * *n);
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI preset_config(void*, GUID, GUID preset, NV_ENC_TUNING_INFO tuning, NV_ENC_PRESET_CONFIG* c) {
  FAKE_NV("nvEncGetEncodePresetConfigEx");
  if (std::memcmp(&preset, &NV_ENC_PRESET_P1_GUID, sizeof(GUID)) != 0 ||
      tuning != NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY || c->version != NV_ENC_PRESET_CONFIG_VER) {
    return NV_ENC_ERR_INVALID_PARAM;
  }
  c->presetCfg.gopLength = 250;  // the preset's own values, which the backend must override
  c->presetCfg.frameIntervalP = 3;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI initialize(void*, NV_ENC_INITIALIZE_PARAMS* p) {
  FAKE_NV("nvEncInitializeEncoder");
  g_fake->init = *p;
  g_fake->config = *p->encodeConfig;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI register_resource(void*, NV_ENC_REGISTER_RESOURCE* r) {
  FAKE_NV("nvEncRegisterResource");
  g_fake->registered = *r;
  g_fake->surface_pitch = r->pitch;
  r->registeredResource = kRegistered;
  ++g_fake->registrations;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI unregister_resource(void*, NV_ENC_REGISTERED_PTR) {
  g_fake->calls.emplace_back("nvEncUnregisterResource");
  --g_fake->registrations;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI create_bitstream(void*, NV_ENC_CREATE_BITSTREAM_BUFFER* b) {
  FAKE_NV("nvEncCreateBitstreamBuffer");
  b->bitstreamBuffer = kBitstream;
  ++g_fake->bitstreams;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI destroy_bitstream(void*, NV_ENC_OUTPUT_PTR) {
  g_fake->calls.emplace_back("nvEncDestroyBitstreamBuffer");
  --g_fake->bitstreams;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI map_input(void*, NV_ENC_MAP_INPUT_RESOURCE* m) {
  FAKE_NV("nvEncMapInputResource");
  if (m->registeredResource != kRegistered) {
    return NV_ENC_ERR_RESOURCE_NOT_REGISTERED;
  }
  m->mappedResource = kMapped;
  m->mappedBufferFmt = g_fake->registered.bufferFormat;
  ++g_fake->mapped;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI unmap_input(void*, NV_ENC_INPUT_PTR) {
  g_fake->calls.emplace_back("nvEncUnmapInputResource");
  --g_fake->mapped;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI encode_picture(void*, NV_ENC_PIC_PARAMS* p) {
  FAKE_NV("nvEncEncodePicture");
  if (p->inputBuffer != kMapped || g_fake->mapped == 0 || p->outputBitstream != kBitstream) {
    return NV_ENC_ERR_RESOURCE_NOT_MAPPED;
  }
  g_fake->last_picture = *p;
  const auto& block = g_fake->memory.begin()->second;
  g_fake->surface = block;
  const bool idr = g_fake->idr_next || (p->encodePicFlags & NV_ENC_PIC_FLAG_FORCEIDR) != 0;
  g_fake->idr_next = false;
  // An Annex-B access unit: SPS, PPS and an IDR slice, or one P slice.
  g_fake->output = idr ? std::vector<std::uint8_t>{0, 0, 0, 1, 0x67, 0, 0, 0, 1, 0x68, 0, 0, 0, 1, 0x65}
                       : std::vector<std::uint8_t>{0, 0, 0, 1, 0x41};
  ++g_fake->frames_encoded;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI lock_bitstream(void*, NV_ENC_LOCK_BITSTREAM* l) {
  FAKE_NV("nvEncLockBitstream");
  l->bitstreamBufferPtr = g_fake->output.data();
  l->bitstreamSizeInBytes = static_cast<uint32_t>(g_fake->output.size());
  l->outputTimeStamp = g_fake->last_picture.inputTimeStamp;
  l->pictureType = g_fake->output.size() > 5 ? NV_ENC_PIC_TYPE_IDR : NV_ENC_PIC_TYPE_P;
  ++g_fake->locked;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI unlock_bitstream(void*, NV_ENC_OUTPUT_PTR) {
  g_fake->calls.emplace_back("nvEncUnlockBitstream");
  --g_fake->locked;
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI invalidate_refs(void*, uint64_t ts) {
  FAKE_NV("nvEncInvalidateRefFrames");
  g_fake->invalidated.push_back(ts);
  return NV_ENC_SUCCESS;
}
NVENCSTATUS NVENCAPI reconfigure(void*, NV_ENC_RECONFIGURE_PARAMS* r) {
  FAKE_NV("nvEncReconfigureEncoder");
  g_fake->reconfigured = *r->reInitEncodeParams.encodeConfig;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI create_instance(NV_ENCODE_API_FUNCTION_LIST* f) {
  FAKE_NV("NvEncodeAPICreateInstance");
  if (f->version != NV_ENCODE_API_FUNCTION_LIST_VER) {
    return NV_ENC_ERR_INVALID_VERSION;
  }
  f->nvEncOpenEncodeSessionEx = open_session;
  f->nvEncDestroyEncoder = destroy_encoder;
  f->nvEncGetEncodeGUIDCount = guid_count;
  f->nvEncGetEncodeGUIDs = guids;
  f->nvEncGetEncodePresetConfigEx = preset_config;
  f->nvEncInitializeEncoder = initialize;
  f->nvEncRegisterResource = register_resource;
  f->nvEncUnregisterResource = unregister_resource;
  f->nvEncCreateBitstreamBuffer = create_bitstream;
  f->nvEncDestroyBitstreamBuffer = destroy_bitstream;
  f->nvEncMapInputResource = map_input;
  f->nvEncUnmapInputResource = unmap_input;
  f->nvEncEncodePicture = encode_picture;
  f->nvEncLockBitstream = lock_bitstream;
  f->nvEncUnlockBitstream = unlock_bitstream;
  f->nvEncInvalidateRefFrames = invalidate_refs;
  f->nvEncReconfigureEncoder = reconfigure;
  return NV_ENC_SUCCESS;
}

}  // namespace

FakeNvenc::FakeNvenc() {
  g_fake = this;
  auto d = std::make_shared<NvencDriver>();
  d->cu_init = cu_init;
  d->cu_device_get_count = cu_device_get_count;
  d->cu_device_get = cu_device_get;
  d->cu_device_get_name = cu_device_get_name;
  d->cu_primary_ctx_retain = cu_primary_ctx_retain;
  d->cu_primary_ctx_release = cu_primary_ctx_release;
  d->cu_ctx_push = cu_ctx_push;
  d->cu_ctx_pop = cu_ctx_pop;
  d->cu_mem_alloc_pitch = cu_mem_alloc_pitch;
  d->cu_mem_free = cu_mem_free;
  d->cu_memcpy_2d = cu_memcpy_2d;
  d->cu_get_error_name = cu_get_error_name;
  d->get_max_supported_version = get_max_supported_version;
  d->create_instance = create_instance;
  driver_ = std::move(d);
}

FakeNvenc::~FakeNvenc() { g_fake = nullptr; }

bool FakeNvenc::enter(const char* function) {
  calls.emplace_back(function);
  const int n = ++seen_[function];
  return !(fail_ && fail_->function == function && fail_->occurrence == n);
}

bool FakeNvenc::injectable(const std::string& function) {
  static const std::set<std::string> releases = {"cuDevicePrimaryCtxRelease", "cuCtxPopCurrent", "cuMemFree",
                                                 "nvEncDestroyEncoder",       "nvEncUnregisterResource",
                                                 "nvEncDestroyBitstreamBuffer", "nvEncUnmapInputResource",
                                                 "nvEncUnlockBitstream"};
  return releases.count(function) == 0;
}

}  // namespace pf::encode::test
