#include "screencopy.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <wayland-client.h>

#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"

namespace pf::agent {
namespace {

// wlr-screencopy-unstable-v1, version 3, described to libwayland by hand
// (Debian packages no XML for it). Message signatures: one letter per
// argument (n new_id, o object, i int, u uint), a leading digit is the
// version that added the message; `types` has one entry per argument: the
// interface of object and new_id arguments, nullptr otherwise.
extern const wl_interface kManagerInterface;
extern const wl_interface kFrameInterface;

const wl_interface* const kTypes[] = {
    nullptr,          nullptr, nullptr, nullptr,  // plain arguments
    &kFrameInterface, nullptr, &wl_output_interface,  // capture_output: n i o
    &wl_buffer_interface,                              // copy, copy_with_damage: o
};
const wl_interface** types_at(std::size_t i) { return const_cast<const wl_interface**>(kTypes + i); }

const wl_message kManagerRequests[] = {
    {"capture_output", "nio", types_at(4)},
    {"capture_output_region", "nioiiii", types_at(0)},  // never sent
    {"destroy", "", types_at(0)},
};
const wl_message kFrameRequests[] = {
    {"copy", "o", types_at(7)},
    {"destroy", "", types_at(0)},
    {"copy_with_damage", "2o", types_at(7)},
};
const wl_message kFrameEvents[] = {
    {"buffer", "uuuu", types_at(0)},      // wl_shm format, width, height, stride
    {"flags", "u", types_at(0)},          // 1 = y-inverted
    {"ready", "uuu", types_at(0)},        // presentation time
    {"failed", "", types_at(0)},
    {"damage", "2uuuu", types_at(0)},
    {"linux_dmabuf", "3uuu", types_at(0)},
    {"buffer_done", "3", types_at(0)},
};
const wl_interface kManagerInterface = {"zwlr_screencopy_manager_v1", 3, 3, kManagerRequests, 0, nullptr};
const wl_interface kFrameInterface = {"zwlr_screencopy_frame_v1", 3, 3, kFrameRequests, 7, kFrameEvents};

enum : std::uint32_t {
  kCaptureOutput = 0,
  kManagerDestroy = 2,
  kFrameCopy = 0,
  kFrameDestroy = 1,
  kFrameCopyWithDamage = 2,
  kFlagYInvert = 1,
};

void destroy_request(wl_proxy* p, std::uint32_t opcode) {
  wl_proxy_marshal_flags(p, opcode, nullptr, wl_proxy_get_version(p), WL_MARSHAL_FLAG_DESTROY);
}

using Display = Unique<wl_display*, &wl_display_disconnect>;

// A wl_shm buffer over a memfd of ours.
struct ShmBuffer {
  UniqueFd memfd;
  framering::Mapping pixels;
  wl_buffer* buffer = nullptr;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t stride = 0;
  std::uint32_t format = 0;

  void release() {
    if (buffer != nullptr) {
      wl_buffer_destroy(buffer);
      buffer = nullptr;
    }
    pixels = framering::Mapping();
    memfd.reset();
  }
};

}  // namespace

struct Screencopy::State {
  Display display;
  wl_registry* registry = nullptr;
  wl_shm* shm = nullptr;
  wl_output* output = nullptr;
  wl_proxy* manager = nullptr;
  std::uint32_t manager_version = 0;

  std::array<ShmBuffer, 2> buffers;
  // The frame in flight, into buffers[target].
  wl_proxy* frame = nullptr;
  std::size_t target = 0;
  std::uint32_t info_format = 0;
  std::uint32_t info_width = 0;
  std::uint32_t info_height = 0;
  std::uint32_t info_stride = 0;
  std::uint32_t flags = 0;
  bool ready = false;
  bool failed = false;
  bool force_copy = true;  // the next copy must not wait for damage (first frame, new mode)
  std::optional<std::string> error;  // sticky: the stream cannot go on

  std::optional<std::size_t> latest;  // the newest completed buffer
  bool latest_new = false;

  ~State() {
    if (frame != nullptr) {
      destroy_request(frame, kFrameDestroy);
    }
    for (auto& b : buffers) {
      b.release();
    }
    if (manager != nullptr) {
      destroy_request(manager, kManagerDestroy);
    }
    if (output != nullptr) {
      wl_output_destroy(output);
    }
    if (shm != nullptr) {
      wl_shm_destroy(shm);
    }
    if (registry != nullptr) {
      wl_registry_destroy(registry);
    }
  }

