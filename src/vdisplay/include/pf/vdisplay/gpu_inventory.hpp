// Which GPUs this machine has, for choosing the render GPU.
//
// Two sources, merged by PCI address: NVIDIA GPUs through NVML (loaded at
// run time from the driver's libnvidia-ml.so.1: name and memory), and
// every DRM device in sysfs (/sys/class/drm/cardN: vendor and device ids,
// and VRAM where the driver says, as amdgpu does). A machine with neither
// has no GPU, and the host renders on the CPU.
//
// NVML is called through a replaceable function table, so the merge and
// the error paths are tested with a fake one.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/vdisplay/policy.hpp"

namespace pf::vdisplay {

/// The few NVML entry points we use (signatures as NVML declares them,
/// with its handle and structs kept opaque or mirrored below).
struct NvmlApi {
  struct Memory {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
  };
  struct PciInfo {
    char bus_id_legacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pci_device_id;
    unsigned int pci_subsystem_id;
    char bus_id[32];
  };
  using Device = void*;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*device_count)(unsigned int* count) = nullptr;
  int (*device_by_index)(unsigned int index, Device* device) = nullptr;
  int (*device_name)(Device device, char* name, unsigned int length) = nullptr;
  int (*device_memory)(Device device, Memory* memory) = nullptr;
  int (*device_pci)(Device device, PciInfo* pci) = nullptr;
};

/// NVML loaded from the system; the library stays loaded while this lives.
class NvmlLibrary {
 public:
  /// Errc::not_found when the driver's library is not installed.
  [[nodiscard]] static Result<std::unique_ptr<NvmlLibrary>> load();
  ~NvmlLibrary();
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;
  [[nodiscard]] const NvmlApi& api() const noexcept { return api_; }

 private:
  NvmlLibrary(void* handle, NvmlApi api) noexcept : handle_(handle), api_(api) {}
  void* handle_;
  NvmlApi api_;
};

/// The GPUs NVML reports (id = PCI address "0000:41:00.0").
[[nodiscard]] Result<std::vector<GpuInfo>> nvml_gpus(const NvmlApi& nvml);
/// The DRM devices under `sys_root`/class/drm (id = PCI address).
[[nodiscard]] std::vector<GpuInfo> drm_gpus(const std::filesystem::path& sys_root);
/// NVML's GPUs, then DRM's that NVML did not name; problems are logged.
[[nodiscard]] std::vector<GpuInfo> discover_gpus(const std::filesystem::path& sys_root = "/sys");

}  // namespace pf::vdisplay
