// libpunktfunk-cuda.so: the CUDA conversion kernels behind the C entry table
// of kernel_abi.h. The host loads it with dlopen (cuda_converter.cpp), so a
// machine without a GPU or driver never needs it; the CUDA runtime is linked
// statically and finds the driver itself when a call first needs it.
//
// The arithmetic is the CPU path's (convert.cpp): the same Q16 coefficients,
// the same rounding, the same edge rules (a lone last column or row of an
// odd size counts twice in its chroma block), so outputs agree bit for bit.
//
// Memory access: one thread converts a 4×2 pixel tile (two 2×2 chroma
// blocks) of 4:2:0 or a 4×1 strip of 4:4:4, reading each source row as one
// 16-byte load and writing each output row as one 4- or 8-byte store when the
// tile is whole and aligned; tiles at a ragged right edge take a per-pixel
// path. Conversion is bandwidth-bound: the figure that matters is bytes
// moved per second against the device's peak (punktfunk-bench convert_gpu).
#include <cuda_runtime.h>

#include <cstdio>
#include <type_traits>

#include "../kernel_abi.h"

namespace {

using pf::convert::detail::Coefficients;
using pf::convert::detail::CudaJob;
using pf::convert::detail::CudaModule;
using pf::convert::detail::kShift;

constexpr unsigned kFormatNv12 = 1;
constexpr unsigned kFormatI420 = 2;
constexpr unsigned kFormatI444 = 3;
constexpr unsigned kFormatP010 = 4;

struct Rgb {
  int r, g, b;
};

__device__ __forceinline__ Rgb unpack(unsigned v, bool ten) {
  if (ten) {
    return {static_cast<int>((v >> 20) & 0x3FF), static_cast<int>((v >> 10) & 0x3FF), static_cast<int>(v & 0x3FF)};
  }
  return {static_cast<int>((v >> 16) & 0xFF), static_cast<int>((v >> 8) & 0xFF), static_cast<int>(v & 0xFF)};
}

__device__ __forceinline__ int clamp_to(int v, int max) { return v < 0 ? 0 : (v > max ? max : v); }

__device__ __forceinline__ int luma(const Rgb& p, const Coefficients& c) {
  return clamp_to(((c.yr * p.r + c.yg * p.g + c.yb * p.b + (1 << (kShift - 1))) >> kShift) + c.y_offset, c.max);
}

// Chroma of a 2×2 block from its four pixels.
__device__ __forceinline__ void chroma4(const Rgb& a, const Rgb& b, const Rgb& c2, const Rgb& d,
                                        const Coefficients& c, int& u, int& v) {
  const int r = a.r + b.r + c2.r + d.r;
  const int g = a.g + b.g + c2.g + d.g;
  const int bl = a.b + b.b + c2.b + d.b;
  constexpr int kRound = 1 << (kShift + 1);
  u = clamp_to(((c.ur * r + c.ug * g + c.ub * bl + kRound) >> (kShift + 2)) + c.mid, c.max);
  v = clamp_to(((c.vr * r + c.vg * g + c.vb * bl + kRound) >> (kShift + 2)) + c.mid, c.max);
}

__device__ __forceinline__ unsigned load_pixel(const unsigned char* row, unsigned x) {
  return *reinterpret_cast<const unsigned*>(row + x * 4);
}

template <typename Sample>
__device__ __forceinline__ void put(unsigned char* plane, unsigned index, int value) {
  if constexpr (sizeof(Sample) == 1) {
    plane[index] = static_cast<unsigned char>(value);
  } else {
    reinterpret_cast<unsigned short*>(plane)[index] = static_cast<unsigned short>(value << 6);
  }
}

// 4:2:0 (NV12, I420, P010): one thread, a 4×2 tile = two chroma blocks.
template <bool Ten, bool Interleaved>
__global__ void convert_420(CudaJob job) {
  using Sample = typename std::conditional<Ten, unsigned short, unsigned char>::type;
  const unsigned tx = blockIdx.x * blockDim.x + threadIdx.x;  // tile column: pixels 4tx..4tx+3
  const unsigned cy = blockIdx.y * blockDim.y + threadIdx.y;  // chroma row: pixel rows 2cy, 2cy+1
  const unsigned x0 = tx * 4;
  if (x0 >= job.width || cy * 2 >= job.height) {
    return;
  }
  const Coefficients& c = job.coefficients;
  const auto* src = static_cast<const unsigned char*>(job.src);
  const unsigned y0 = cy * 2;
  const bool pair = y0 + 1 < job.height;
  const unsigned char* ra = src + static_cast<size_t>(job.src_pitch) * y0;
  const unsigned char* rb = pair ? ra + job.src_pitch : ra;
  auto* ya = static_cast<unsigned char*>(job.planes[0]) + static_cast<size_t>(job.strides[0]) * y0;
  auto* yb = ya + job.strides[0];
  auto* uv = static_cast<unsigned char*>(job.planes[1]) + static_cast<size_t>(job.strides[1]) * cy;
  auto* vp = Interleaved ? nullptr : static_cast<unsigned char*>(job.planes[2]) + static_cast<size_t>(job.strides[2]) * cy;

  const bool whole = x0 + 4 <= job.width && (reinterpret_cast<size_t>(ra) & 15) == 0 &&
                     (reinterpret_cast<size_t>(rb) & 15) == 0;
  Rgb a[4], b[4];
  if (whole) {
    const uint4 va = *reinterpret_cast<const uint4*>(ra + x0 * 4);
    const uint4 vb = *reinterpret_cast<const uint4*>(rb + x0 * 4);
    a[0] = unpack(va.x, Ten), a[1] = unpack(va.y, Ten), a[2] = unpack(va.z, Ten), a[3] = unpack(va.w, Ten);
    b[0] = unpack(vb.x, Ten), b[1] = unpack(vb.y, Ten), b[2] = unpack(vb.z, Ten), b[3] = unpack(vb.w, Ten);
  } else {
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned x = min(x0 + i, job.width - 1);  // past a ragged edge: the last column again
      a[i] = unpack(load_pixel(ra, x), Ten);
      b[i] = unpack(load_pixel(rb, x), Ten);
    }
  }
  const unsigned columns = min(4u, job.width - x0);
  int ly[2][4];
  for (unsigned i = 0; i < 4; ++i) {
    ly[0][i] = luma(a[i], c);
    ly[1][i] = luma(b[i], c);
  }
  int u[2], v[2];
  chroma4(a[0], a[1], b[0], b[1], c, u[0], v[0]);
  chroma4(a[2], a[3], b[2], b[3], c, u[1], v[1]);
  const unsigned blocks = (columns + 1) / 2;

