// capture: what it costs to get a changed Xvfb screen into memory.
//
// Keys: xvfb_capture_p50_ms_1080p, xvfb_capture_p99_ms_1080p (our
//       XvfbSource::capture of a changed 1920x1080 screen),
//       xshmgetimage_p50_ms_1080p (a bare xcb_shm_get_image of the same
//       screen, same run), xvfb_vs_xshmgetimage_ratio_1080p (ours p50 ÷
//       bare p50), xvfb_cpu_pct_1080p60 (CPU of the capturing thread plus
//       the Xvfb server while capturing a changing screen at 60 fps, in %
//       of one core).
// Each iteration first draws a rectangle through a second connection (and
// waits for the server to have done it), so every capture sees damage.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>

#include "pf/agent/source.hpp"
#include "pf/core/fs.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

constexpr std::uint32_t kWidth = 1920;
constexpr std::uint32_t kHeight = 1080;
constexpr int kSamples = 200;

double now_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

// Our child Xvfb's CPU time in ms (utime + stime from /proc).
double xvfb_cpu_ms() {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line) || line.find("(Xvfb)") == std::string::npos) {
      continue;
    }
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    std::vector<std::string> f;
    while (rest >> field) {
      f.push_back(field);
    }
    if (f.size() > 12 && std::stol(f[1]) == ::getpid()) {  // ppid, utime (11), stime (12)
      return static_cast<double>(std::stol(f[11]) + std::stol(f[12])) * 1000.0 / static_cast<double>(ticks);
    }
  }
  return 0;
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
  explicit Client(const agent::FrameSource& source) : conn(connect_like_an_app(source)) {
    const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(conn)).data;
    root = screen->root;
    gc = xcb_generate_id(conn);
    xcb_create_gc(conn, gc, root, 0, nullptr);
    const std::size_t bytes = std::size_t{kWidth} * 4 * kHeight;
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
        conn, xcb_shm_get_image(conn, root, 0, 0, kWidth, kHeight, ~0U, XCB_IMAGE_FORMAT_Z_PIXMAP, segment, 0),
        nullptr));
  }
  xcb_connection_t* conn;
  xcb_window_t root = 0;
  xcb_gcontext_t gc = 0;
  int memfd = -1;
  xcb_shm_seg_t segment = 0;
};

void bm_xvfb(benchmark::State& state) {
  auto runtime = ScratchDir::create(std::filesystem::temp_directory_path(), "pf-bench-", 0700);
  if (!runtime) {
    state.SkipWithError(runtime.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto source = agent::make_xvfb_source({kWidth, kHeight, 60'000}, "/usr/bin/Xvfb", runtime->path());
    if (!source) {
      state.SkipWithError(source.error().message.c_str());
      return;
    }
    Client client(**source);
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
    // 2 s at 60 fps with a change every frame: capturing thread + server CPU.
    const double wall0 = now_ms(CLOCK_MONOTONIC);
    const double server0 = xvfb_cpu_ms();
    double thread_cpu = 0;
    for (int i = 0; i < 120; ++i) {
      client.draw(static_cast<std::uint32_t>(i) * 3);
      const double c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
      static_cast<void>((*source)->capture(static_cast<std::uint64_t>(i), 0));
      thread_cpu += now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
      std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double, std::milli>(wall0 + (i + 1) * 1000.0 / 60.0))));
    }
    const double wall = now_ms(CLOCK_MONOTONIC) - wall0;
    const double server = xvfb_cpu_ms() - server0;
    state.counters["p50_ms"] = percentile(ours, 0.50);
    state.counters["p99_ms"] = percentile(ours, 0.99);
    state.counters["bare_p50_ms"] = percentile(bare, 0.50);
    state.counters["changed_count"] = static_cast<double>(ours.size());
    state.counters["cpu_pct"] = (thread_cpu + server) / wall * 100.0;
  }
}

void register_cases() { benchmark::RegisterBenchmark("capture/xvfb_1080p", bm_xvfb)->Iterations(1); }

Report report(const Timings& t) {
  const double ours = counter(t, "xvfb_1080p.p50_ms");
  const double bare = counter(t, "xvfb_1080p.bare_p50_ms");
  return {
      {"xvfb_capture_p50_ms_1080p", ours},
      {"xvfb_capture_p99_ms_1080p", counter(t, "xvfb_1080p.p99_ms")},
      {"xshmgetimage_p50_ms_1080p", bare},
      {"xvfb_vs_xshmgetimage_ratio_1080p", bare > 0 ? ours / bare : 0},
      {"xvfb_cpu_pct_1080p60", counter(t, "xvfb_1080p.cpu_pct")},
      {"xvfb_changed_captures_count", counter(t, "xvfb_1080p.changed_count")},
  };
}

}  // namespace

const Suite& capture_suite() {
  static const Suite suite{"capture", "Xvfb capture latency and CPU against a bare MIT-SHM GetImage",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
