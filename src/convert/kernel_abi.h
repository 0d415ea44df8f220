// What the conversion kernels take: the matrices as Q16 integers and, for
// the CUDA module (libpunktfunk-cuda.so, loaded with dlopen), its entry
// table. Plain C layout: nvcc compiles this header and the module is built
// apart from the rest, so nothing here may depend on a C++ library type.
//
// The CPU loops and the CUDA kernels compute with exactly these numbers and
// the same integer rounding, so the two paths agree bit for bit.
#pragma once

#include <stddef.h>  // NOLINT(modernize-deprecated-headers): a C ABI header
#include <stdint.h>  // NOLINT(modernize-deprecated-headers)

namespace pf::convert::detail {

inline constexpr int kShift = 16;  // Q16 coefficients

/// One matrix and range at one bit depth:
///   y = ((yr R + yg G + yb B + 2^15) >> 16) + y_offset
///   u = ((ur R + ug G + ub B + 2^15) >> 16) + mid        (one pixel, 4:4:4)
///   u = ((ur ΣR + ug ΣG + ub ΣB + 2^17) >> 18) + mid     (a 2×2 block, 4:2:0)
/// each clamped to [0, max].
struct Coefficients {
  int32_t yr, yg, yb, y_offset;
  int32_t ur, ug, ub;
  int32_t vr, vg, vb;
  int32_t mid;
  int32_t max;
};

/// One conversion for the CUDA kernels; every pointer is device memory.
/// `format` is a convert::YuvFormat value: 1 NV12, 2 I420, 3 I444, 4 P010
/// (P010 reads X2RGB10, the others BGRA/BGRX).
struct CudaJob {
  const void* src;
  uint32_t src_pitch;
  uint32_t width;
  uint32_t height;
  uint32_t format;
  void* planes[3];
  uint32_t strides[3];
  Coefficients coefficients;
};

inline constexpr uint32_t kCudaModuleAbi = 1;

/// The module's entry table. Every int is a cudaError_t (0 = success);
/// error_name/error_string turn one into text. The calls act on the
/// calling thread's current device and its per-thread default stream.
struct CudaModule {
  uint32_t abi;   ///< kCudaModuleAbi
  uint32_t size;  ///< sizeof(CudaModule) as built
  int (*device_count)(int* count);
  /// Name, and peak memory bandwidth in GB/s from the memory clock and bus width.
  int (*device_info)(int device, char* name, size_t name_len, double* peak_gbps);
  int (*set_device)(int device);
  int (*malloc_pitch)(void** ptr, size_t* pitch, size_t width_bytes, size_t rows);
  int (*free)(void* ptr);
  /// Any direction (host or device on either side), synchronous.
  int (*copy_2d)(void* dst, size_t dst_pitch, const void* src, size_t src_pitch, size_t width_bytes, size_t rows);
  /// Launches the conversion; completes in stream order.
  int (*convert)(const CudaJob* job);
  int (*synchronize)(void);
  /// Device time of `iterations` back-to-back conversions, in milliseconds.
  int (*time_convert)(const CudaJob* job, int iterations, float* ms);
  /// Device time of `iterations` device-to-device copies of `bytes`: the reference.
  int (*time_copy)(void* dst, const void* src, size_t bytes, int iterations, float* ms);
  const char* (*error_name)(int error);
  const char* (*error_string)(int error);
};

}  // namespace pf::convert::detail

/// The one exported symbol of libpunktfunk-cuda.so.
extern "C" const pf::convert::detail::CudaModule* pf_cuda_module(void);
