// The display service end to end against the real pf-vdisplay (synthetic
// source): policy decisions carried out, rings delivered, frames flowing.
#include "pf/vdisplay/display_service.hpp"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "pf/framering/endpoints.hpp"
#include "pf/synth/synthetic.hpp"
#include "support/proc_stats.hpp"
#include "vdisplay/ring_reader.hpp"

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;
using fixture::agent_options;
using fixture::first_frame;

const Mode k720{1280, 720, 60'000};
const Mode kSmall{320, 180, 120'000};

// The synthetic source: a changing, never-black picture with checksums.
DisplaySettings synthetic() {
  DisplaySettings s;
  s.backend = Backend::synthetic;
  return s;
}

DisplaySettings linger(Millis keep) {
  DisplaySettings s = synthetic();
  s.keep_alive = KeepAlive{KeepAliveKind::duration, keep};
  return s;
}

TEST(DisplayService, OpenGivesADisplayWhoseFramesFlow) {
  DisplayService svc(agent_options(), synthetic(), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto d = svc.open("alice", kSmall);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->kind, AcquireKind::created);
  const auto f = first_frame(d->ring);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->all_black);
  EXPECT_EQ(svc.ring(d->lease), d->ring);
}

TEST(DisplayService, ReconnectWithinTheLingerGetsAFreshDisplayNotTheOldOne) {
  DisplayService svc(agent_options(), linger(10s), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto a = svc.open("alice", kSmall).value();
  ASSERT_TRUE(first_frame(a.ring));
  svc.close(a.lease, ReleaseReason::disconnected);
  ASSERT_EQ(svc.snapshot().at(0).state, DisplayState::lingering);
  const auto b = svc.open("alice", kSmall).value();
  EXPECT_EQ(b.kind, AcquireKind::preempted);
  EXPECT_NE(b.lease.display, a.lease.display);
  EXPECT_EQ(svc.ring(a.lease), nullptr);  // the old lease is stale
  const auto f = first_frame(b.ring, 1s);
  ASSERT_TRUE(f) << "no first frame within 1 s after a reconnect";
  EXPECT_FALSE(f->all_black);
}

TEST(DisplayService, LingeringDisplaysAreRemovedWhenTheirTimeIsUp) {
  DisplayService svc(agent_options(), linger(200ms), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto a = svc.open("alice", kSmall).value();
  svc.close(a.lease, ReleaseReason::disconnected);
  const TimePoint deadline = steady_clock().now() + 5s;
  while (!svc.snapshot().empty() && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(svc.snapshot().empty());
}

TEST(DisplayService, ModeChangeDeliversANewRingAtTheNewSize) {
  DisplayService svc(agent_options(), synthetic(), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto a = svc.open("alice", kSmall).value();
  ASSERT_TRUE(first_frame(a.ring));
  const auto epoch = svc.ring_epoch();
  const auto ring = svc.change_mode(a.lease, k720);
  ASSERT_TRUE(ring) << ring.error().message;
  EXPECT_GT(svc.ring_epoch(), epoch);
  EXPECT_EQ((*ring)->ring.width(), 1280U);
  ASSERT_TRUE(first_frame(*ring));
}

TEST(DisplayService, AgentKilledMidStreamIsRespawnedAndTheDisplayRecreated) {
  DisplayService svc(agent_options(), synthetic(), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto a = svc.open("alice", kSmall).value();
  ASSERT_TRUE(first_frame(a.ring));
  const pid_t first = svc.agent().agent_pid();
  const auto epoch = svc.ring_epoch();
  const TimePoint killed = steady_clock().now();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  while (svc.ring_epoch() == epoch && steady_clock().now() - killed < 10s) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_LT(steady_clock().now() - killed, 2s);
  EXPECT_NE(svc.agent().agent_pid(), first);
  const auto ring = svc.ring(a.lease);  // the session's lease survived
  ASSERT_NE(ring, nullptr);
  EXPECT_NE(ring, a.ring);
  ASSERT_TRUE(first_frame(ring, 1s));
  EXPECT_NE(::kill(first, 0), 0) << "the killed agent was not reaped";
}

TEST(DisplayService, TheXvfbBackendGivesARealDisplayWithAFirstFrame) {
  if (::access("/usr/bin/Xvfb", X_OK) != 0) {
    GTEST_SKIP() << "package xvfb is not installed (scripts/setup.sh installs it)";
  }
  DisplaySettings s;
  s.backend = Backend::xvfb;
  DisplayService svc(agent_options(), s, GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const auto d = svc.open("alice", Mode{1920, 1080, 60'000});
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_TRUE(first_frame(d->ring, 1s)) << "no first frame within 1 s from Xvfb";
  svc.close(d->lease, ReleaseReason::quit);
  EXPECT_TRUE(svc.snapshot().empty());
}

// 200 connect → disconnect → reconnect cycles, mixing quick reconnects
// (preempting a lingering display) with waits past the linger: every first
// frame within 1 s and not black; descriptors and RSS of host and agent flat.
TEST(DisplayService, ReconnectSoakLeavesNothingBehind) {
  DisplayService svc(agent_options(), linger(30ms), GpuChoice{0, "cpu", "test"});
  ASSERT_TRUE(svc.wait_agent_running(10s));
  const pid_t agent = svc.agent().agent_pid();
  auto cycle = [&](int i) {
    const auto d = svc.open("alice", kSmall);
    ASSERT_TRUE(d) << d.error().message;
    const auto f = first_frame(d->ring, 1s);
    ASSERT_TRUE(f) << "cycle " << i << ": no first frame within 1 s";
    EXPECT_FALSE(f->all_black) << "cycle " << i;
    svc.close(d->lease, ReleaseReason::disconnected);
    if (i % 3 == 0) {
      std::this_thread::sleep_for(60ms);  // past the linger: the display expires
    }
  };
  for (int i = 0; i < 10; ++i) {
    cycle(i);
  }
  const int host_fds = test::open_fd_count();
  const int agent_fds = test::open_fd_count(agent);
  const auto host_rss = test::rss_kib();
  const auto agent_rss = test::rss_kib(agent);
  for (int i = 0; i < 200; ++i) {
    cycle(i);
    if (HasFatalFailure()) {
      return;
    }
  }
  std::this_thread::sleep_for(100ms);  // let the last linger expire
  EXPECT_TRUE(svc.snapshot().empty());
  EXPECT_LE(test::open_fd_count(), host_fds);
  EXPECT_LE(test::open_fd_count(agent), agent_fds);
  RecordProperty("host_rss_growth_kib", static_cast<int>(test::rss_kib() - host_rss));
  RecordProperty("agent_rss_growth_kib", static_cast<int>(test::rss_kib(agent) - agent_rss));
  if (!test::sanitized_build()) {
    EXPECT_LT(test::rss_kib() - host_rss, 1024);
    EXPECT_LT(test::rss_kib(agent) - agent_rss, 1024);
  }
  EXPECT_EQ(svc.agent().agent_pid(), agent);
}

}  // namespace
}  // namespace pf::vdisplay
