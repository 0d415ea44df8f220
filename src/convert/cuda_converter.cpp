#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail.hpp"
#include "pf/convert/cuda.hpp"
#include "pf/core/unique.hpp"

namespace pf::convert {
namespace detail {

inline void close_library(void* handle) noexcept { dlclose(handle); }

/// The loaded module: its table and the handle that keeps it mapped.
struct CudaLibrary {
  Unique<void*, &close_library> handle;
  const CudaModule* api = nullptr;

  [[nodiscard]] std::string describe(int error) const {
    return fmt::format("{}: {}", api->error_name(error), api->error_string(error));
  }
};

}  // namespace detail

namespace {

constexpr const char* kModuleName = "libpunktfunk-cuda.so";

tl::unexpected<Error> unavailable(const std::string& why) {
  return fail(Errc::unsupported, "CUDA conversion unavailable: {}", why);
}

// The module is looked for where the build and an installation put it, next
// to the executable's lib directory, and then by the dynamic loader's own
// search; PUNKTFUNK_CUDA_MODULE names a file explicitly.
Result<std::shared_ptr<const detail::CudaLibrary>> load_library() {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("PUNKTFUNK_CUDA_MODULE"); path != nullptr && *path != '\0') {
    candidates.emplace_back(path);
  } else {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back((exe.parent_path() / ".." / "lib" / kModuleName).string());
    }
    candidates.emplace_back(kModuleName);
  }
  std::string errors;
  for (const auto& candidate : candidates) {
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      errors += fmt::format("{}{}", errors.empty() ? "" : "; ", dlerror());
      continue;
    }
    auto library = std::make_shared<detail::CudaLibrary>();
    library->handle.reset(handle);
    using Entry = const detail::CudaModule* (*)();
    auto* entry = reinterpret_cast<Entry>(dlsym(handle, "pf_cuda_module"));
    library->api = entry != nullptr ? entry() : nullptr;
    if (library->api == nullptr || library->api->abi != detail::kCudaModuleAbi ||
        library->api->size < sizeof(detail::CudaModule)) {
      return unavailable(fmt::format("{} is not a compatible module (ABI {} expected)", candidate,
                                     detail::kCudaModuleAbi));
    }
    return std::shared_ptr<const detail::CudaLibrary>(std::move(library));
  }
  return unavailable(fmt::format("{} could not be loaded (this build has no CUDA kernels, or they are not "
                                 "installed): {}",
                                 kModuleName, errors));
}

bool ten_bit(YuvFormat f) { return f == YuvFormat::p010; }

// Row bytes and rows of each plane of a frame (0 bytes: no such plane).
using PlaneShapes = std::array<std::pair<std::size_t, std::size_t>, 3>;
PlaneShapes plane_shapes(YuvFormat format, std::uint32_t width, std::uint32_t height) {
  const std::size_t sample = ten_bit(format) ? 2 : 1;
  const bool interleaved = format == YuvFormat::nv12 || format == YuvFormat::p010;
  const std::size_t cw = chroma_width(format, width) * sample * (interleaved ? 2 : 1);
  const std::size_t ch = chroma_height(format, height);
  return {{{std::size_t{width} * sample, height}, {cw, ch}, {interleaved ? 0 : cw, ch}}};
}

}  // namespace

DeviceImage::DeviceImage(DeviceImage&& other) noexcept
    : library_(std::move(other.library_)),
      allocations_(std::exchange(other.allocations_, {})),
      source_(other.source_),
      yuv_(other.yuv_) {}

DeviceImage& DeviceImage::operator=(DeviceImage&& other) noexcept {
  if (this != &other) {
    release();
    library_ = std::move(other.library_);
    allocations_ = std::exchange(other.allocations_, {});
    source_ = other.source_;
    yuv_ = other.yuv_;
  }
  return *this;
}

DeviceImage::~DeviceImage() { release(); }

void DeviceImage::release() noexcept {
  for (void*& p : allocations_) {
    if (p != nullptr) {
      library_->api->free(p);
      p = nullptr;
    }
  }
}

