// The display service with real display servers (Xvfb and headless sway):
// apps launched from the catalog, their exits, an agent killed under them,
// a reconnect soak with real servers, and four displays streaming at once
// (run under tsan too).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "pf/framering/endpoints.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "support/proc_stats.hpp"
#include "vdisplay/ring_reader.hpp"

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;
using fixture::agent_options;
using fixture::first_frame;
using fixture::frame_shows;

// The backend's server process name and a real client that paints the
// whole screen one colour (and keeps running, or not).
struct BackendUnderTest {
  Backend backend;
  const char* server;
  const char* package;
  std::vector<std::string> binaries;
  std::string paint_app(const char* color) const {
    return backend == Backend::xvfb
               ? fmt::format(R"({{"apps": [{{"id": "paint", "command": ["xsetroot", "-solid", "{}"]}}]}})", color)
               : fmt::format(R"({{"apps": [{{"id": "paint", "command": ["swaybg", "-c", "{}"]}}]}})", color);
  }
};

const BackendUnderTest kXvfb{Backend::xvfb, "Xvfb", "xvfb and x11-xserver-utils",
                             {"/usr/bin/Xvfb", "/usr/bin/xsetroot"}};
const BackendUnderTest kWlroots{Backend::wlroots, "sway", "sway", {"/usr/bin/sway", "/usr/bin/swaybg"}};

class RealDisplays : public ::testing::TestWithParam<BackendUnderTest> {
 protected:
  void SetUp() override {
    for (const auto& b : GetParam().binaries) {
      if (::access(b.c_str(), X_OK) != 0) {
        GTEST_SKIP() << "package " << GetParam().package << " is not installed (scripts/setup.sh installs it)";
      }
    }
  }

  DisplaySettings settings(Millis keep = Millis(10'000)) const {
    DisplaySettings s;
    s.backend = GetParam().backend;
    s.keep_alive = KeepAlive{KeepAliveKind::duration, keep};
    return s;
  }

  void start(DisplaySettings settings) {
    svc_.emplace(agent_options(), std::move(settings), GpuChoice{0, "cpu", "test"}, [this](const AppExit& e) {
      std::lock_guard lock(mutex_);
      exits_.push_back(e);
      changed_.notify_all();
    });
    ASSERT_TRUE(svc_->wait_agent_running(10s));
  }

  std::optional<AppExit> wait_exit(std::uint32_t token, Nanos timeout) {
    std::unique_lock lock(mutex_);
    std::optional<AppExit> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& e : exits_) {
        if (e.token == token) {
          found = e;
        }
      }
      return found.has_value();
    });
    return found;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<AppExit> exits_;
  std::optional<DisplayService> svc_;  // last: stopped before what its callback uses
};

