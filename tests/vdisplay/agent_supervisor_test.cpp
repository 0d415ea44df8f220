// The host's side of the display agent, against the real pf-vdisplay.
#include "pf/vdisplay/agent_supervisor.hpp"

#include <signal.h>

#include <thread>

#include <gtest/gtest.h>

#include "pf/framering/endpoints.hpp"
#include "pf/synth/synthetic.hpp"
#include "support/proc_stats.hpp"

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;
using agentlink::ReplyStatus;
using framering::ConsumeOutcome;

AgentSpawnOptions spawn_options(Nanos watchdog = 10s) {
  return AgentSpawnOptions{PF_VDISPLAY_BINARY, watchdog, "warn"};
}

SupervisorOptions supervisor_options() {
  SupervisorOptions o;
  o.spawn = spawn_options();
  return o;
}

// One display's host side: its ring, wake fd and consumer.
struct HostRing {
  HostRing(std::uint32_t display, std::uint32_t generation, std::uint32_t w, std::uint32_t h)
      : ring(framering::RingMemory::create({display, generation, w, h}).value()),
        wake(framering::make_wake_fd().value()),
        consumer(ring, wake.get()),
        out(std::size_t{ring.pitch_bytes()} * h) {}

  agentlink::SetFrameChannel request() const {
    return {ring.header().display_id, ring.generation(), ring.ring_length()};
  }
  std::array<int, 2> fds() const { return {ring.fd(), wake.get()}; }

  /// Waits for the next fresh frame; checks it is whole and carries its stamp.
  bool next_frame(framering::ConsumedFrame& got, Nanos timeout = 5s) {
    const TimePoint deadline = steady_clock().now() + timeout;
    while (steady_clock().now() < deadline) {
      static_cast<void>(consumer.wait(50ms));
      if (consumer.try_consume(out, ring.pitch_bytes(), got) == ConsumeOutcome::consumed) {
        const auto stamp = synth::read_stamp_bgra(out.data(), ring.pitch_bytes(), ring.width(), ring.height());
        const auto sum = framering::frame_checksum(out.data(), ring.pitch_bytes(), ring.width() * 4, ring.height());
        EXPECT_EQ(sum, got.checksum) << "torn frame";
        EXPECT_TRUE(stamp && stamp->frame_id == got.frame_id) << "stamp does not match the record";
        return true;
      }
    }
    return false;
  }

  framering::RingMemory ring;
  UniqueFd wake;
  framering::Consumer consumer;
  std::vector<std::uint8_t> out;
};

std::uint32_t add_display(AgentSupervisor& sup, std::uint32_t w, std::uint32_t h, std::uint32_t mhz) {
  const auto r = sup.call(agentlink::AddDisplay{42, w, h, mhz});
  EXPECT_TRUE(r && r->status == ReplyStatus::ok);
  return r ? r->a : 0;
}

TEST(AgentSupervisor, StartsTheAgentAndTalksToIt) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  EXPECT_GT(sup.agent_pid(), 0);
  const auto pong = sup.call(agentlink::Ping{});
  ASSERT_TRUE(pong) << pong.error().message;
  EXPECT_EQ(pong->status, ReplyStatus::ok);
  EXPECT_EQ(sup.starts(), 1U);
}

TEST(AgentSupervisor, FramesFlowAndARecreatedRingGetsAFirstFrameAtOnce) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  const std::uint32_t id = add_display(sup, 320, 180, 240'000);
  ASSERT_NE(id, 0U);

  HostRing first(id, 1, 320, 180);
  const auto fds = first.fds();
  ASSERT_EQ(sup.call(first.request(), fds)->status, ReplyStatus::ok);
  framering::ConsumedFrame got;
  std::uint64_t last_id = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(first.next_frame(got)) << "frame " << i << " never came";
    EXPECT_GT(got.frame_id, last_id);
    last_id = got.frame_id;
  }

  // Recreate (a mode change would do this): a new ring with the next generation.
  HostRing second(id, 2, 320, 180);
  const auto fds2 = second.fds();
  ASSERT_EQ(sup.call(second.request(), fds2)->status, ReplyStatus::ok);
  ASSERT_TRUE(second.next_frame(got));
  EXPECT_GE(got.frame_id, last_id);
  // Old-generation tokens are never accepted by the new ring's consumer.
  second.ring.header().latest = framering::FrameToken{1, 999, 0}.pack();
  EXPECT_EQ(second.consumer.try_consume(second.out, second.ring.pitch_bytes(), got),
            ConsumeOutcome::stale_generation);
}