Result<CudaConverter> CudaConverter::open(int device) {
  auto library = load_library();
  if (!library) {
    return tl::unexpected(library.error());
  }
  const detail::CudaModule& api = *(*library)->api;
  int count = 0;
  if (const int e = api.device_count(&count); e != 0) {
    return unavailable(fmt::format("no usable CUDA driver or device ({})", (*library)->describe(e)));
  }
  if (device < 0 || device >= count) {
    return unavailable(fmt::format("GPU {} requested, {} present", device, count));
  }
  CudaConverter converter(std::move(*library));
  std::array<char, 256> name{};
  if (const int e = api.device_info(device, name.data(), name.size(), &converter.peak_gbps_); e != 0) {
    return unavailable(fmt::format("GPU {} cannot be queried ({})", device, converter.library_->describe(e)));
  }
  converter.device_name_ = name.data();
  if (const int e = api.set_device(device); e != 0) {
    return unavailable(fmt::format("GPU {} cannot be used ({})", device, converter.library_->describe(e)));
  }
  return converter;
}

Result<DeviceImage> CudaConverter::allocate_source(PixelLayout layout, std::uint32_t width,
                                                   std::uint32_t height) const {
  if (layout == PixelLayout::unset || width == 0 || height == 0 || width > 16384 || height > 16384) {
    return fail(Errc::invalid_argument, "cannot allocate a {}x{} source on the GPU", width, height);
  }
  DeviceImage image;
  image.library_ = library_;
  std::size_t pitch = 0;
  if (const int e = library_->api->malloc_pitch(&image.allocations_[0], &pitch, std::size_t{width} * 4, height);
      e != 0) {
    return fail(Errc::io, "GPU allocation of a {}x{} source failed ({})", width, height, library_->describe(e));
  }
  image.source_ = SourceImage{static_cast<const std::uint8_t*>(image.allocations_[0]),
                              static_cast<std::uint32_t>(pitch), width, height, layout};
  return image;
}

Result<DeviceImage> CudaConverter::allocate_yuv(YuvFormat format, std::uint32_t width, std::uint32_t height) const {
  if (format == YuvFormat::unset || width == 0 || height == 0 || width > 16384 || height > 16384) {
    return fail(Errc::invalid_argument, "cannot allocate a {} frame of {}x{} on the GPU", to_string(format), width,
                height);
  }
  const PlaneShapes shapes = plane_shapes(format, width, height);
  DeviceImage image;
  image.library_ = library_;
  image.yuv_ = YuvImage{format, width, height, {}};
  for (std::size_t p = 0; p < shapes.size(); ++p) {
    if (shapes[p].first == 0) {
      continue;
    }
    std::size_t pitch = 0;
    if (const int e = library_->api->malloc_pitch(&image.allocations_[p], &pitch, shapes[p].first, shapes[p].second);
        e != 0) {
      return fail(Errc::io, "GPU allocation of a {} {}x{} frame failed ({})", to_string(format), width, height,
                  library_->describe(e));  // planes already allocated go with `image`
    }
    image.yuv_.planes[p] = Plane{static_cast<std::uint8_t*>(image.allocations_[p]), static_cast<std::uint32_t>(pitch)};
  }
  return image;
}

Status CudaConverter::upload(const SourceImage& host, const DeviceImage& device) const {
  const SourceImage& d = device.source();
  if (d.pixels == nullptr || host.pixels == nullptr || host.width != d.width || host.height != d.height ||
      host.layout != d.layout || host.pitch_bytes < host.width * 4) {
    return fail(Errc::invalid_argument, "upload of a {}x{} image into a {}x{} GPU source", host.width, host.height,
                d.width, d.height);
  }
  if (const int e = library_->api->copy_2d(const_cast<std::uint8_t*>(d.pixels), d.pitch_bytes, host.pixels,
                                           host.pitch_bytes, std::size_t{host.width} * 4, host.height);
      e != 0) {
    return fail(Errc::io, "upload to the GPU failed ({})", library_->describe(e));
  }
  return ok();
}