  const size_t bases = reinterpret_cast<size_t>(job.planes[0]) | reinterpret_cast<size_t>(job.planes[1]) |
                       (Interleaved ? 0 : reinterpret_cast<size_t>(job.planes[2]));
  if (columns == 4 && ((job.strides[0] | job.strides[1] | (Interleaved ? 0 : job.strides[2]) | bases) % 8) == 0) {
    if constexpr (Ten) {
      const auto s = [](int v) { return static_cast<unsigned short>(v << 6); };
      *reinterpret_cast<ushort4*>(ya + x0 * 2) = make_ushort4(s(ly[0][0]), s(ly[0][1]), s(ly[0][2]), s(ly[0][3]));
      if (pair) {
        *reinterpret_cast<ushort4*>(yb + x0 * 2) = make_ushort4(s(ly[1][0]), s(ly[1][1]), s(ly[1][2]), s(ly[1][3]));
      }
      *reinterpret_cast<ushort4*>(uv + x0 * 2) = make_ushort4(s(u[0]), s(v[0]), s(u[1]), s(v[1]));
    } else {
      const auto b8 = [](int v) { return static_cast<unsigned char>(v); };
      *reinterpret_cast<uchar4*>(ya + x0) = make_uchar4(b8(ly[0][0]), b8(ly[0][1]), b8(ly[0][2]), b8(ly[0][3]));
      if (pair) {
        *reinterpret_cast<uchar4*>(yb + x0) = make_uchar4(b8(ly[1][0]), b8(ly[1][1]), b8(ly[1][2]), b8(ly[1][3]));
      }
      if constexpr (Interleaved) {
        *reinterpret_cast<uchar4*>(uv + x0) = make_uchar4(b8(u[0]), b8(v[0]), b8(u[1]), b8(v[1]));
      } else {
        *reinterpret_cast<uchar2*>(uv + x0 / 2) = make_uchar2(b8(u[0]), b8(u[1]));
        *reinterpret_cast<uchar2*>(vp + x0 / 2) = make_uchar2(b8(v[0]), b8(v[1]));
      }
    }
    return;
  }
  for (unsigned i = 0; i < columns; ++i) {
    put<Sample>(ya, x0 + i, ly[0][i]);
    if (pair) {
      put<Sample>(yb, x0 + i, ly[1][i]);
    }
  }
  for (unsigned k = 0; k < blocks; ++k) {
    const unsigned cx = x0 / 2 + k;
    if constexpr (Interleaved) {
      put<Sample>(uv, cx * 2, u[k]);
      put<Sample>(uv, cx * 2 + 1, v[k]);
    } else {
      uv[cx] = static_cast<unsigned char>(u[k]);
      vp[cx] = static_cast<unsigned char>(v[k]);
    }
  }
}

