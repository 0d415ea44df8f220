// capture: what it costs to get a changed screen into memory, per backend,
// at 1920x1080 and 3840x2160 (suffixes _1080p and _4k).
//
// xvfb: xvfb_capture_p50_ms_*, xvfb_capture_p99_ms_* (our XvfbSource::capture
//       of a changed screen), xshmgetimage_p50_ms_* (a bare
//       xcb_shm_get_image of the same screen, same run),
//       xvfb_vs_xshmgetimage_ratio_* (ours p50 ÷ bare p50). Each sample first
//       draws a rectangle through a second connection (and waits for the
//       server to have done it), so every capture sees damage.
//       xvfb_published_p50_ms_* / _p99_: a changed screen from capture to
//       published in the frame ring, the way the display thread does it
//       (MIT-SHM straight into a held slot); xvfb_copy_path_p50_ms_*: the
//       same through our own buffer plus the publisher's copy;
//       xvfb_in_place_vs_copy_ratio_* = in place ÷ copy path.
// wlroots: wlroots_capture_p50_ms_*, wlroots_capture_p99_ms_*: from a
//       client's commit of a new full-screen colour (at a random phase of
//       the refresh) to our capture holding it. The compositor repaints on
//       its refresh timer, so this includes up to one refresh interval of
//       waiting: it is the latency a user sees.
// Both: *_cpu_pct_1080p60 and *_cpu_pct_4k30: CPU of the capturing thread
//       plus the display server while the screen changes every frame at
//       that rate, in % of one core.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>

#include "pf/agent/source.hpp"
#include "pf/core/fs.hpp"
#include "pf/framering/endpoints.hpp"
#include "suite.hpp"
#include "wayland_painter.hpp"

namespace pf::bench {
namespace {

constexpr int kSamples = 200;
constexpr int kWaylandSamples = 60;

double now_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// CPU time in ms (utime + stime from /proc) of our children named `comm`.
double child_cpu_ms(const char* comm) {
  const std::string tag = std::string("(") + comm + ")";
  double total = 0;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line) || line.find(tag) == std::string::npos) {
      continue;
    }
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    std::vector<std::string> f;
    while (rest >> field) {
      f.push_back(field);
    }
    if (f.size() > 12 && std::stol(f[1]) == ::getpid()) {  // ppid, utime (11), stime (12)
      total += static_cast<double>(std::stol(f[11]) + std::stol(f[12])) * 1000.0 / static_cast<double>(ticks);
    }
  }
  return total;
}

// Runs `frame(i)` at `fps` for 2 s; returns the CPU of this thread plus the
// children named `server`, in % of one core.
template <typename Frame>
double cpu_pct_at(int fps, const char* server, Frame&& frame) {
  const double wall0 = now_ms(CLOCK_MONOTONIC);
  const double server0 = child_cpu_ms(server);
  const double thread0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < fps * 2; ++i) {
    frame(i);
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double, std::milli>(wall0 + (i + 1) * 1000.0 / fps))));
  }
  const double thread = now_ms(CLOCK_THREAD_CPUTIME_ID) - thread0;
  const double wall = now_ms(CLOCK_MONOTONIC) - wall0;
  return (thread + child_cpu_ms(server) - server0) / wall * 100.0;
}

xcb_connection_t* connect_like_an_app(const agent::FrameSource& source) {
  for (const auto& kv : source.app_environment()) {
    ::setenv(kv.substr(0, kv.find('=')).c_str(), kv.substr(kv.find('=') + 1).c_str(), 1);
  }
  return xcb_connect(nullptr, nullptr);
}

