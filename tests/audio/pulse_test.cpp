// Against a real sound server: the one this machine runs, else Debian's
// pulseaudio started by PulseServer::ensure.
#include "pf/audio/pulse.hpp"

#include <gtest/gtest.h>

#include "audio/player.hpp"
#include "audio/tone.hpp"
#include "pf/audio/opus_codec.hpp"
#include "support/temp_dir.hpp"

namespace pf::audio {
namespace {

class Pulse : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PulseServer::ensure(dir_.path() / "pulse");
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  pf::test::TempDir dir_;
  std::unique_ptr<PulseServer> server_;
};

TEST_F(Pulse, ASinksMonitorRecordsWhatIsPlayedIntoIt) {
  auto sink = server_->create_sink("punktfunk-test-a", 2);
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ(sink->monitor(), "punktfunk-test-a.monitor");
  const auto env = server_->app_environment(*sink);
  EXPECT_EQ(env.front(), "PULSE_SINK=punktfunk-test-a");
  EXPECT_EQ(env.size(), server_->address().empty() ? 1U : 2U);
  auto capture = MonitorCapture::open(server_->address(), sink->monitor(), 2, "test");
  ASSERT_TRUE(capture) << capture.error().message;
  capture->flush();
  std::vector<float> recorded;
  {
    tone::Player player(server_->address(), sink->name(), 2, tone::tone(1000, 0.5, 1.5, 2));
    std::vector<float> frame(std::size_t{kFrameSamples} * 2);
    for (int i = 0; i < 2.5 * 200; ++i) {  // 2.5 s of 5 ms fragments
      ASSERT_TRUE(capture->read(frame));
      recorded.insert(recorded.end(), frame.begin(), frame.end());
    }
  }
  const auto f = tone::measure(recorded, 2, 0, 0.5);
  ASSERT_TRUE(f) << "no tone recorded";
  EXPECT_NEAR(f->hz, 1000, 10);
  EXPECT_NEAR(f->level_db, 0, 1);
  EXPECT_EQ(f->longest_dip_ms, 0);
}

TEST_F(Pulse, SurroundSinksAreMadeAndASinkGoesWithItsObject) {
  for (const unsigned channels : {6U, 8U}) {
    auto sink = server_->create_sink(fmt::format("punktfunk-test-{}", channels), channels);
    ASSERT_TRUE(sink) << sink.error().message;
    EXPECT_EQ(sink->channels(), channels);
    auto capture = MonitorCapture::open(server_->address(), sink->monitor(), channels, "test");
    ASSERT_TRUE(capture) << capture.error().message;
    EXPECT_TRUE(server_->restart_clock(*sink));
    std::vector<float> frame(std::size_t{kFrameSamples} * channels);
    for (int i = 0; i < 20; ++i) {  // the monitor runs on the sink's clock, silent or not
      ASSERT_TRUE(capture->read(frame));
    }
  }
  {
    auto sink = server_->create_sink("punktfunk-test-gone", 2);
    ASSERT_TRUE(sink);
  }
  EXPECT_FALSE(MonitorCapture::open(server_->address(), "punktfunk-test-gone.monitor", 2, "test"));
}

TEST_F(Pulse, BadNamesAndLayoutsAreRefused) {
  EXPECT_EQ(server_->create_sink("a sink; load-module x", 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(server_->create_sink("", 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(server_->create_sink("punktfunk-test-3ch", 3).error().code, Errc::unsupported);
}

TEST_F(Pulse, OurOwnDaemonStopsWithTheObject) {
  if (!server_->own()) {
    GTEST_SKIP() << "this machine runs a sound server (" << server_->description() << "); none was started";
  }
  EXPECT_NE(server_->description().find("started by the host"), std::string::npos);
  const auto socket = server_->address().substr(5);  // after "unix:"
  EXPECT_TRUE(std::filesystem::exists(socket));
  server_.reset();
  EXPECT_FALSE(MonitorCapture::open("unix:" + socket, "x.monitor", 2, "test"));
}

}  // namespace
}  // namespace pf::audio
