#include "wayland_painter.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

namespace pf::bench {

struct WaylandPainter::State {
  wl_display* display = nullptr;
  wl_registry* registry = nullptr;
  wl_compositor* compositor = nullptr;
  wl_shm* shm = nullptr;
  xdg_wm_base* wm = nullptr;
  wl_surface* surface = nullptr;
  xdg_surface* xsurface = nullptr;
  xdg_toplevel* toplevel = nullptr;
  wl_buffer* buffer = nullptr;
  int memfd = -1;
  std::uint32_t* pixels = nullptr;
  std::size_t bytes = 0;
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::int32_t pending_width = 0;
  std::int32_t pending_height = 0;
  bool configured = false;

  ~State() {
    release();
    if (toplevel != nullptr) xdg_toplevel_destroy(toplevel);
    if (xsurface != nullptr) xdg_surface_destroy(xsurface);
    if (surface != nullptr) wl_surface_destroy(surface);
    if (wm != nullptr) xdg_wm_base_destroy(wm);
    if (shm != nullptr) wl_shm_destroy(shm);
    if (compositor != nullptr) wl_compositor_destroy(compositor);
    if (registry != nullptr) wl_registry_destroy(registry);
    if (display != nullptr) wl_display_disconnect(display);
  }

  static void global(void* data, wl_registry* reg, std::uint32_t name, const char* iface, std::uint32_t) {
    auto* s = static_cast<State*>(data);
    if (std::strcmp(iface, wl_compositor_interface.name) == 0) {
      s->compositor = static_cast<wl_compositor*>(wl_registry_bind(reg, name, &wl_compositor_interface, 4));
    } else if (std::strcmp(iface, wl_shm_interface.name) == 0) {
      s->shm = static_cast<wl_shm*>(wl_registry_bind(reg, name, &wl_shm_interface, 1));
    } else if (std::strcmp(iface, xdg_wm_base_interface.name) == 0) {
      s->wm = static_cast<xdg_wm_base*>(wl_registry_bind(reg, name, &xdg_wm_base_interface, 1));
    }
  }
  static void global_remove(void*, wl_registry*, std::uint32_t) {}
  static constexpr wl_registry_listener kRegistry = {&global, &global_remove};

  static void ping(void*, xdg_wm_base* wm, std::uint32_t serial) { xdg_wm_base_pong(wm, serial); }
  static constexpr xdg_wm_base_listener kWm = {&ping};

  static void surface_configure(void* data, xdg_surface* xs, std::uint32_t serial) {
    auto* s = static_cast<State*>(data);
    xdg_surface_ack_configure(xs, serial);
    s->width = s->pending_width;  // 0 x 0 first: "choose a size" until the window is mapped
    s->height = s->pending_height;
    s->configured = true;
  }
  static constexpr xdg_surface_listener kSurface = {&surface_configure};

  static void toplevel_configure(void* data, xdg_toplevel*, std::int32_t w, std::int32_t h, wl_array*) {
    auto* s = static_cast<State*>(data);
    s->pending_width = w;
    s->pending_height = h;
  }
  static void toplevel_close(void*, xdg_toplevel*) {}
  // configure_bounds and wm_capabilities come only with version 4 and 5; we bind 1.
  static constexpr xdg_toplevel_listener kToplevel = {&toplevel_configure, &toplevel_close, nullptr, nullptr};

  void release() {
    if (buffer != nullptr) wl_buffer_destroy(buffer);
    if (pixels != nullptr) ::munmap(pixels, bytes);
    if (memfd >= 0) ::close(memfd);
    buffer = nullptr;
    pixels = nullptr;
    memfd = -1;
  }

  bool allocate() {
    release();
    bytes = static_cast<std::size_t>(width) * 4 * static_cast<std::size_t>(height);
    memfd = ::memfd_create("bench-painter", MFD_CLOEXEC);
    if (memfd < 0 || ::ftruncate(memfd, static_cast<off_t>(bytes)) != 0) return false;
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (map == MAP_FAILED) return false;
    pixels = static_cast<std::uint32_t*>(map);
    wl_shm_pool* pool = wl_shm_create_pool(shm, memfd, static_cast<std::int32_t>(bytes));
    buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4, WL_SHM_FORMAT_XRGB8888);
    wl_shm_pool_destroy(pool);
    return true;
  }
};

WaylandPainter::WaylandPainter(std::unique_ptr<State> s) : s_(std::move(s)) {}
WaylandPainter::~WaylandPainter() = default;

std::unique_ptr<WaylandPainter> WaylandPainter::connect(const std::string& socket, std::string& error) {
  auto s = std::make_unique<State>();
  s->display = wl_display_connect(socket.c_str());
  if (s->display == nullptr) {
    error = "cannot connect to " + socket;
    return nullptr;
  }
  s->registry = wl_display_get_registry(s->display);
  wl_registry_add_listener(s->registry, &State::kRegistry, s.get());
  wl_display_roundtrip(s->display);
  if (s->compositor == nullptr || s->shm == nullptr || s->wm == nullptr) {
    error = "the compositor lacks wl_compositor, wl_shm or xdg_wm_base";
    return nullptr;
  }
  xdg_wm_base_add_listener(s->wm, &State::kWm, s.get());
  s->surface = wl_compositor_create_surface(s->compositor);
  s->xsurface = xdg_wm_base_get_xdg_surface(s->wm, s->surface);
  xdg_surface_add_listener(s->xsurface, &State::kSurface, s.get());
  s->toplevel = xdg_surface_get_toplevel(s->xsurface);
  xdg_toplevel_add_listener(s->toplevel, &State::kToplevel, s.get());
  xdg_toplevel_set_fullscreen(s->toplevel, nullptr);
  wl_surface_commit(s->surface);
  // The first configure may say 0 x 0; the fullscreen size follows once a
  // first buffer has mapped the window.
  for (int i = 0; i < 100 && !s->configured; ++i) {
    if (wl_display_roundtrip(s->display) < 0) {
      error = "the compositor hung up";
      return nullptr;
    }
  }
  if (s->width == 0 || s->height == 0) {
    s->width = s->height = 64;
    std::unique_ptr<WaylandPainter> first(new WaylandPainter(std::move(s)));
    if (!first->s_->allocate() || !first->fill(0)) {
      error = "cannot map the window";
      return nullptr;
    }
    s = std::move(first->s_);
    s->configured = false;
    for (int i = 0; i < 100 && (!s->configured || s->width <= 64); ++i) {
      if (wl_display_roundtrip(s->display) < 0) {
        error = "the compositor hung up";
        return nullptr;
      }
    }
  }
  if (!s->configured || s->width <= 0 || s->height <= 0 || !s->allocate()) {
    error = "the window was never given a size";
    return nullptr;
  }
  return std::unique_ptr<WaylandPainter>(new WaylandPainter(std::move(s)));
}

bool WaylandPainter::fill(std::uint32_t xrgb) {
  std::fill(s_->pixels, s_->pixels + s_->bytes / 4, xrgb);
  wl_surface_attach(s_->surface, s_->buffer, 0, 0);
  wl_surface_damage_buffer(s_->surface, 0, 0, s_->width, s_->height);
  wl_surface_commit(s_->surface);
  wl_display_dispatch_pending(s_->display);  // answer pings
  return wl_display_flush(s_->display) >= 0;
}

}  // namespace pf::bench
