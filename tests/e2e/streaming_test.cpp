// Native streaming end to end: the host's native server and display
// service run in this process (against the real pf-vdisplay); each client
// is the real punktfunk-client, started as a child process, reporting
// through --stats-json. Label e2e: short runs. Label soak (streaming_soak_test.cpp): the
// long acceptance runs.
#include "e2e/streaming_fixture.hpp"

#include <signal.h>

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

namespace pf::e2e {
namespace {

using namespace std::chrono_literals;

TEST(Streaming, SyntheticFramesArriveVerifiedWithLatencyFigures) {
  Host host(vdisplay::Backend::synthetic);
  const auto r = host.run_client({"--mode", "1280x720@60", "--seconds", "4"});
  host.expect_all_delivered(r);
  EXPECT_EQ(r.number("frames_verified"), r.number("frames_decoded"));
  EXPECT_GT(r.number("e2e_p50_ms"), 0);
  EXPECT_GT(r.number("host_p50_ms"), 0);
  EXPECT_GE(r.number("keyframes"), 1);
}

TEST(Streaming, LossIsRepairedByFecOrRecoveredWithoutCorruption) {
  Host host(vdisplay::Backend::synthetic);
  const auto r = host.run_client({"--mode", "640x360@60", "--seconds", "5", "--test-drop-pct", "5"});
  const double received = r.number("frames_received");
  EXPECT_GT(r.number("datagrams_dropped_by_knob"), 0);
  EXPECT_GT(r.number("frames_recovered"), 0);
  EXPECT_EQ(r.number("frames_corrupt"), 0);
  EXPECT_GE(r.number("frames_decoded"), 0.97 * received);
  EXPECT_LE(r.number("max_freeze_frames"), 15);  // 250 ms at 60 fps, on the stream's clock (see the soak)
  EXPECT_GT(r.number("fec_pct"), 1);  // adapted to the reported loss
}

TEST(Streaming, ModeBitrateAndKeyframeChangesKeepTheSessionAndBadInputIsCounted) {
  Host host(vdisplay::Backend::synthetic);
  const auto r = host.run_client({"--mode", "1920x1080@60", "--seconds", "5", "--request-keyframe-at", "1",
                                  "--test-send-garbage-at", "1.5", "--change-bitrate-at", "2:8000",
                                  "--change-mode-at", "3:1280x720@60"});
  EXPECT_EQ(r.number("mode_changes"), 1);
  EXPECT_EQ(r.number("bitrate_changes"), 1);
  EXPECT_EQ(r.number("last_width"), 1280);
  EXPECT_EQ(r.number("last_height"), 720);
  EXPECT_LE(r.number("frames_after_keyframe_request"), 2);
  EXPECT_GE(r.number("keyframes"), 3);  // the first, the requested one, the new mode's
  host.expect_all_delivered(r);
  const auto session = host.ended_session(r);
  EXPECT_GE(session.control_rejected, 2U);   // a bad body and an unknown type
  EXPECT_GE(session.datagrams_rejected, 2U); // forged, from the session's socket and another
  EXPECT_EQ(session.end_reason, "client quit");
}

TEST(Streaming, FourClientsAtDifferentModesEachGetTheirOwnDisplay) {
  Host host(vdisplay::Backend::synthetic);
  const std::vector<std::string> modes = {"320x240@60", "480x270@30", "640x360@60", "400x300@50"};
  std::vector<std::unique_ptr<ClientRun>> clients;
  for (std::size_t i = 0; i < modes.size(); ++i) {
    clients.push_back(host.start_client({"--mode", modes[i], "--seconds", "4", "--name", "c" + std::to_string(i)}, i));
  }
  std::vector<vdisplay::DisplayId> displays;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const auto r = clients[i]->finish();
    host.expect_all_delivered(r);
    const auto session = host.ended_session(r);
    EXPECT_EQ(vdisplay::to_string(session.mode).substr(0, modes[i].find('@')), modes[i].substr(0, modes[i].find('@')));
    displays.push_back(session.display);
  }
  std::sort(displays.begin(), displays.end());
  EXPECT_EQ(std::unique(displays.begin(), displays.end()), displays.end()) << "a display was shared";
  EXPECT_EQ(host.server().counters().sessions_started, 4U);
}

TEST(Streaming, AKilledClientIsFreedAndAReconnectGetsAFreshDisplayFast) {
  Host host(vdisplay::Backend::synthetic, std::chrono::seconds(30));
  auto victim = host.start_client({"--mode", "640x360@60", "--seconds", "0"}, 0);
  ASSERT_TRUE(victim->wait_for_frames());
  const auto first_display = host.displays().snapshot().at(0).display;
  victim->kill();
  // The host frees the session (the connection drops; at most the idle timeout).
  const TimePoint deadline = steady_clock().now() + 10s;
  while (!host.server().sessions().empty() && host.server().sessions().back().state != session::SessionState::ended &&
         steady_clock().now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(host.server().sessions().back().state, session::SessionState::ended);
  ASSERT_EQ(host.displays().snapshot().at(0).state, vdisplay::DisplayState::lingering);
  // The same client (same certificate) within the linger: a fresh display, first frame within 1 s.
  auto again = host.start_client({"--mode", "640x360@60", "--seconds", "2"}, 0);
  ASSERT_TRUE(again->wait_for_frames());
  const auto now = host.displays().snapshot();
  ASSERT_EQ(now.size(), 1U);  // the lingering one was replaced, not kept beside it
  EXPECT_NE(now[0].display, first_display);
  EXPECT_EQ(now[0].state, vdisplay::DisplayState::active);
  const auto r = again->finish();
  EXPECT_LT(r.number("first_frame_ms"), 1000);
  EXPECT_EQ(r.number("frames_corrupt"), 0);
}

TEST(Streaming, AnUntrustedClientIsRefusedWithoutTrustOnFirstUse) {
  Host host(vdisplay::Backend::synthetic, std::chrono::seconds(0), /*allow_tofu=*/false);
  const auto run = host.run_client_raw({"--mode", "320x240@60", "--seconds", "1"}, 0);
  EXPECT_NE(run.exit.code, 0);
  EXPECT_NE(run.output.find("pair first"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace pf::e2e
