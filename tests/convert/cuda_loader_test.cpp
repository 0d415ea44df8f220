// The CUDA path is optional: without a GPU, a driver or the module, opening
// it fails with a reason, and the CPU path is what runs.
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pf/convert/cuda.hpp"

namespace pf::convert {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ModuleOverride {
 public:
  explicit ModuleOverride(const char* path) { ::setenv("PUNKTFUNK_CUDA_MODULE", path, 1); }
  ~ModuleOverride() { ::unsetenv("PUNKTFUNK_CUDA_MODULE"); }
  ModuleOverride(const ModuleOverride&) = delete;
  ModuleOverride& operator=(const ModuleOverride&) = delete;
};

TEST(CudaLoader, OpensOrSaysWhyNot) {
  auto c = CudaConverter::open();
  if (c) {
    EXPECT_FALSE(c->device_name().empty());
    EXPECT_GT(c->peak_bandwidth_gbps(), 0.0);
  } else {
    EXPECT_EQ(c.error().code, Errc::unsupported);
    EXPECT_THAT(c.error().message, StartsWith("CUDA conversion unavailable: "));
  }
}

TEST(CudaLoader, AMissingModuleIsNamed) {
  const ModuleOverride o("/nonexistent/libpunktfunk-cuda.so");
  auto c = CudaConverter::open();
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("libpunktfunk-cuda.so could not be loaded"));
}

TEST(CudaLoader, ALibraryThatIsNotTheModuleIsRefused) {
  const ModuleOverride o("libz.so.1");
  auto c = CudaConverter::open();
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("not a compatible module"));
}

TEST(CudaLoader, ABadDeviceIndexIsRefused) {
  auto c = CudaConverter::open(-1);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, StartsWith("CUDA conversion unavailable: "));
}

}  // namespace
}  // namespace pf::convert
