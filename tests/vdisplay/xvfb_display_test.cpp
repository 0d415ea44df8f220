// An Xvfb display through the real agent: first frame on an idle screen,
// a client's drawing arriving through the frame ring, a resize; apps
// launched into the display, their exits reported, their process groups
// ended with the display.
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "pf/core/process.hpp"
#include "pf/framering/endpoints.hpp"
#include "pf/vdisplay/agent_supervisor.hpp"
#include "support/proc_stats.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;

class XvfbDisplay : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/Xvfb", X_OK) != 0) {
      GTEST_SKIP() << "package xvfb is not installed (scripts/setup.sh installs it)";
    }
    if (::access("/usr/bin/xsetroot", X_OK) != 0) {
      GTEST_SKIP() << "package x11-xserver-utils is not installed (scripts/setup.sh installs it)";
    }
    SupervisorOptions o;
    o.spawn = AgentSpawnOptions{PF_VDISPLAY_BINARY, 10s, "warn"};
    o.on_app_exited = [this](const agentlink::AppExited& e) {
      std::lock_guard lock(exits_mutex_);
      exits_.push_back(e);
      exits_changed_.notify_all();
    };
    sup_ = std::make_unique<AgentSupervisor>(std::move(o));
    ASSERT_TRUE(sup_->wait_running(10s));
  }

  struct Ring {
    framering::RingMemory ring;
    UniqueFd wake;
  };

  Ring deliver(std::uint32_t display, std::uint32_t generation, std::uint32_t w, std::uint32_t h) {
    Ring r{framering::RingMemory::create({display, generation, w, h}).value(), framering::make_wake_fd().value()};
    const std::array<int, 2> fds = {r.ring.fd(), r.wake.get()};
    const auto reply = sup_->call(agentlink::SetFrameChannel{display, generation, r.ring.ring_length()}, fds);
    EXPECT_TRUE(reply && reply->status == agentlink::ReplyStatus::ok);
    return r;
  }

  // Consumes until a frame's centre pixel is (b, g, r) or the timeout.
  static bool frame_shows(Ring& r, std::uint8_t b, std::uint8_t g, std::uint8_t red, Nanos timeout) {
    framering::Consumer consumer(r.ring, r.wake.get());
    std::vector<std::uint8_t> out(std::size_t{r.ring.pitch_bytes()} * r.ring.height());
    framering::ConsumedFrame got;
    const TimePoint deadline = steady_clock().now() + timeout;
    while (steady_clock().now() < deadline) {
      static_cast<void>(consumer.wait(20ms));
      if (consumer.try_consume(out, r.ring.pitch_bytes(), got) == framering::ConsumeOutcome::consumed) {
        const std::uint8_t* px =
            out.data() + std::size_t{r.ring.pitch_bytes()} * (r.ring.height() / 2) + (r.ring.width() / 2) * 4;
        if (px[0] == b && px[1] == g && px[2] == red) {
          return true;
        }
      }
    }
    return false;
  }

  // Launches an app into the display; returns its pid (= its process group).
  pid_t launch(std::uint32_t display, std::uint32_t token, std::vector<std::string> argv) {
    const auto r = sup_->call(agentlink::LaunchApp{display, token, std::move(argv), tmp_.path().string(), {}});
    EXPECT_TRUE(r && r->status == agentlink::ReplyStatus::ok);
    return r ? static_cast<pid_t>(r->a) : -1;
  }

  std::optional<agentlink::AppExited> wait_exit(std::uint32_t token, Nanos timeout) {
    std::unique_lock lock(exits_mutex_);
    std::optional<agentlink::AppExited> found;
    exits_changed_.wait_for(lock, timeout, [&] {
      for (const auto& e : exits_) {
        if (e.app_token == token) {
          found = e;
        }
      }
      return found.has_value();
    });
    return found;
  }

  // Paints the root window with a real X client started as an app.
  void paint(std::uint32_t display, const char* color) {
    const std::uint32_t token = next_token_++;
    ASSERT_GT(launch(display, token, {"/usr/bin/xsetroot", "-solid", color}), 0);
    const auto exit = wait_exit(token, 10s);
    ASSERT_TRUE(exit) << "no exit report for xsetroot";
    EXPECT_EQ(exit->how, agentlink::AppEnd::exited);
    EXPECT_EQ(describe_wait_status(static_cast<int>(exit->wait_status)), "exited with status 0");
  }

  std::mutex exits_mutex_;
  std::condition_variable exits_changed_;
  std::vector<agentlink::AppExited> exits_;
  std::uint32_t next_token_ = 1;
  test::TempDir tmp_;
  std::unique_ptr<AgentSupervisor> sup_;
};