// 4:4:4 (I444): one thread, four pixels of one row.
__global__ void convert_444(CudaJob job) {
  const unsigned x0 = (blockIdx.x * blockDim.x + threadIdx.x) * 4;
  const unsigned y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x0 >= job.width || y >= job.height) {
    return;
  }
  const Coefficients& c = job.coefficients;
  const unsigned char* row = static_cast<const unsigned char*>(job.src) + static_cast<size_t>(job.src_pitch) * y;
  unsigned char* out[3];
  for (int p = 0; p < 3; ++p) {
    out[p] = static_cast<unsigned char*>(job.planes[p]) + static_cast<size_t>(job.strides[p]) * y;
  }
  const unsigned columns = min(4u, job.width - x0);
  unsigned px[4];
  if (columns == 4 && (reinterpret_cast<size_t>(row) & 15) == 0) {
    const uint4 v = *reinterpret_cast<const uint4*>(row + x0 * 4);
    px[0] = v.x, px[1] = v.y, px[2] = v.z, px[3] = v.w;
  } else {
    for (unsigned i = 0; i < 4; ++i) {
      px[i] = load_pixel(row, min(x0 + i, job.width - 1));
    }
  }
  unsigned char ys[4], us[4], vs[4];
  for (unsigned i = 0; i < 4; ++i) {
    const Rgb p = unpack(px[i], false);
    ys[i] = static_cast<unsigned char>(luma(p, c));
    us[i] = static_cast<unsigned char>(
        clamp_to(((c.ur * p.r + c.ug * p.g + c.ub * p.b + (1 << (kShift - 1))) >> kShift) + c.mid, c.max));
    vs[i] = static_cast<unsigned char>(
        clamp_to(((c.vr * p.r + c.vg * p.g + c.vb * p.b + (1 << (kShift - 1))) >> kShift) + c.mid, c.max));
  }
  const size_t layout = job.strides[0] | job.strides[1] | job.strides[2] | reinterpret_cast<size_t>(job.planes[0]) |
                        reinterpret_cast<size_t>(job.planes[1]) | reinterpret_cast<size_t>(job.planes[2]);
  if (columns == 4 && layout % 4 == 0) {
    *reinterpret_cast<uchar4*>(out[0] + x0) = make_uchar4(ys[0], ys[1], ys[2], ys[3]);
    *reinterpret_cast<uchar4*>(out[1] + x0) = make_uchar4(us[0], us[1], us[2], us[3]);
    *reinterpret_cast<uchar4*>(out[2] + x0) = make_uchar4(vs[0], vs[1], vs[2], vs[3]);
    return;
  }
  for (unsigned i = 0; i < columns; ++i) {
    out[0][x0 + i] = ys[i];
    out[1][x0 + i] = us[i];
    out[2][x0 + i] = vs[i];
  }
}