TEST(AgentSupervisor, UpdateModeChangesTheRenderedSizeAfterTheRingIsRecreated) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  const std::uint32_t id = add_display(sup, 320, 180, 240'000);
  HostRing before(id, 1, 320, 180);
  const auto fds = before.fds();
  ASSERT_EQ(sup.call(before.request(), fds)->status, ReplyStatus::ok);
  framering::ConsumedFrame got;
  ASSERT_TRUE(before.next_frame(got));

  ASSERT_EQ(sup.call(agentlink::UpdateMode{id, 640, 360, 240'000})->status, ReplyStatus::ok);
  // Frames of the new size no longer fit the old ring: they are dropped, counted.
  const auto dropped = before.ring.header().dropped;
  const TimePoint deadline = steady_clock().now() + 5s;
  while (before.ring.header().dropped == dropped && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GT(before.ring.header().dropped, dropped);

  HostRing after(id, 2, 640, 360);
  const auto fds2 = after.fds();
  ASSERT_EQ(sup.call(after.request(), fds2)->status, ReplyStatus::ok);
  ASSERT_TRUE(after.next_frame(got));
  EXPECT_EQ(sup.call(agentlink::UpdateMode{id + 50, 640, 360, 60'000})->status,
            ReplyStatus::no_such_display);
  EXPECT_EQ(sup.call(agentlink::UpdateMode{id, 0, 360, 60'000})->status, ReplyStatus::bad_request);
}

TEST(AgentSupervisor, RefusedChannelIsNotAdoptedAndItsDescriptorsAreClosed) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  const std::uint32_t id = add_display(sup, 64, 64, 60'000);
  const int agent_fds_before = test::open_fd_count(sup.agent_pid());
  for (int i = 0; i < 20; ++i) {
    HostRing wrong(id + 100, 1, 64, 64);  // a ring made out for another display
    auto request = wrong.request();
    request.display_id = id;
    const auto fds = wrong.fds();
    const auto r = sup.call(request, fds);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, ReplyStatus::attach_failed);
  }
  EXPECT_EQ(test::open_fd_count(sup.agent_pid()), agent_fds_before);
  const auto missing = sup.call(agentlink::RemoveDisplay{id + 7});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, ReplyStatus::no_such_display);
}

TEST(AgentSupervisor, AKilledAgentIsDetectedAndRespawnedWithinTwoSeconds) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  const pid_t first = sup.agent_pid();
  const TimePoint killed = steady_clock().now();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  while (sup.starts() < 2 && steady_clock().now() - killed < 10s) {
    std::this_thread::sleep_for(1ms);
  }
  const auto took = steady_clock().now() - killed;
  ASSERT_EQ(sup.starts(), 2U);
  EXPECT_LT(took, 2s) << "detection and respawn took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_NE(sup.agent_pid(), first);
  const auto pong = sup.call(agentlink::Ping{});
  ASSERT_TRUE(pong) << pong.error().message;
  EXPECT_EQ(pong->status, ReplyStatus::ok);
}

TEST(AgentConnection, WatchdogRemovesTheDisplaysOfASilentHost) {
  auto conn = AgentConnection::spawn(spawn_options(300ms));
  ASSERT_TRUE(conn) << conn.error().message;
  const auto add = (*conn)->call(agentlink::AddDisplay{1, 64, 64, 60'000});
  ASSERT_TRUE(add && add->status == ReplyStatus::ok);
  std::this_thread::sleep_for(900ms);  // silent for three watchdog periods
  const auto r = (*conn)->call(agentlink::RemoveDisplay{add->a});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::no_such_display);
}

// 1,000 create → attach → recreate cycles: descriptors equal at start and
// end in both processes, and resident memory flat.
TEST(AgentLifecycle, ThousandRecreatesLeakNothing) {
  AgentSupervisor sup(supervisor_options());
  ASSERT_TRUE(sup.wait_running(10s));
  const pid_t agent = sup.agent_pid();
  const std::uint32_t id = add_display(sup, 64, 64, 1'000'000);
  std::uint32_t generation = 1;
  auto cycle = [&] {
    HostRing ring(id, generation++, 64, 64);
    const auto fds = ring.fds();
    const auto r = sup.call(ring.request(), fds);
    ASSERT_TRUE(r && r->status == ReplyStatus::ok);
    framering::ConsumedFrame got;
    ASSERT_TRUE(ring.next_frame(got));
  };
  for (int i = 0; i < 20; ++i) {
    cycle();  // warm-up: allocator pools, thread stacks
  }
  const int host_fds = test::open_fd_count();
  const int agent_fds = test::open_fd_count(agent);
  const auto host_rss = test::rss_kib();
  const auto agent_rss = test::rss_kib(agent);
  for (int i = 0; i < 1000; ++i) {
    cycle();
    if (HasFatalFailure()) {
      return;
    }
  }
  // The agent drops the previous ring when it adopts the next; give it one tick.
  HostRing last(id, generation++, 64, 64);
  const auto fds = last.fds();
  ASSERT_TRUE(sup.call(last.request(), fds));
  framering::ConsumedFrame got;
  ASSERT_TRUE(last.next_frame(got));
  EXPECT_EQ(test::open_fd_count(), host_fds + 2);  // + the last ring's memfd and eventfd
  EXPECT_EQ(test::open_fd_count(agent), agent_fds);
  const auto host_growth = test::rss_kib() - host_rss;
  const auto agent_growth = test::rss_kib(agent) - agent_rss;
  RecordProperty("host_rss_growth_kib", static_cast<int>(host_growth));
  RecordProperty("agent_rss_growth_kib", static_cast<int>(agent_growth));
  if (!test::sanitized_build()) {  // sanitizer quarantines make RSS meaningless
    EXPECT_LT(host_growth, 1024) << "host RSS grew by " << host_growth << " KiB";
    EXPECT_LT(agent_growth, 1024) << "agent RSS grew by " << agent_growth << " KiB";
  }
  EXPECT_EQ(sup.agent_pid(), agent) << "the agent restarted during the test";
}

}  // namespace
}  // namespace pf::vdisplay
