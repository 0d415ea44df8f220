// On a machine with an NVIDIA GPU (ctest label gpu): the real NVML finds it.
#include <unistd.h>

#include <gtest/gtest.h>

#include "pf/vdisplay/gpu_inventory.hpp"

namespace pf::vdisplay {
namespace {

TEST(GpuInventoryOnHardware, NvmlFindsTheNvidiaGpuWithItsMemory) {
  if (::access("/dev/nvidiactl", F_OK) != 0) {
    GTEST_SKIP() << "no NVIDIA GPU on this machine (/dev/nvidiactl is absent)";
  }
  auto lib = NvmlLibrary::load();
  ASSERT_TRUE(lib) << lib.error().message;
  const auto gpus = nvml_gpus((*lib)->api());
  ASSERT_TRUE(gpus) << gpus.error().message;
  ASSERT_FALSE(gpus->empty());
  for (const auto& g : *gpus) {
    EXPECT_EQ(g.id.size(), 12U) << g.id;  // 0000:41:00.0
    EXPECT_GT(g.memory_bytes, 1ULL << 30) << g.name;
    EXPECT_NE(g.name.find("NVIDIA"), std::string::npos) << g.name;
    RecordProperty("gpu", g.id + " " + g.name + " " + std::to_string(g.memory_bytes >> 20) + " MiB");
  }
  const auto all = discover_gpus();
  EXPECT_GE(all.size(), gpus->size());
  EXPECT_NE(choose_render_gpu("", "", all).name, "cpu");
}

}  // namespace
}  // namespace pf::vdisplay