// A second client: draws, and captures the bare way for the reference.
struct Client {
  // Connects the way an application would: with the display's DISPLAY and XAUTHORITY.
  Client(const agent::FrameSource& source, std::uint32_t w, std::uint32_t h)
      : conn(connect_like_an_app(source)), width(w), height(h) {
    const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(conn)).data;
    root = screen->root;
    gc = xcb_generate_id(conn);
    xcb_create_gc(conn, gc, root, 0, nullptr);
    const std::size_t bytes = std::size_t{width} * 4 * height;
    memfd = ::memfd_create("bench-xshm", MFD_CLOEXEC);
    static_cast<void>(::ftruncate(memfd, static_cast<off_t>(bytes)));
    segment = xcb_generate_id(conn);
    std::free(xcb_request_check(conn, xcb_shm_attach_fd_checked(conn, segment, ::dup(memfd), 0)));
  }
  ~Client() {
    xcb_disconnect(conn);
    ::close(memfd);
  }
  void draw(std::uint32_t i) {
    const std::uint32_t color = 0x00FFFFFFU & (i * 0x9E3779B1U);
    xcb_change_gc(conn, gc, XCB_GC_FOREGROUND, &color);
    const xcb_rectangle_t r{static_cast<std::int16_t>(i % 400), 100, 800, 600};
    xcb_poly_fill_rectangle(conn, root, gc, 1, &r);
    std::free(xcb_get_input_focus_reply(conn, xcb_get_input_focus(conn), nullptr));  // round trip: drawn
  }
  void bare_capture() {
    std::free(xcb_shm_get_image_reply(
        conn, xcb_shm_get_image(conn, root, 0, 0, static_cast<std::uint16_t>(width),
                                static_cast<std::uint16_t>(height), ~0U, XCB_IMAGE_FORMAT_Z_PIXMAP, segment, 0),
        nullptr));
  }
  xcb_connection_t* conn;
  std::uint32_t width;
  std::uint32_t height;
  xcb_window_t root = 0;
  xcb_gcontext_t gc = 0;
  int memfd = -1;
  xcb_shm_seg_t segment = 0;
};