TEST_F(XvfbDisplay, FirstFrameOnAnIdleScreenThenTheClientsDrawingThenAResize) {
  const auto added = sup_->call(agentlink::AddDisplay{7, 1920, 1080, 60'000, 0, 0, 0, 0,
                                                      agentlink::DisplayBackend::xvfb});
  ASSERT_TRUE(added && added->status == agentlink::ReplyStatus::ok);
  ASSERT_EQ(added->c, 1U) << "no X display number reported";
  const std::uint32_t id = added->a;

  Ring first = deliver(id, 1, 1920, 1080);
  // An idle Xvfb (white root): nothing changes on screen, a frame still comes.
  const TimePoint t0 = steady_clock().now();
  ASSERT_TRUE(frame_shows(first, 0xff, 0xff, 0xff, 1s)) << "no first frame within 1 s on an idle screen";
  RecordProperty("idle_first_frame_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock().now() - t0).count()));

  paint(id, "#10e060");
  EXPECT_TRUE(frame_shows(first, 0x60, 0xe0, 0x10, 5s)) << "the client's drawing never arrived";

  const auto resized = sup_->call(agentlink::UpdateMode{id, 1280, 720, 60'000});
  ASSERT_TRUE(resized && resized->status == agentlink::ReplyStatus::ok && resized->c == 1U);
  Ring second = deliver(id, 2, 1280, 720);
  paint(id, "#c02040");
  EXPECT_TRUE(frame_shows(second, 0x40, 0x20, 0xc0, 5s)) << "nothing at 1280x720";

  EXPECT_EQ(test::child_count(sup_->agent_pid(), "Xvfb"), 1);
  ASSERT_TRUE(sup_->call(agentlink::RemoveDisplay{id}));
  EXPECT_EQ(test::child_count(sup_->agent_pid(), "Xvfb"), 0) << "Xvfb left running after the display was removed";
}

TEST_F(XvfbDisplay, RemovingTheDisplayEndsItsAppsWholeProcessGroup) {
  const auto added = sup_->call(agentlink::AddDisplay{7, 640, 480, 60'000, 0, 0, 0, 0,
                                                      agentlink::DisplayBackend::xvfb});
  ASSERT_TRUE(added && added->status == agentlink::ReplyStatus::ok);
  // An app that starts a child of its own, like any launcher script does.
  const pid_t group = launch(added->a, 41, {"/bin/sh", "-c", "sleep 300 & sleep 300"});
  ASSERT_GT(group, 0);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(::kill(-group, 0), 0) << "the app is not running";

  ASSERT_TRUE(sup_->call(agentlink::RemoveDisplay{added->a}));
  const auto exit = wait_exit(41, 10s);
  ASSERT_TRUE(exit) << "no exit report";
  EXPECT_EQ(exit->how, agentlink::AppEnd::display_removed);
  EXPECT_EQ(static_cast<pid_t>(exit->pid), group);
  const TimePoint deadline = steady_clock().now() + 5s;
  while (::kill(-group, 0) == 0 && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(10ms);  // the orphaned sleep is reaped by init
  }
  EXPECT_NE(::kill(-group, 0), 0) << "a process of the app's group outlived its display";
}

TEST_F(XvfbDisplay, ALauncherThatExitsLeavesItsChildRunningUntilTheDisplayGoes) {
  const auto added = sup_->call(agentlink::AddDisplay{7, 640, 480, 60'000, 0, 0, 0, 0,
                                                      agentlink::DisplayBackend::xvfb});
  ASSERT_TRUE(added && added->status == agentlink::ReplyStatus::ok);
  const pid_t group = launch(added->a, 51, {"/bin/sh", "-c", "sleep 300 & exit 0"});
  ASSERT_GT(group, 0);
  const auto exit = wait_exit(51, 10s);
  ASSERT_TRUE(exit) << "no exit report for the launcher";
  EXPECT_EQ(exit->how, agentlink::AppEnd::exited);
  EXPECT_EQ(describe_wait_status(static_cast<int>(exit->wait_status)), "exited with status 0");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(::kill(-group, 0), 0) << "what the launcher started was ended with it";

  ASSERT_TRUE(sup_->call(agentlink::RemoveDisplay{added->a}));
  const TimePoint deadline = steady_clock().now() + 5s;
  while (::kill(-group, 0) == 0 && steady_clock().now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(::kill(-group, 0), 0) << "the launcher's child outlived the display";
}

TEST_F(XvfbDisplay, AnAppThatCannotStartIsRefusedAndNothingIsLeft) {
  const auto added = sup_->call(agentlink::AddDisplay{7, 640, 480, 60'000, 0, 0, 0, 0,
                                                      agentlink::DisplayBackend::xvfb});
  ASSERT_TRUE(added && added->status == agentlink::ReplyStatus::ok);
  const auto r = sup_->call(agentlink::LaunchApp{added->a, 5, {"/nonexistent/app"}, "", {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, agentlink::ReplyStatus::internal);
  const auto no_display = sup_->call(agentlink::LaunchApp{999, 6, {"/bin/true"}, "", {}});
  ASSERT_TRUE(no_display);
  EXPECT_EQ(no_display->status, agentlink::ReplyStatus::no_such_display);
  ASSERT_TRUE(sup_->call(agentlink::RemoveDisplay{added->a}));
}

}  // namespace
}  // namespace pf::vdisplay
