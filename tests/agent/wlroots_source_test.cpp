// The wlroots source against a real headless sway and a real Wayland client
// (swaybg, which comes with sway) drawing a solid colour.
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "pf/agent/source.hpp"
#include "pf/core/process.hpp"
#include "support/proc_stats.hpp"
#include "agent/source_checks.hpp"
#include "support/temp_dir.hpp"

namespace pf::agent {
namespace {

using namespace std::chrono_literals;
using checks::uniform;
using checks::wait_for_color;

constexpr const char* kSway = "/usr/bin/sway";
constexpr const char* kSwaybg = "/usr/bin/swaybg";

class WlrootsSource : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kSway, X_OK) != 0 || ::access(kSwaybg, X_OK) != 0) {
      GTEST_SKIP() << "package sway is not installed (scripts/setup.sh installs it)";
    }
    std::filesystem::permissions(tmp_.path(), std::filesystem::perms::owner_all |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
  }

  // Starts swaybg in the display the way the agent starts an app.
  ChildProcess paint(const FrameSource& source, const char* color) {
    std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
    for (const auto& kv : source.app_environment()) {
      env.push_back(kv);
    }
    auto child = ChildProcess::spawn(SpawnSpec{.argv = {kSwaybg, "-c", color},
                                               .environment = env,
                                               .output = "/dev/null",
                                               .group = ProcessGroup::own,
                                               .run_as = source.app_user()});
    EXPECT_TRUE(child) << child.error().message;
    return std::move(*child);
  }

  test::TempDir tmp_;
};

TEST_F(WlrootsSource, CapturesWhatAClientDrawsAndFollowsAResize) {
  auto source = make_wlroots_source({1920, 1080, 60'000}, WlrootsOptions{kSway, "punktfunk-display", tmp_.path()});
  ASSERT_TRUE(source) << source.error().message;
  if (::geteuid() == 0) {
    ASSERT_TRUE((*source)->app_user());
    EXPECT_NE((*source)->app_user()->uid, 0U) << "sway must not run as root";
  }

  ChildProcess bg = paint(**source, "#ff8000");
  auto frame = wait_for_color(**source, 0x00, 0x80, 0xff);
  ASSERT_TRUE(frame) << "the painted colour never showed up in a capture";
  EXPECT_EQ(frame->width, 1920U);
  EXPECT_EQ(frame->height, 1080U);
  EXPECT_TRUE(uniform(*frame, 0x00, 0x80, 0xff));

  // Nothing changes: no new frame is handed out.
  std::this_thread::sleep_for(100ms);
  static_cast<void>((*source)->capture(1000, 0));
  std::this_thread::sleep_for(50ms);
  const auto idle = (*source)->capture(1001, 0);
  ASSERT_TRUE(idle);
  EXPECT_FALSE(idle->changed);

  ASSERT_TRUE((*source)->set_mode({1280, 720, 60'000}));
  bg.stop(1s);
  ChildProcess bg2 = paint(**source, "#2040c0");
  frame = wait_for_color(**source, 0xc0, 0x40, 0x20);
  ASSERT_TRUE(frame) << "no capture at the new size";
  EXPECT_EQ(frame->width, 1280U);
  EXPECT_EQ(frame->height, 720U);
  EXPECT_TRUE(uniform(*frame, 0xc0, 0x40, 0x20));

  EXPECT_EQ(test::child_count(0, "sway"), 1);
  bg2.stop(1s);
  source->reset();  // ends the compositor
  EXPECT_EQ(test::child_count(0, "sway"), 0) << "sway is still running";
  EXPECT_TRUE(std::filesystem::is_empty(tmp_.path())) << "the compositor's runtime directory was left behind";
}

TEST_F(WlrootsSource, AMissingCompositorIsANamedError) {
  auto source = make_wlroots_source({640, 480, 60'000}, WlrootsOptions{"/nonexistent/sway", "punktfunk-display", tmp_.path()});
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("/nonexistent/sway"), std::string::npos) << source.error().message;
}

}  // namespace
}  // namespace pf::agent