std::optional<ScratchDir> runtime_dir(benchmark::State& state) {
  auto dir = ScratchDir::create(std::filesystem::temp_directory_path(), "pf-bench-", 0711);
  if (!dir) {
    state.SkipWithError(dir.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*dir);
}

// args: width, height, fps of the CPU measurement
void bm_xvfb(benchmark::State& state) {
  const auto w = static_cast<std::uint32_t>(state.range(0));
  const auto h = static_cast<std::uint32_t>(state.range(1));
  const auto fps = static_cast<int>(state.range(2));
  auto runtime = runtime_dir(state);
  if (!runtime) {
    return;
  }
  for (auto _ : state) {
    auto source = agent::make_xvfb_source({w, h, 60'000}, "/usr/bin/Xvfb", runtime->path());
    if (!source) {
      state.SkipWithError(source.error().message.c_str());
      return;
    }
    Client client(**source, w, h);
    std::vector<double> ours;
    std::vector<double> bare;
    for (int i = 0; i < kSamples; ++i) {
      client.draw(static_cast<std::uint32_t>(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the damage event arrive
      const double t0 = now_ms(CLOCK_MONOTONIC);
      const auto f = (*source)->capture(static_cast<std::uint64_t>(i), 0);
      const double t1 = now_ms(CLOCK_MONOTONIC);
      if (f && f->changed) {
        ours.push_back(t1 - t0);
      }
      client.draw(static_cast<std::uint32_t>(i) + 7);
      const double b0 = now_ms(CLOCK_MONOTONIC);
      client.bare_capture();
      bare.push_back(now_ms(CLOCK_MONOTONIC) - b0);
    }
    // Capture → published, in place and through a copy, alternating.
    auto ring = framering::RingMemory::create({1, 1, w, h}).value();
    framering::Publisher publisher(ring, -1);
    std::vector<double> in_place;
    std::vector<double> copied;
    if ((*source)->use_ring(ring.fd(), ring.mapped_bytes(), ring.pitch_bytes())) {
      struct Fill {
        agent::FrameSource* source;
        const framering::RingMemory* ring;
        static bool fill(void* self, std::uint32_t slot, std::uint8_t*, std::uint32_t) {
          auto& f = *static_cast<Fill*>(self);
          return f.source->capture_into(f.ring->pixels_offset(slot)).has_value();
        }
      } fill{source->get(), &ring};
      for (int i = 0; i < kSamples; ++i) {
        client.draw(static_cast<std::uint32_t>(i) + 11);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double t0 = now_ms(CLOCK_MONOTONIC);
        if ((*source)->changed() &&
            publisher.publish_in_place({nullptr, 0, w, h, framering::PixelFormat::bgra8, 1, 0, 0},
                                       {&Fill::fill, &fill}, 0) == framering::PublishOutcome::published) {
          in_place.push_back(now_ms(CLOCK_MONOTONIC) - t0);
        }
        client.draw(static_cast<std::uint32_t>(i) + 13);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double c0 = now_ms(CLOCK_MONOTONIC);
        if (const auto f = (*source)->capture(1, 0); f && f->changed &&
            publisher.publish({f->pixels, f->pitch_bytes, w, h, framering::PixelFormat::bgra8, 1, 0, 0}, 0) ==
                framering::PublishOutcome::published) {
          copied.push_back(now_ms(CLOCK_MONOTONIC) - c0);
        }
      }
    }
    state.counters["published_p50_ms"] = percentile(in_place, 0.50);
    state.counters["published_p99_ms"] = percentile(in_place, 0.99);
    state.counters["copy_path_p50_ms"] = percentile(copied, 0.50);
    state.counters["cpu_pct"] = cpu_pct_at(fps, "Xvfb", [&](int i) {
      client.draw(static_cast<std::uint32_t>(i) * 3);
      static_cast<void>((*source)->capture(static_cast<std::uint64_t>(i), 0));
    });
    state.counters["p50_ms"] = percentile(ours, 0.50);
    state.counters["p99_ms"] = percentile(ours, 0.99);
    state.counters["bare_p50_ms"] = percentile(bare, 0.50);
    state.counters["changed_count"] = static_cast<double>(ours.size());
  }
}

std::uint32_t centre_xrgb(const agent::SourceFrame& f) {
  const std::uint8_t* px = f.pixels + std::size_t{f.pitch_bytes} * (f.height / 2) + std::size_t{f.width / 2} * 4;
  return std::uint32_t{px[2]} << 16 | std::uint32_t{px[1]} << 8 | px[0];
}

// Captures until the centre shows `xrgb`; the time it took in ms, or < 0.
double capture_until(agent::FrameSource& source, std::uint32_t xrgb, double t0) {
  for (int spin = 0; spin < 20000; ++spin) {
    const auto f = source.capture(0, 0);
    if (f && f->changed && centre_xrgb(*f) == xrgb) {
      return now_ms(CLOCK_MONOTONIC) - t0;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return -1;
}

// args: width, height, fps (also the output's refresh rate)
void bm_wlroots(benchmark::State& state) {
  const auto w = static_cast<std::uint32_t>(state.range(0));
  const auto h = static_cast<std::uint32_t>(state.range(1));
  const auto fps = static_cast<int>(state.range(2));
  auto runtime = runtime_dir(state);
  if (!runtime) {
    return;
  }
  for (auto _ : state) {
    auto source = agent::make_wlroots_source({w, h, static_cast<std::uint32_t>(fps) * 1000},
                                             agent::WlrootsOptions{"/usr/bin/sway", "punktfunk-display", runtime->path()});
    if (!source) {
      state.SkipWithError(source.error().message.c_str());
      return;
    }
    std::string socket;
    for (const auto& kv : (*source)->app_environment()) {
      if (kv.rfind("WAYLAND_DISPLAY=", 0) == 0) {
        socket = kv.substr(16);
      }
    }
    std::string error;
    auto painter = WaylandPainter::connect(socket, error);
    if (!painter) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<double> latency;
    // Commits at a random phase of the compositor's refresh, as an app's
    // would be: right after a capture they would all land just past a repaint.
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> phase_us(0, 1'000'000 / fps);
    for (int i = 0; i < kWaylandSamples; ++i) {
      const std::uint32_t color = 0x00FFFFFFU & (static_cast<std::uint32_t>(i + 1) * 0x9E3779B1U);
      std::this_thread::sleep_for(std::chrono::microseconds(phase_us(rng)));
      const double t0 = now_ms(CLOCK_MONOTONIC);
      painter->fill(color);
      const double ms = capture_until(**source, color, t0);
      if (ms >= 0 && i > 0) {  // the first one waits for the window to be mapped
        latency.push_back(ms);
      }
    }
    state.counters["cpu_pct"] = cpu_pct_at(fps, "sway", [&](int i) {
      painter->fill(0x00FFFFFFU & (static_cast<std::uint32_t>(i) * 0x51ED27U));
      static_cast<void>((*source)->capture(static_cast<std::uint64_t>(i), 0));
    });
    state.counters["p50_ms"] = percentile(latency, 0.50);
    state.counters["p99_ms"] = percentile(latency, 0.99);
    state.counters["changed_count"] = static_cast<double>(latency.size());
  }
}

void register_cases() {
  benchmark::RegisterBenchmark("capture/xvfb_1080p", bm_xvfb)->Args({1920, 1080, 60})->Iterations(1);
  benchmark::RegisterBenchmark("capture/xvfb_4k", bm_xvfb)->Args({3840, 2160, 30})->Iterations(1);
  benchmark::RegisterBenchmark("capture/wlroots_1080p", bm_wlroots)->Args({1920, 1080, 60})->Iterations(1);
  benchmark::RegisterBenchmark("capture/wlroots_4k", bm_wlroots)->Args({3840, 2160, 30})->Iterations(1);
}

Report report(const Timings& t) {
  Report r;
  for (const char* size : {"1080p", "4k"}) {
    const std::string x = fmt::format("xvfb_{}", size);
    const double ours = counter(t, x + ".p50_ms");
    const double bare = counter(t, x + ".bare_p50_ms");
    const char* rate = std::string_view(size) == "4k" ? "4k30" : "1080p60";
    r.emplace_back(fmt::format("xvfb_capture_p50_ms_{}", size), ours);
    r.emplace_back(fmt::format("xvfb_capture_p99_ms_{}", size), counter(t, x + ".p99_ms"));
    r.emplace_back(fmt::format("xshmgetimage_p50_ms_{}", size), bare);
    r.emplace_back(fmt::format("xvfb_vs_xshmgetimage_ratio_{}", size), bare > 0 ? ours / bare : 0);
    const double in_place = counter(t, x + ".published_p50_ms");
    const double copy_path = counter(t, x + ".copy_path_p50_ms");
    r.emplace_back(fmt::format("xvfb_published_p50_ms_{}", size), in_place);
    r.emplace_back(fmt::format("xvfb_published_p99_ms_{}", size), counter(t, x + ".published_p99_ms"));
    r.emplace_back(fmt::format("xvfb_copy_path_p50_ms_{}", size), copy_path);
    r.emplace_back(fmt::format("xvfb_in_place_vs_copy_ratio_{}", size), copy_path > 0 ? in_place / copy_path : 0);
    r.emplace_back(fmt::format("xvfb_cpu_pct_{}", rate), counter(t, x + ".cpu_pct"));
    r.emplace_back(fmt::format("xvfb_changed_captures_count_{}", size), counter(t, x + ".changed_count"));
    const std::string wl = fmt::format("wlroots_{}", size);
    r.emplace_back(fmt::format("wlroots_capture_p50_ms_{}", size), counter(t, wl + ".p50_ms"));
    r.emplace_back(fmt::format("wlroots_capture_p99_ms_{}", size), counter(t, wl + ".p99_ms"));
    r.emplace_back(fmt::format("wlroots_cpu_pct_{}", rate), counter(t, wl + ".cpu_pct"));
    r.emplace_back(fmt::format("wlroots_changed_captures_count_{}", size), counter(t, wl + ".changed_count"));
  }
  return r;
}

}  // namespace

const Suite& capture_suite() {
  static const Suite suite{"capture",
                           "Xvfb and sway capture latency and CPU at 1080p60 and 4K30 (Xvfb against a bare "
                           "MIT-SHM GetImage)",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
