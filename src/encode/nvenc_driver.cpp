// Opens the NVIDIA driver's libraries at run time and fills NvencDriver.
#include <dlfcn.h>

#include <string>

#include <fmt/format.h>

#include "pf/core/unique.hpp"
#include "pf/encode/nvenc.hpp"

namespace pf::encode {
namespace {

void close_library(void* handle) noexcept { dlclose(handle); }
using Library = Unique<void*, &close_library>;

struct Libraries {
  Library cuda;
  Library nvenc;
};

tl::unexpected<Error> unavailable(std::string why) {
  return fail(Errc::unsupported, "NVENC unavailable: {}", why);
}

// Resolves `name` into `slot`; false (and `missing` names it) when absent.
template <typename F>
bool resolve(void* library, const char* name, F*& slot, std::string& missing) {
  slot = reinterpret_cast<F*>(dlsym(library, name));
  if (slot == nullptr) {
    missing = name;
  }
  return slot != nullptr;
}

}  // namespace

Result<std::shared_ptr<const NvencDriver>> load_nvenc_driver() {
  auto libs = std::make_shared<Libraries>();
  libs->cuda.reset(dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL));
  if (!libs->cuda) {
    return unavailable(fmt::format("the NVIDIA driver is not installed (libcuda.so.1: {})", dlerror()));
  }
  libs->nvenc.reset(dlopen("libnvidia-encode.so.1", RTLD_NOW | RTLD_LOCAL));
  if (!libs->nvenc) {
    return unavailable(fmt::format(
        "the NVIDIA driver's encode library is not installed (libnvidia-encode.so.1: {}); on Debian it comes with "
        "the libnvidia-encode1 package",
        dlerror()));
  }
  auto d = std::make_shared<NvencDriver>();
  std::string missing;
  void* cu = libs->cuda.get();
  void* enc = libs->nvenc.get();
  const bool complete =
      resolve(cu, "cuInit", d->cu_init, missing) && resolve(cu, "cuDeviceGetCount", d->cu_device_get_count, missing) &&
      resolve(cu, "cuDeviceGet", d->cu_device_get, missing) &&
      resolve(cu, "cuDeviceGetName", d->cu_device_get_name, missing) &&
      resolve(cu, "cuDevicePrimaryCtxRetain", d->cu_primary_ctx_retain, missing) &&
      resolve(cu, "cuDevicePrimaryCtxRelease_v2", d->cu_primary_ctx_release, missing) &&
      resolve(cu, "cuCtxPushCurrent_v2", d->cu_ctx_push, missing) &&
      resolve(cu, "cuCtxPopCurrent_v2", d->cu_ctx_pop, missing) &&
      resolve(cu, "cuMemAllocPitch_v2", d->cu_mem_alloc_pitch, missing) &&
      resolve(cu, "cuMemFree_v2", d->cu_mem_free, missing) &&
      resolve(cu, "cuMemcpy2D_v2", d->cu_memcpy_2d, missing) &&
      resolve(cu, "cuGetErrorName", d->cu_get_error_name, missing) &&
      resolve(enc, "NvEncodeAPIGetMaxSupportedVersion", d->get_max_supported_version, missing) &&
      resolve(enc, "NvEncodeAPICreateInstance", d->create_instance, missing);
  if (!complete) {
    return unavailable(fmt::format("the NVIDIA driver lacks {} (too old?)", missing));
  }
  d->keep_alive = std::move(libs);
  return std::shared_ptr<const NvencDriver>(std::move(d));
}

}  // namespace pf::encode
