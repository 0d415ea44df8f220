// The conversions of convert.hpp on an NVIDIA GPU, with the same results bit
// for bit (where convert() uses libyuv, within one code value).
//
// The kernels live in libpunktfunk-cuda.so, built only when nvcc is found
// and loaded at run time: a host without a GPU, a driver or the module runs
// the CPU path, and CudaConverter::open says why ("CUDA conversion
// unavailable: …").
//
// Ownership: DeviceImage owns its device memory and frees it on destruction;
// it keeps the module loaded for as long as it lives. Every allocation is
// RAII, so no path (success, error, early return) can leave one behind.
//
// Threads: a CudaConverter belongs to one thread (a session's convert
// thread); work goes to that thread's own CUDA stream, so converters on
// different threads do not serialise. convert() is asynchronous in stream
// order; upload(), download() and synchronize() wait.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "pf/convert/convert.hpp"
#include "pf/core/result.hpp"

namespace pf::convert {

namespace detail {
struct CudaLibrary;
}

/// Pitched device memory for one image: a BGRA/X2RGB10 source or a YUV frame.
class DeviceImage {
 public:
  DeviceImage(DeviceImage&&) noexcept;
  DeviceImage& operator=(DeviceImage&&) noexcept;
  DeviceImage(const DeviceImage&) = delete;
  DeviceImage& operator=(const DeviceImage&) = delete;
  ~DeviceImage();

  /// Device pointers; valid while this object lives. Do not dereference on the CPU.
  [[nodiscard]] const SourceImage& source() const noexcept { return source_; }
  [[nodiscard]] const YuvImage& yuv() const noexcept { return yuv_; }

 private:
  friend class CudaConverter;
  DeviceImage() = default;
  void release() noexcept;

  std::shared_ptr<const detail::CudaLibrary> library_;
  std::array<void*, 3> allocations_{};
  SourceImage source_{};
  YuvImage yuv_{};
};

class CudaConverter {
 public:
  /// Loads the module and selects GPU `device`.
  [[nodiscard]] static Result<CudaConverter> open(int device = 0);

  [[nodiscard]] const std::string& device_name() const noexcept { return device_name_; }
  /// Peak memory bandwidth of the device in GB/s (memory clock × bus width).
  [[nodiscard]] double peak_bandwidth_gbps() const noexcept { return peak_gbps_; }

  [[nodiscard]] Result<DeviceImage> allocate_source(PixelLayout layout, std::uint32_t width, std::uint32_t height) const;
  [[nodiscard]] Result<DeviceImage> allocate_yuv(YuvFormat format, std::uint32_t width, std::uint32_t height) const;

  /// Host → device (same size and layout), and device → host (same format and size).
  [[nodiscard]] Status upload(const SourceImage& host, const DeviceImage& device) const;
  [[nodiscard]] Status download(const DeviceImage& device, const YuvImage& host) const;

  /// Converts device `in` into device `out`; queued on this thread's stream.
  [[nodiscard]] Status convert(const DeviceImage& in, const DeviceImage& out, ColorSpec spec = {}) const;
  [[nodiscard]] Status synchronize() const;

  /// Device time per conversion over `iterations` back-to-back runs, and the
  /// same for a device-to-device copy of `bytes` (the reference), in ms.
  [[nodiscard]] Result<double> time_convert(const DeviceImage& in, const DeviceImage& out, ColorSpec spec,
                                            int iterations) const;
  [[nodiscard]] Result<double> time_copy(const DeviceImage& dst, const DeviceImage& src, std::size_t bytes,
                                         int iterations) const;

 private:
  explicit CudaConverter(std::shared_ptr<const detail::CudaLibrary> library) : library_(std::move(library)) {}

  std::shared_ptr<const detail::CudaLibrary> library_;
  std::string device_name_;
  double peak_gbps_ = 0;
};

}  // namespace pf::convert