  static void on_global(void* data, wl_registry* reg, std::uint32_t name, const char* interface,
                        std::uint32_t version) {
    auto* s = static_cast<State*>(data);
    if (std::strcmp(interface, wl_shm_interface.name) == 0 && s->shm == nullptr) {
      s->shm = static_cast<wl_shm*>(wl_registry_bind(reg, name, &wl_shm_interface, 1));
    } else if (std::strcmp(interface, wl_output_interface.name) == 0 && s->output == nullptr) {
      s->output = static_cast<wl_output*>(wl_registry_bind(reg, name, &wl_output_interface, 1));
    } else if (std::strcmp(interface, kManagerInterface.name) == 0 && s->manager == nullptr) {
      s->manager_version = std::min<std::uint32_t>(version, 3);
      s->manager = static_cast<wl_proxy*>(wl_registry_bind(reg, name, &kManagerInterface, s->manager_version));
    }
  }
  static void on_global_remove(void*, wl_registry*, std::uint32_t) {}
  static constexpr wl_registry_listener kRegistryListener = {&State::on_global, &State::on_global_remove};

  // Frame events, in the protocol's order.
  static void on_buffer(void* data, wl_proxy*, std::uint32_t format, std::uint32_t w, std::uint32_t h,
                        std::uint32_t stride) {
    auto* s = static_cast<State*>(data);
    s->info_format = format;
    s->info_width = w;
    s->info_height = h;
    s->info_stride = stride;
  }
  static void on_flags(void* data, wl_proxy*, std::uint32_t flags) { static_cast<State*>(data)->flags = flags; }
  static void on_ready(void* data, wl_proxy*, std::uint32_t, std::uint32_t, std::uint32_t) {
    static_cast<State*>(data)->ready = true;
  }
  static void on_failed(void* data, wl_proxy*) { static_cast<State*>(data)->failed = true; }
  static void on_damage(void*, wl_proxy*, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t) {}
  static void on_dmabuf(void*, wl_proxy*, std::uint32_t, std::uint32_t, std::uint32_t) {}
  static void on_buffer_done(void* data, wl_proxy*) { static_cast<State*>(data)->copy_into_target(); }

  struct FrameListener {
    decltype(&on_buffer) buffer;
    decltype(&on_flags) flags;
    decltype(&on_ready) ready;
    decltype(&on_failed) failed;
    decltype(&on_damage) damage;
    decltype(&on_dmabuf) dmabuf;
    decltype(&on_buffer_done) buffer_done;
  };
  static constexpr FrameListener kFrameListener = {&on_buffer, &on_flags,  &on_ready,      &on_failed,
                                                   &on_damage, &on_dmabuf, &on_buffer_done};

  // Asks for the next frame, to be copied into buffers[target].
  void request(std::size_t into) {
    target = into;
    ready = false;
    failed = false;
    flags = 0;
    info_width = info_height = info_stride = info_format = 0;
    frame = static_cast<wl_proxy*>(wl_proxy_marshal_flags(manager, kCaptureOutput, &kFrameInterface,
                                                          wl_proxy_get_version(manager), 0, nullptr,
                                                          std::int32_t{0} /* no cursor */, output));
    if (frame == nullptr) {
      error = "the compositor connection failed";
      return;
    }
    // libwayland's listener convention: an array of function pointers.
    wl_proxy_add_listener(frame, reinterpret_cast<void (**)()>(const_cast<FrameListener*>(&kFrameListener)), this);
  }

  // buffer_done: the compositor said what it wants; copy when the next change comes.
  void copy_into_target() {
    if (info_format != WL_SHM_FORMAT_XRGB8888 && info_format != WL_SHM_FORMAT_ARGB8888) {
      error = fmt::format("the compositor offers pixel format {:#x}; only XRGB8888/ARGB8888 are handled", info_format);
      return;
    }
    if (info_width == 0 || info_height == 0 || info_stride < info_width * 4 || info_stride % 4 != 0) {
      error = fmt::format("the compositor offers a {}x{} buffer with stride {}", info_width, info_height, info_stride);
      return;
    }
    ShmBuffer& b = buffers[target];
    if (b.buffer == nullptr || b.width != info_width || b.height != info_height || b.stride != info_stride ||
        b.format != info_format) {
      b.release();
      if (auto st = allocate(b); !st) {
        error = st.error().message;
        return;
      }
    }
    wl_proxy_marshal_flags(frame, force_copy ? kFrameCopy : kFrameCopyWithDamage, nullptr,
                           wl_proxy_get_version(frame), 0, b.buffer);
    force_copy = false;
  }

  Status allocate(ShmBuffer& b) const {
    const std::size_t bytes = std::size_t{info_stride} * info_height;
    b.memfd.reset(::memfd_create("punktfunk-screencopy", MFD_CLOEXEC));
    if (!b.memfd || ::ftruncate(b.memfd.get(), static_cast<off_t>(bytes)) != 0) {
      return fail_errno(errno, "memfd for screencopy");
    }
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, b.memfd.get(), 0);
    if (map == MAP_FAILED) {
      return fail_errno(errno, "mapping a screencopy buffer");
    }
    b.pixels = framering::Mapping(map, bytes);
    wl_shm_pool* pool = wl_shm_create_pool(shm, b.memfd.get(), static_cast<std::int32_t>(bytes));
    b.buffer = wl_shm_pool_create_buffer(pool, 0, static_cast<std::int32_t>(info_width),
                                         static_cast<std::int32_t>(info_height),
                                         static_cast<std::int32_t>(info_stride), info_format);
    wl_shm_pool_destroy(pool);  // the buffer keeps the memory
    b.width = info_width;
    b.height = info_height;
    b.stride = info_stride;
    b.format = info_format;
    return ok();
  }

