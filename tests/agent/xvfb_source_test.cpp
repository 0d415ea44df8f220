// The Xvfb source against a real Xvfb and a real X client (xsetroot).
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pf/agent/source.hpp"
#include "pf/agent/virtual_display.hpp"
#include "pf/framering/endpoints.hpp"
#include "support/proc_stats.hpp"
#include "support/process.hpp"
#include "agent/source_checks.hpp"
#include "support/temp_dir.hpp"

namespace pf::agent {
namespace {

using namespace std::chrono_literals;
using checks::uniform;
using checks::wait_for_color;

constexpr const char* kXvfb = "/usr/bin/Xvfb";
constexpr const char* kXsetroot = "/usr/bin/xsetroot";

class XvfbSource : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kXvfb, X_OK) != 0) {
      GTEST_SKIP() << "package xvfb is not installed (scripts/setup.sh installs it)";
    }
    if (::access(kXsetroot, X_OK) != 0) {
      GTEST_SKIP() << "package x11-xserver-utils is not installed (scripts/setup.sh installs it)";
    }
  }

  // Paints the root window with xsetroot, like any X client would draw.
  void paint(const FrameSource& source, const char* color) {
    auto env = test::clean_environment();
    for (const auto& kv : source.app_environment()) {
      env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    const auto r = test::run({kXsetroot, "-solid", color}, env, tmp_.path());
    ASSERT_EQ(r.exit.code, 0) << r.output;
  }

  test::TempDir tmp_;
};

TEST_F(XvfbSource, CapturesWhatAClientDrawsAndFollowsAResize) {
  auto source = make_xvfb_source({1920, 1080, 60'000}, kXvfb, tmp_.path());
  ASSERT_TRUE(source) << source.error().message;
  ASSERT_TRUE((*source)->x_display().has_value());

  paint(**source, "#ff8000");
  auto frame = wait_for_color(**source, 0x00, 0x80, 0xff);
  ASSERT_TRUE(frame) << "the painted colour never showed up in a capture";
  EXPECT_EQ(frame->width, 1920U);
  EXPECT_EQ(frame->height, 1080U);
  EXPECT_TRUE(uniform(*frame, 0x00, 0x80, 0xff));

  // Nothing changed: the screen is not copied again.
  std::this_thread::sleep_for(50ms);
  static_cast<void>((*source)->capture(1000, 0));
  const auto idle = (*source)->capture(1001, 0);
  ASSERT_TRUE(idle);
  EXPECT_FALSE(idle->changed);

  ASSERT_TRUE((*source)->set_mode({1280, 720, 60'000}));
  paint(**source, "#2040c0");
  frame = wait_for_color(**source, 0xc0, 0x40, 0x20);
  ASSERT_TRUE(frame) << "no capture at the new size";
  EXPECT_EQ(frame->width, 1280U);
  EXPECT_EQ(frame->height, 720U);
  EXPECT_TRUE(uniform(*frame, 0xc0, 0x40, 0x20));

  EXPECT_EQ(test::child_count(0, "Xvfb"), 1) << "the resize left the old server running";
  source->reset();  // stops the server
  EXPECT_EQ(test::child_count(0, "Xvfb"), 0) << "Xvfb is still running";
}

TEST_F(XvfbSource, AdmitsOnlyClientsWithItsCookie) {
  auto source = make_xvfb_source({640, 480, 60'000}, kXvfb, tmp_.path());
  ASSERT_TRUE(source) << source.error().message;
  std::string xauthority;
  for (const auto& kv : (*source)->app_environment()) {
    if (kv.rfind("XAUTHORITY=", 0) == 0) {
      xauthority = kv.substr(11);
    }
  }
  ASSERT_FALSE(xauthority.empty());
  EXPECT_EQ(std::filesystem::path(xauthority).parent_path(), tmp_.path());
  EXPECT_EQ(std::filesystem::status(xauthority).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto env = test::clean_environment();
  env["DISPLAY"] = fmt::format(":{}", *(*source)->x_display());
  env["XAUTHORITY"] = (tmp_.path() / "no-such-cookie").string();
  const auto refused = test::run({kXsetroot, "-solid", "red"}, env, tmp_.path());
  EXPECT_NE(refused.exit.code, 0) << "a client without the cookie got in";

  source->reset();
  EXPECT_FALSE(std::filesystem::exists(xauthority)) << "the cookie file outlived its server";
}

TEST_F(XvfbSource, ADisplayCapturesStraightIntoTheRing) {
  auto source = make_xvfb_source({640, 480, 60'000}, kXvfb, tmp_.path());
  ASSERT_TRUE(source) << source.error().message;
  const FrameSource& raw = **source;
  VirtualDisplay display(1, {640, 480, 60'000}, std::move(*source));
  auto ring = framering::RingMemory::create({1, 3, 640, 480}).value();
  auto wake = framering::make_wake_fd().value();
  display.set_channel(framering::RingMemory::attach(UniqueFd(::fcntl(ring.fd(), F_DUPFD_CLOEXEC, 0)), {1, 3, 0}).value(),
                      UniqueFd(::fcntl(wake.get(), F_DUPFD_CLOEXEC, 0)));
  paint(raw, "#40c020");
  framering::Consumer consumer(ring, wake.get());
  std::vector<std::uint8_t> out(std::size_t{ring.pitch_bytes()} * ring.height());
  framering::ConsumedFrame got;
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    static_cast<void>(consumer.wait(20ms));
    if (consumer.try_consume(out, ring.pitch_bytes(), got) == framering::ConsumeOutcome::consumed) {
      const std::uint8_t* px = out.data() + std::size_t{ring.pitch_bytes()} * 240 + 320 * 4;
      seen = px[0] == 0x20 && px[1] == 0xc0 && px[2] == 0x40;
    }
  }
  EXPECT_TRUE(seen) << "the drawing never reached the ring";
  EXPECT_GT(display.in_place_frames(), 0U) << "Xvfb frames were copied, not captured into the ring";
}

TEST_F(XvfbSource, AMissingServerIsANamedError) {
  auto source = make_xvfb_source({640, 480, 60'000}, "/nonexistent/Xvfb", tmp_.path());
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("/nonexistent/Xvfb"), std::string::npos);
}

}  // namespace
}  // namespace pf::agent
