#include "pf/vdisplay/gpu_inventory.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "pf/core/text.hpp"

namespace pf::vdisplay {
namespace {

const log::Logger kLog{"gpu"};
constexpr int kNvmlSuccess = 0;

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::uint64_t parse_number(const std::string& text, int base) {
  try {
    std::size_t used = 0;
    const auto v = std::stoull(text, &used, base);
    return used == 0 ? 0 : v;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string vendor_name(std::uint64_t vendor) {
  switch (vendor) {
    case 0x10de: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x8086: return "Intel";
    default: return fmt::format("vendor {:04x}", vendor);
  }
}

template <typename F>
bool resolve(void* handle, const char* name, F& fn) {
  fn = reinterpret_cast<F>(::dlsym(handle, name));
  return fn != nullptr;
}

}  // namespace

Result<std::unique_ptr<NvmlLibrary>> NvmlLibrary::load() {
  void* handle = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return fail(Errc::not_found, "NVML is not installed (no libnvidia-ml.so.1)");
  }
  NvmlApi api;
  const bool complete = resolve(handle, "nvmlInit_v2", api.init) && resolve(handle, "nvmlShutdown", api.shutdown) &&
                        resolve(handle, "nvmlDeviceGetCount_v2", api.device_count) &&
                        resolve(handle, "nvmlDeviceGetHandleByIndex_v2", api.device_by_index) &&
                        resolve(handle, "nvmlDeviceGetName", api.device_name) &&
                        resolve(handle, "nvmlDeviceGetMemoryInfo", api.device_memory) &&
                        (resolve(handle, "nvmlDeviceGetPciInfo_v3", api.device_pci) ||
                         resolve(handle, "nvmlDeviceGetPciInfo_v2", api.device_pci));
  if (!complete) {
    ::dlclose(handle);
    return fail(Errc::unsupported, "NVML is too old (an entry point is missing)");
  }
  return std::unique_ptr<NvmlLibrary>(new NvmlLibrary(handle, api));
}

NvmlLibrary::~NvmlLibrary() { ::dlclose(handle_); }

Result<std::vector<GpuInfo>> nvml_gpus(const NvmlApi& nvml) {
  if (const int rc = nvml.init(); rc != kNvmlSuccess) {
    return fail(Errc::unsupported, "NVML did not start (status {}): is the NVIDIA driver loaded?", rc);
  }
  std::vector<GpuInfo> out;
  unsigned int count = 0;
  if (const int rc = nvml.device_count(&count); rc != kNvmlSuccess) {
    nvml.shutdown();
    return fail(Errc::io, "NVML could not count GPUs (status {})", rc);
  }
  for (unsigned int i = 0; i < std::min(count, 64U); ++i) {
    NvmlApi::Device device = nullptr;
    char name[96] = {};
    NvmlApi::Memory memory{};
    NvmlApi::PciInfo pci{};
    if (nvml.device_by_index(i, &device) != kNvmlSuccess || nvml.device_pci(device, &pci) != kNvmlSuccess) {
      kLog.warn("NVML GPU {} is not usable; skipped", i);
      continue;
    }
    GpuInfo gpu{fmt::format("{:04x}:{:02x}:{:02x}.0", pci.domain, pci.bus, pci.device), "NVIDIA GPU", 0};
    if (nvml.device_name(device, name, sizeof(name)) == kNvmlSuccess) {
      gpu.name.assign(name, strnlen(name, sizeof(name)));
    }
    if (nvml.device_memory(device, &memory) == kNvmlSuccess) {
      gpu.memory_bytes = memory.total;
    }
    out.push_back(std::move(gpu));
  }
  nvml.shutdown();
  return out;
}

std::vector<GpuInfo> drm_gpus(const std::filesystem::path& sys_root) {
  std::vector<GpuInfo> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(sys_root / "class" / "drm", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // cardN only: not connectors (card0-HDMI-A-1) and not render nodes.
    if (name.rfind("card", 0) != 0 || name.size() == 4 ||
        !std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto device = it->path() / "device";
    const std::uint64_t vendor = parse_number(first_line(device / "vendor"), 16);
    const std::uint64_t id = parse_number(first_line(device / "device"), 16);
    if (vendor == 0) {
      continue;  // not a PCI device (a virtual or platform display)
    }
    std::error_code link_ec;
    const auto pci = std::filesystem::canonical(device, link_ec).filename().string();
    out.push_back(GpuInfo{link_ec ? name : pci, fmt::format("{} GPU {:04x}", vendor_name(vendor), id),
                          parse_number(first_line(device / "mem_info_vram_total"), 10)});
  }
  std::sort(out.begin(), out.end(), [](const GpuInfo& a, const GpuInfo& b) { return a.id < b.id; });
  return out;
}

std::vector<GpuInfo> discover_gpus(const std::filesystem::path& sys_root) {
  std::vector<GpuInfo> gpus;
  if (auto lib = NvmlLibrary::load(); lib) {
    if (auto found = nvml_gpus((*lib)->api()); found) {
      gpus = std::move(*found);
    } else {
      kLog.warn("{}", found.error().message);
    }
  } else {
    kLog.debug("{}", lib.error().message);
  }
  for (auto& g : drm_gpus(sys_root)) {
    const bool known = std::any_of(gpus.begin(), gpus.end(),
                                   [&g](const GpuInfo& n) { return ascii_lower(n.id) == ascii_lower(g.id); });
    if (!known) {
      gpus.push_back(std::move(g));
    }
  }
  for (const auto& g : gpus) {
    kLog.info("GPU {}: {} ({} MiB)", g.id, g.name, g.memory_bytes >> 20);
  }
  return gpus;
}

}  // namespace pf::vdisplay