  // Reads whatever the compositor sent, waiting at most `wait_ms`.
  Status dispatch(int wait_ms) {
    wl_display* d = display.get();
    while (wl_display_prepare_read(d) != 0) {
      if (wl_display_dispatch_pending(d) < 0) {
        return fail(Errc::closed, "lost the connection to the compositor");
      }
    }
    wl_display_flush(d);
    pollfd p{wl_display_get_fd(d), POLLIN, 0};
    if (::poll(&p, 1, wait_ms) > 0) {
      if (wl_display_read_events(d) < 0) {
        return fail(Errc::closed, "lost the connection to the compositor");
      }
    } else {
      wl_display_cancel_read(d);
    }
    if (wl_display_dispatch_pending(d) < 0) {
      return fail(Errc::closed, "lost the connection to the compositor");
    }
    return ok();
  }

  // Settles the frame in flight: a completed one becomes the latest and the
  // next is requested into the other buffer; a failed one is asked again.
  void settle() {
    if (frame == nullptr || (!ready && !failed)) {
      return;
    }
    destroy_request(frame, kFrameDestroy);
    frame = nullptr;
    if (ready && (flags & kFlagYInvert) != 0) {
      error = "the compositor sends y-inverted frames, which are not handled";
      return;
    }
    if (ready) {
      latest = target;
      latest_new = true;
      request(1 - target);
    } else {
      request(target);
    }
  }
};

Screencopy::Screencopy(std::unique_ptr<State> state) noexcept : s_(std::move(state)) {}
Screencopy::~Screencopy() = default;

Result<std::unique_ptr<Screencopy>> Screencopy::connect(const std::filesystem::path& socket) {
  auto s = std::make_unique<State>();
  s->display.reset(wl_display_connect(socket.c_str()));
  if (!s->display) {
    return fail_errno(errno, fmt::format("connecting to the compositor at {}", socket.string()));
  }
  s->registry = wl_display_get_registry(s->display.get());
  wl_registry_add_listener(s->registry, &State::kRegistryListener, s.get());
  if (wl_display_roundtrip(s->display.get()) < 0) {
    return fail(Errc::closed, "the compositor at {} hung up", socket.string());
  }
  if (s->shm == nullptr || s->output == nullptr) {
    return fail(Errc::unsupported, "the compositor at {} has no wl_shm or no output", socket.string());
  }
  if (s->manager == nullptr || s->manager_version < 3) {
    return fail(Errc::unsupported, "the compositor at {} lacks wlr-screencopy version 3", socket.string());
  }
  s->request(0);
  return std::unique_ptr<Screencopy>(new Screencopy(std::move(s)));
}

Result<SourceFrame> Screencopy::poll() {
  if (auto st = s_->dispatch(0); !st) {
    return tl::unexpected(st.error());
  }
  s_->settle();
  if (s_->error) {
    return fail(Errc::unsupported, "{}", *s_->error);
  }
  if (!s_->latest) {
    return fail(Errc::timeout, "no frame from the compositor yet");
  }
  const ShmBuffer& b = s_->buffers[*s_->latest];
  SourceFrame f{b.pixels.data(), b.stride, b.width, b.height, s_->latest_new, 0, 0};
  s_->latest_new = false;
  return f;
}

Status Screencopy::restart() {
  if (s_->frame != nullptr) {
    destroy_request(s_->frame, kFrameDestroy);
    s_->frame = nullptr;
  }
  s_->latest.reset();
  s_->force_copy = true;
  s_->request(0);
  return s_->dispatch(0);
}

Status Screencopy::wait_for_size(std::uint32_t width, std::uint32_t height, Nanos timeout) {
  const TimePoint deadline = steady_clock().now() + timeout;
  for (;;) {
    if (s_->latest && s_->buffers[*s_->latest].width == width && s_->buffers[*s_->latest].height == height) {
      s_->latest_new = true;  // the caller's next poll() hands it out as new
      return ok();
    }
    if (s_->error) {
      return fail(Errc::unsupported, "{}", *s_->error);
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock().now()).count();
    if (left <= 0) {
      return fail(Errc::timeout, "no {}x{} frame from the compositor within {} ms", width, height,
                  std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    }
    if (auto st = s_->dispatch(static_cast<int>(std::min<std::int64_t>(left, 50))); !st) {
      return st;
    }
    const bool stale = s_->ready && (s_->info_width != width || s_->info_height != height);
    s_->settle();
    if (stale) {
      s_->force_copy = true;  // asked before the mode changed: ask again without waiting for damage
    }
  }
}

}  // namespace pf::agent
