#include "pf/vdisplay/gpu_inventory.hpp"

#include <cstring>

#include <gtest/gtest.h>

#include "pf/core/fs.hpp"
#include "support/temp_dir.hpp"

namespace pf::vdisplay {
namespace {

// A sysfs tree as the kernel lays it out: class/drm/cardN/device is a link
// to the PCI device's directory.
class FakeSysfs {
 public:
  void add_card(const std::string& card, const std::string& pci, const std::string& vendor,
                const std::string& device, const std::string& vram = "") {
    const auto dev = tmp_.path() / "devices" / pci;
    std::filesystem::create_directories(dev);
    std::filesystem::create_directories(tmp_.path() / "class" / "drm" / card);
    std::filesystem::create_directory_symlink(dev, tmp_.path() / "class" / "drm" / card / "device");
    write(dev / "vendor", vendor + "\n");
    write(dev / "device", device + "\n");
    if (!vram.empty()) {
      write(dev / "mem_info_vram_total", vram + "\n");
    }
  }
  void add_entry(const std::string& name) { std::filesystem::create_directories(tmp_.path() / "class" / "drm" / name); }
  [[nodiscard]] const std::filesystem::path& root() const { return tmp_.path(); }

 private:
  static void write(const std::filesystem::path& p, const std::string& s) { ASSERT_TRUE(write_file_atomic(p, s, 0644)); }
  test::TempDir tmp_;
};

TEST(GpuInventory, DrmCardsAreFoundWithTheirPciAddressAndVram) {
  FakeSysfs sys;
  sys.add_card("card1", "0000:03:00.0", "0x1002", "0x73bf", "17163091968");
  sys.add_card("card0", "0000:00:02.0", "0x8086", "0x9a49");
  sys.add_entry("card0-HDMI-A-1");  // a connector, not a GPU
  sys.add_entry("renderD128");
  const auto gpus = drm_gpus(sys.root());
  ASSERT_EQ(gpus.size(), 2U);
  EXPECT_EQ(gpus[0].id, "0000:00:02.0");
  EXPECT_EQ(gpus[0].name, "Intel GPU 9a49");
  EXPECT_EQ(gpus[0].memory_bytes, 0U) << "integrated: no VRAM of its own";
  EXPECT_EQ(gpus[1].id, "0000:03:00.0");
  EXPECT_EQ(gpus[1].name, "AMD GPU 73bf");
  EXPECT_EQ(gpus[1].memory_bytes, 17163091968U);
  // The most memory wins.
  EXPECT_EQ(choose_render_gpu("", "", gpus).name, "AMD GPU 73bf");
}

TEST(GpuInventory, NoDrmMeansNoGpuAndCpuRendering) {
  const test::TempDir empty;
  EXPECT_TRUE(drm_gpus(empty.path()).empty());
  EXPECT_EQ(choose_render_gpu("", "", drm_gpus(empty.path())).name, "cpu");
}

// A fake NVML with two GPUs; `fail_init` makes it behave like a machine
// whose driver is not loaded.
struct FakeNvml {
  static inline int init_status = 0;
  static inline int shutdowns = 0;
  static NvmlApi api() {
    NvmlApi a;
    a.init = [] { return init_status; };
    a.shutdown = [] { ++shutdowns; return 0; };
    a.device_count = [](unsigned int* n) { *n = 2; return 0; };
    a.device_by_index = [](unsigned int i, NvmlApi::Device* d) {
      *d = reinterpret_cast<NvmlApi::Device>(static_cast<std::uintptr_t>(i + 1));
      return 0;
    };
    a.device_name = [](NvmlApi::Device d, char* name, unsigned int len) {
      std::snprintf(name, len, "%s", d == reinterpret_cast<NvmlApi::Device>(1) ? "NVIDIA L4" : "NVIDIA H100 80GB HBM3");
      return 0;
    };
    a.device_memory = [](NvmlApi::Device d, NvmlApi::Memory* m) {
      m->total = d == reinterpret_cast<NvmlApi::Device>(1) ? 24ULL << 30 : 80ULL << 30;
      return 0;
    };
    a.device_pci = [](NvmlApi::Device d, NvmlApi::PciInfo* p) {
      p->domain = 0;
      p->bus = d == reinterpret_cast<NvmlApi::Device>(1) ? 0x41 : 0x81;
      p->device = 0;
      return 0;
    };
    return a;
  }
};

TEST(GpuInventory, NvmlGpusCarryNameMemoryAndPciAddress) {
  FakeNvml::init_status = 0;
  FakeNvml::shutdowns = 0;
  const auto gpus = nvml_gpus(FakeNvml::api());
  ASSERT_TRUE(gpus) << gpus.error().message;
  ASSERT_EQ(gpus->size(), 2U);
  EXPECT_EQ((*gpus)[0].id, "0000:41:00.0");
  EXPECT_EQ((*gpus)[0].name, "NVIDIA L4");
  EXPECT_EQ((*gpus)[1].memory_bytes, 80ULL << 30);
  EXPECT_EQ(FakeNvml::shutdowns, 1);
  EXPECT_EQ(choose_render_gpu("", "", *gpus).name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(choose_render_gpu("", "l4", *gpus).name, "NVIDIA L4");
}

TEST(GpuInventory, NvmlThatCannotStartIsANamedError) {
  FakeNvml::init_status = 9;  // NVML_ERROR_DRIVER_NOT_LOADED
  const auto gpus = nvml_gpus(FakeNvml::api());
  ASSERT_FALSE(gpus);
  EXPECT_EQ(gpus.error().message, "NVML did not start (status 9): is the NVIDIA driver loaded?");
  FakeNvml::init_status = 0;
}

}  // namespace
}  // namespace pf::vdisplay