Status CudaConverter::download(const DeviceImage& device, const YuvImage& host) const {
  const YuvImage& d = device.yuv();
  if (d.format == YuvFormat::unset || host.format != d.format || host.width != d.width || host.height != d.height) {
    return fail(Errc::invalid_argument, "download of a {} {}x{} GPU frame into a {} {}x{} image", to_string(d.format),
                d.width, d.height, to_string(host.format), host.width, host.height);
  }
  const PlaneShapes shapes = plane_shapes(d.format, d.width, d.height);
  for (std::size_t p = 0; p < shapes.size(); ++p) {
    if (shapes[p].first == 0) {
      continue;
    }
    if (host.planes[p].data == nullptr || host.planes[p].stride_bytes < shapes[p].first) {
      return fail(Errc::invalid_argument, "host plane {} needs rows of {} bytes", p, shapes[p].first);
    }
    if (const int e = library_->api->copy_2d(host.planes[p].data, host.planes[p].stride_bytes, d.planes[p].data,
                                             d.planes[p].stride_bytes, shapes[p].first, shapes[p].second);
        e != 0) {
      return fail(Errc::io, "download from the GPU failed ({})", library_->describe(e));
    }
  }
  return ok();
}

namespace {

Result<detail::CudaJob> job_for(const DeviceImage& in, const DeviceImage& out, ColorSpec spec) {
  if (auto st = detail::check(in.source(), out.yuv(), spec); !st) {
    return tl::unexpected(st.error());
  }
  const SourceImage& s = in.source();
  const YuvImage& y = out.yuv();
  detail::CudaJob job{};
  job.src = s.pixels;
  job.src_pitch = s.pitch_bytes;
  job.width = s.width;
  job.height = s.height;
  job.format = static_cast<std::uint32_t>(y.format);
  for (std::size_t p = 0; p < 3; ++p) {
    job.planes[p] = y.planes[p].data;
    job.strides[p] = y.planes[p].stride_bytes;
  }
  job.coefficients = detail::coefficients(spec, ten_bit(y.format) ? 10 : 8);
  return job;
}

}  // namespace

Status CudaConverter::convert(const DeviceImage& in, const DeviceImage& out, ColorSpec spec) const {
  auto job = job_for(in, out, spec);
  if (!job) {
    return tl::unexpected(job.error());
  }
  if (const int e = library_->api->convert(&*job); e != 0) {
    return fail(Errc::io, "GPU conversion to {} failed ({})", to_string(out.yuv().format), library_->describe(e));
  }
  return ok();
}

Status CudaConverter::synchronize() const {
  if (const int e = library_->api->synchronize(); e != 0) {
    return fail(Errc::io, "GPU work failed ({})", library_->describe(e));
  }
  return ok();
}

Result<double> CudaConverter::time_convert(const DeviceImage& in, const DeviceImage& out, ColorSpec spec,
                                           int iterations) const {
  auto job = job_for(in, out, spec);
  if (!job) {
    return tl::unexpected(job.error());
  }
  float ms = 0;
  if (const int e = library_->api->time_convert(&*job, iterations, &ms); e != 0) {
    return fail(Errc::io, "timing the GPU conversion failed ({})", library_->describe(e));
  }
  return double{ms};
}

Result<double> CudaConverter::time_copy(const DeviceImage& dst, const DeviceImage& src, std::size_t bytes,
                                        int iterations) const {
  const SourceImage& d = dst.source();
  const SourceImage& s = src.source();
  if (d.pixels == nullptr || s.pixels == nullptr || bytes > std::size_t{d.pitch_bytes} * d.height ||
      bytes > std::size_t{s.pitch_bytes} * s.height) {
    return fail(Errc::invalid_argument, "copy of {} bytes does not fit the GPU sources", bytes);
  }
  float ms = 0;
  if (const int e = library_->api->time_copy(const_cast<std::uint8_t*>(d.pixels), s.pixels, bytes, iterations, &ms);
      e != 0) {
    return fail(Errc::io, "timing the GPU copy failed ({})", library_->describe(e));
  }
  return double{ms};
}

}  // namespace pf::convert