TEST_P(RealDisplays, AnAppFromTheCatalogDrawsIntoTheSessionsDisplayAndItsExitIsReported) {
  start(settings());
  auto catalog = parse_apps(GetParam().paint_app("#3070d0"));
  ASSERT_TRUE(catalog) << catalog.error().message;
  const auto d = svc_->open("alice", Mode{1920, 1080, 60'000});
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_TRUE(first_frame(d->ring, 1s)) << "no first frame within 1 s";

  const auto desktop = svc_->launch_app(d->lease, *catalog->find("desktop"));
  ASSERT_TRUE(desktop);
  EXPECT_EQ(desktop->token, 0U) << "the desktop entry starts nothing";

  const auto app = svc_->launch_app(d->lease, *catalog->find("paint"));  // found in PATH
  ASSERT_TRUE(app) << app.error().message;
  EXPECT_GT(app->pid, 0);
  EXPECT_TRUE(frame_shows(d->ring, 0xd0, 0x70, 0x30, 5s)) << "the app's drawing never reached the ring";

  // Resize in place: the session fetches the new ring; the app's picture follows.
  auto resized = svc_->change_mode(d->lease, Mode{1280, 720, 60'000});
  ASSERT_TRUE(resized) << resized.error().message;
  EXPECT_EQ((*resized)->ring.width(), 1280U);
  if (GetParam().backend == Backend::xvfb) {  // a new server: paint again
    ASSERT_TRUE(svc_->launch_app(d->lease, *catalog->find("paint")));
  }
  EXPECT_TRUE(frame_shows(*resized, 0xd0, 0x70, 0x30, 5s)) << "nothing right at 1280x720";

  svc_->close(d->lease, ReleaseReason::quit);
  // xsetroot exits by itself; swaybg runs until its display goes away.
  const auto exit = wait_exit(app->token, 10s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->app_id, "paint");
  EXPECT_EQ(exit->lease, d->lease);
  if (GetParam().backend == Backend::xvfb) {
    EXPECT_EQ(exit->how, "exited with status 0");
    EXPECT_EQ(exit->end, agentlink::AppEnd::exited);
  } else {
    EXPECT_EQ(exit->end, agentlink::AppEnd::display_removed);
  }
  const auto stale = svc_->launch_app(d->lease, *catalog->find("paint"));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, Errc::not_found);
}

TEST_P(RealDisplays, AgentKilledUnderADisplayAndAnAppLeavesNoOrphans) {
  start(settings());
  auto catalog = parse_apps(R"({"apps": [{"id": "idle", "command": ["/bin/sh", "-c", "sleep 300 & sleep 300"]}]})");
  ASSERT_TRUE(catalog);
  const auto d = svc_->open("alice", Mode{640, 480, 60'000});
  ASSERT_TRUE(d) << d.error().message;
  const auto app = svc_->launch_app(d->lease, *catalog->find("idle"));
  ASSERT_TRUE(app) << app.error().message;
  const pid_t agent = svc_->agent().agent_pid();
  const auto servers = test::child_pids(agent, GetParam().server);
  ASSERT_EQ(servers.size(), 1U);
  const auto epoch = svc_->ring_epoch();

  const TimePoint killed = steady_clock().now();
  ASSERT_EQ(::kill(agent, SIGKILL), 0);
  while (svc_->ring_epoch() == epoch && steady_clock().now() - killed < 10s) {
    std::this_thread::sleep_for(1ms);
  }
  const Nanos recreate = steady_clock().now() - killed;
  RecordProperty("recreate_ms", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(recreate).count()));
  EXPECT_LT(recreate, 2s) << "the display was not recreated within 2 s";
  const auto lost = wait_exit(app->token, 5s);
  ASSERT_TRUE(lost) << "the app's end was not reported";
  EXPECT_EQ(lost->end, agentlink::AppEnd::agent_lost);
  ASSERT_TRUE(first_frame(svc_->ring(d->lease), 1s)) << "the recreated display gave no first frame";

  const TimePoint deadline = steady_clock().now() + 5s;
  while ((!test::has_exited(servers[0]) || ::kill(-app->pid, 0) == 0) && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(test::has_exited(servers[0])) << "the dead agent's display server is still running";
  EXPECT_NE(::kill(-app->pid, 0), 0) << "the dead agent's app is still running";
  EXPECT_EQ(test::child_count(svc_->agent().agent_pid(), GetParam().server), 1);
}

// Connect → disconnect → reconnect with real display servers, mixing quick
// reconnects (which preempt the lingering display) with waits past the
// linger. Every cycle starts a new server; every first frame arrives
// within 1 s and is not black (an idle Xvfb is white, an idle sway grey),
// and an app with a child of its own runs in each display until it goes.
TEST_P(RealDisplays, ReconnectSoakWithRealServersLeavesNothingBehind) {
  start(settings(Millis(30)));
  const int cycles = test::sanitized_build() ? 40 : 200;
  const pid_t agent = svc_->agent().agent_pid();
  // An app that starts a child of its own runs in every display.
  auto catalog = parse_apps(R"({"apps": [{"id": "idle", "command": ["/bin/sh", "-c", "sleep 300 & sleep 300"]}]})");
  ASSERT_TRUE(catalog);
  std::vector<pid_t> groups;
  Nanos worst{};
  auto cycle = [&](int i) {
    const TimePoint connect = steady_clock().now();  // the client's connect: a server starts now
    const auto d = svc_->open("alice", Mode{320, 240, 60'000});
    ASSERT_TRUE(d) << d.error().message;
    const auto f = first_frame(d->ring, 1s);
    ASSERT_TRUE(f) << "cycle " << i << ": no first frame";
    const Nanos latency = steady_clock().now() - connect;
    EXPECT_LE(latency, 1s) << "cycle " << i << ": first frame after connecting";
    EXPECT_FALSE(f->all_black) << "cycle " << i << ": an idle display is never black";
    worst = std::max(worst, latency);
    const auto app = svc_->launch_app(d->lease, *catalog->find("idle"));
    ASSERT_TRUE(app) << app.error().message;
    groups.push_back(app->pid);
    svc_->close(d->lease, ReleaseReason::disconnected);
    if (i % 3 == 0) {
      std::this_thread::sleep_for(60ms);  // past the linger: the display expires
    }
  };
  for (int i = 0; i < 5; ++i) {
    cycle(i);
  }
  const int host_fds = test::open_fd_count();
  const int agent_fds = test::open_fd_count(agent);
  const auto host_rss = test::rss_kib();
  const auto agent_rss = test::rss_kib(agent);
  for (int i = 0; i < cycles; ++i) {
    cycle(i);
    if (HasFatalFailure()) {
      return;
    }
  }
  std::this_thread::sleep_for(100ms);  // let the last linger expire
  EXPECT_TRUE(svc_->snapshot().empty());
  EXPECT_EQ(test::child_count(agent, GetParam().server), 0) << "a display server outlived its display";
  EXPECT_EQ(test::child_count(agent, "sh"), 0) << "an app outlived its display";
  const TimePoint deadline = steady_clock().now() + 5s;
  const auto alive = [&groups] {
    return std::count_if(groups.begin(), groups.end(), [](pid_t g) { return ::kill(-g, 0) == 0; });
  };
  while (alive() > 0 && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(10ms);  // killed grandchildren are reaped by init
  }
  EXPECT_EQ(alive(), 0) << "processes of an app's group outlived its display";
  EXPECT_LE(test::open_fd_count(), host_fds);
  EXPECT_LE(test::open_fd_count(agent), agent_fds);
  RecordProperty("cycles", cycles);
  RecordProperty("worst_connect_to_first_frame_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()));
  RecordProperty("host_rss_growth_kib", static_cast<int>(test::rss_kib() - host_rss));
  RecordProperty("agent_rss_growth_kib", static_cast<int>(test::rss_kib(agent) - agent_rss));
  if (!test::sanitized_build()) {
    EXPECT_LT(test::rss_kib() - host_rss, 1024);
    EXPECT_LT(test::rss_kib(agent) - agent_rss, 1024);
  }
  EXPECT_EQ(svc_->agent().starts(), 1U);
}

// Four clients at four modes, each consumed by its own thread for 10 s.
// Under the tsan preset both processes run instrumented with
// halt_on_error, so a report in the agent ends it and shows as a restart.
TEST_P(RealDisplays, FourDisplaysAtDifferentModesStreamTogether) {
  DisplaySettings s = settings();
  s.mode_conflict = ModeConflict::separate;
  start(s);
  const std::array<Mode, 4> modes = {Mode{640, 480, 60'000}, Mode{800, 600, 50'000}, Mode{1024, 768, 30'000},
                                     Mode{1280, 720, 60'000}};
  std::array<std::optional<OpenedDisplay>, 4> displays;
  for (std::size_t i = 0; i < modes.size(); ++i) {
    auto d = svc_->open(fmt::format("client-{}", i), modes[i]);
    ASSERT_TRUE(d) << d.error().message;
    displays[i] = *d;
  }
  // A changing picture: a new colour every second (a fresh client each time).
  std::array<std::atomic<int>, 4> frames{};
  {
    std::vector<std::jthread> readers;
    for (std::size_t i = 0; i < modes.size(); ++i) {
      readers.emplace_back([&, i](const std::stop_token& stop) {
        const auto& ring = displays[i]->ring;
        framering::Consumer consumer(ring->ring, ring->wake.get());
        std::vector<std::uint8_t> out(std::size_t{ring->ring.pitch_bytes()} * ring->ring.height());
        framering::ConsumedFrame got;
        while (!stop.stop_requested()) {
          static_cast<void>(consumer.wait(20ms));
          if (consumer.try_consume(out, ring->ring.pitch_bytes(), got) == framering::ConsumeOutcome::consumed) {
            frames[i].fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
    }
    const TimePoint end = steady_clock().now() + 10s;
    for (int second = 0; steady_clock().now() < end; ++second) {
      const auto catalog = parse_apps(GetParam().paint_app(second % 2 == 0 ? "#204060" : "#604020"));
      ASSERT_TRUE(catalog);
      for (const auto& d : displays) {
        ASSERT_TRUE(svc_->launch_app(d->lease, *catalog->find("paint")));
      }
      std::this_thread::sleep_for(1s);
    }
  }
  for (std::size_t i = 0; i < modes.size(); ++i) {
    EXPECT_GT(frames[i].load(), 10) << "display " << i << " stalled";
    EXPECT_EQ(displays[i]->ring->ring.width(), modes[i].width);
    EXPECT_EQ(displays[i]->ring->ring.height(), modes[i].height);
    RecordProperty(fmt::format("frames_{}", i), frames[i].load());
    svc_->close(displays[i]->lease, ReleaseReason::quit);
  }
  EXPECT_EQ(svc_->agent().starts(), 1U) << "the agent died (a sanitizer report ends it)";
}

INSTANTIATE_TEST_SUITE_P(Backends, RealDisplays, ::testing::Values(kXvfb, kWlroots),
                         [](const ::testing::TestParamInfo<BackendUnderTest>& param) {
                           return std::string(param.param.backend == Backend::xvfb ? "xvfb" : "wlroots");
                         });

}  // namespace
}  // namespace pf::vdisplay