int launch(const CudaJob* job) {
  if (job == nullptr || job->width == 0 || job->height == 0) {
    return cudaErrorInvalidValue;
  }
  const dim3 block(32, 8);
  const unsigned tiles_x = (job->width + 3) / 4;
  const unsigned rows = job->format == kFormatI444 ? job->height : (job->height + 1) / 2;
  const dim3 grid((tiles_x + block.x - 1) / block.x, (rows + block.y - 1) / block.y);
  switch (job->format) {
    case kFormatNv12: convert_420<false, true><<<grid, block, 0, cudaStreamPerThread>>>(*job); break;
    case kFormatI420: convert_420<false, false><<<grid, block, 0, cudaStreamPerThread>>>(*job); break;
    case kFormatP010: convert_420<true, true><<<grid, block, 0, cudaStreamPerThread>>>(*job); break;
    case kFormatI444: convert_444<<<grid, block, 0, cudaStreamPerThread>>>(*job); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

int device_count(int* count) { return cudaGetDeviceCount(count); }

int device_info(int device, char* name, size_t name_len, double* peak_gbps) {
  cudaDeviceProp prop{};
  if (const cudaError_t e = cudaGetDeviceProperties(&prop, device); e != cudaSuccess) {
    return e;
  }
  int clock_khz = 0;
  int bus_bits = 0;
  if (const cudaError_t e = cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device); e != cudaSuccess) {
    return e;
  }
  if (const cudaError_t e = cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device);
      e != cudaSuccess) {
    return e;
  }
  std::snprintf(name, name_len, "%s", prop.name);
  *peak_gbps = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;  // double data rate
  return cudaSuccess;
}

int set_device(int device) { return cudaSetDevice(device); }

int malloc_pitch(void** ptr, size_t* pitch, size_t width_bytes, size_t rows) {
  return cudaMallocPitch(ptr, pitch, width_bytes, rows);
}

int free_memory(void* ptr) { return cudaFree(ptr); }

int copy_2d(void* dst, size_t dst_pitch, const void* src, size_t src_pitch, size_t width_bytes, size_t rows) {
  return cudaMemcpy2D(dst, dst_pitch, src, src_pitch, width_bytes, rows, cudaMemcpyDefault);
}

int synchronize() { return cudaStreamSynchronize(cudaStreamPerThread); }

// Times `iterations` runs of `work` between two events on the stream.
template <typename Work>
int time_events(int iterations, float* ms, Work work) {
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  cudaError_t e = cudaEventCreate(&start);
  if (e == cudaSuccess) {
    e = cudaEventCreate(&stop);
  }
  if (e == cudaSuccess) {
    e = work();  // warm-up
  }
  if (e == cudaSuccess) {
    e = cudaEventRecord(start, cudaStreamPerThread);
  }
  for (int i = 0; e == cudaSuccess && i < iterations; ++i) {
    e = work();
  }
  if (e == cudaSuccess) {
    e = cudaEventRecord(stop, cudaStreamPerThread);
  }
  if (e == cudaSuccess) {
    e = cudaEventSynchronize(stop);
  }
  float total = 0;
  if (e == cudaSuccess) {
    e = cudaEventElapsedTime(&total, start, stop);
    *ms = total / static_cast<float>(iterations > 0 ? iterations : 1);
  }
  if (stop != nullptr) {
    cudaEventDestroy(stop);
  }
  if (start != nullptr) {
    cudaEventDestroy(start);
  }
  return e;
}

int time_convert(const CudaJob* job, int iterations, float* ms) {
  return time_events(iterations, ms, [job] { return static_cast<cudaError_t>(launch(job)); });
}

int time_copy(void* dst, const void* src, size_t bytes, int iterations, float* ms) {
  return time_events(iterations, ms, [=] {
    return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cudaStreamPerThread);
  });
}

const char* error_name(int e) { return cudaGetErrorName(static_cast<cudaError_t>(e)); }
const char* error_string(int e) { return cudaGetErrorString(static_cast<cudaError_t>(e)); }

const CudaModule kModule{pf::convert::detail::kCudaModuleAbi,
                         sizeof(CudaModule),
                         device_count,
                         device_info,
                         set_device,
                         malloc_pitch,
                         free_memory,
                         copy_2d,
                         launch,
                         synchronize,
                         time_convert,
                         time_copy,
                         error_name,
                         error_string};

}  // namespace

extern "C" __attribute__((visibility("default"))) const CudaModule* pf_cuda_module(void) { return &kModule; }
