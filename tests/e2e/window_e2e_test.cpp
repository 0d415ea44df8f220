// The client's window end to end: `punktfunk-client connect --window` on an
// X server of the test's own, pointed at, clicked and typed into through
// XTEST (pf-x-input-driver), against a real host streaming an Xvfb display
// in which an X client (pf-x-input-recorder) writes down the input that
// reaches it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/streaming_fixture.hpp"
#include "support/temp_dir.hpp"
#include "support/xvfb.hpp"

namespace pf::e2e {
namespace {

using namespace std::chrono_literals;

using test::lines_of;

// The environment of a program on `screen` (and on no other display).
std::map<std::string, std::string> environment_on(const test::Xvfb& screen) {
  auto env = test::clean_environment();
  env.erase("WAYLAND_DISPLAY");
  env.erase("SDL_VIDEODRIVER");
  for (const auto& [key, value] : screen.environment()) {
    env[key] = value;
  }
  // SDL's software renderer, and its window surface without GL: the test is
  // about the pictures reaching the window, not about the GL stack of the
  // machine it runs on.
  env["SDL_RENDER_DRIVER"] = "software";
  env["SDL_FRAMEBUFFER_ACCELERATION"] = "0";
  return env;
}

class WindowE2e : public ::testing::Test {
 protected:
  WindowE2e() : host_(vdisplay::Backend::xvfb, 0s) {}

  void SetUp() override {
    if (::access(test::kXvfbBinary, X_OK) != 0) {
      GTEST_SKIP() << "package xvfb is not installed (scripts/setup.sh installs it)";
    }
  }

  // Once the client's session streams, the recorder in the host's display
  // (the session's display exists only from then on); its output file.
  std::filesystem::path record_in_session_display(const std::string& client_name,
                                                  const test::Child& client) {
    vdisplay::DisplayId display = 0;
    for (int i = 0; i < 400 && display == 0; ++i) {
      std::this_thread::sleep_for(50ms);
      for (const auto& s : host_.server().sessions()) {
        if (s.client_name == client_name && s.state == session::SessionState::streaming) {
          display = s.display;
        }
      }
    }
    EXPECT_NE(display, 0U) << client.output();
    const auto recording = host_.dir() / ("recorded-" + client_name + ".txt");
    for (const auto& slot : host_.displays().snapshot()) {
      if (slot.display == display) {
        const vdisplay::AppEntry recorder{
            "recorder", "recorder", {PF_RECORDER_BINARY, recording.string()}, {}, {}};
        EXPECT_TRUE(host_.displays().launch_app({slot.display, slot.generation}, recorder));
      }
    }
    for (int i = 0;
         i < 400 && (lines_of(recording).empty() || lines_of(recording).front() != "ready"); ++i) {
      std::this_thread::sleep_for(25ms);
    }
    EXPECT_FALSE(lines_of(recording).empty()) << "the recorder never started";
    return recording;
  }

  test::Run drive(const test::Xvfb& screen, const std::vector<std::string>& commands) {
    std::vector<std::string> argv = {PF_X_DRIVER_BINARY};
    argv.insert(argv.end(), commands.begin(), commands.end());
    return test::run(argv, environment_on(screen), host_.dir(), 30s);
  }

  Host host_;
};

TEST_F(WindowE2e, TheWindowShowsTheStreamAndSendsWhatTheUserDoesInIt) {
  auto screen = test::Xvfb::start(host_.dir() / "client-screen", 1280, 800);
  ASSERT_TRUE(screen) << screen.error().message;
  const auto stats = host_.dir() / "stats-window.json";
  test::Child client(
      {PF_CLIENT_BINARY, "connect", host_.server().address().to_string(), "--allow-tofu",
       "--config-dir", (host_.dir() / "client-window").string(), "--name", "window", "--mode",
       "640x480@30", "--window", "--audio-channels", "0", "--stats-json", stats.string()},
      environment_on(*screen), host_.dir() / "window.log");
  const auto recording = record_in_session_display("window", client);
  ASSERT_TRUE(client.wait_for_output(" fps ", 30s)) << client.output();

  // The window at 1040×720: the 640×480 picture is drawn 1.5 times its size
  // (960×720) between 40-pixel bars left and right. Window point (190, 300)
  // is over stream pixel (100, 200).
  const auto driven =
      drive(*screen,
            {"find",  "punktfunk", "place", "0", "0",     "1040", "720", "move", "190",   "300",
             "sleep", "300",       "click", "1", "sleep", "300",  "key", "38",   "sleep", "300"});
  ASSERT_EQ(driven.exit.code, 0) << driven.output;
  EXPECT_NE(driven.output.find("window 0 0 1040 720"), std::string::npos) << driven.output;

  // The picture fills the middle of the window and the bars are black: the
  // host's screen is white (its root window, under the recorder's
  // transparent one), the window's own background black.
  std::string colours;
  bool drawn = false;
  for (int i = 0; i < 50 && !drawn; ++i) {
    const auto read =
        drive(*screen, {"find", "punktfunk", "pixel", "190", "300", "pixel", "20", "300"});
    unsigned inside = 0, bar = 0;
    const auto at = read.output.find("pixel 190 300 ");
    const auto at_bar = read.output.find("pixel 20 300 ");
    colours = read.output;
    if (at != std::string::npos && at_bar != std::string::npos &&
        std::sscanf(read.output.c_str() + at, "pixel 190 300 %x", &inside) == 1 &&
        std::sscanf(read.output.c_str() + at_bar, "pixel 20 300 %x", &bar) == 1) {
      const auto all_above = [](unsigned rgb, unsigned v) {
        return ((rgb >> 16) & 0xFF) > v && ((rgb >> 8) & 0xFF) > v && (rgb & 0xFF) > v;
      };
      drawn = all_above(inside, 200) && bar == 0;
    }
    if (!drawn) {
      std::this_thread::sleep_for(100ms);
    }
  }
  EXPECT_TRUE(drawn) << "the window does not show the stream between black bars:\n" << colours;

  // What the X client in the host's display saw: the click there, the key
  // (evdev 30, KEY_A, is X keycode 38 on the host as on the client's screen).
  bool clicked = false;
  bool typed = false;
  std::vector<std::string> seen;
  for (int i = 0; i < 200 && !(clicked && typed); ++i) {
    std::this_thread::sleep_for(50ms);
    seen = lines_of(recording);
    for (const auto& line : seen) {
      int button = 0, x = 0, y = 0;
      if (std::sscanf(line.c_str(), "button_press %d %d %d", &button, &x, &y) == 3 && button == 1 &&
          std::abs(x - 100) <= 2 && std::abs(y - 200) <= 2) {
        clicked = true;
      }
      typed = typed || line == "key_press 38";
    }
  }
  std::string all;
  for (const auto& line : seen) {
    all += line + "\n";
  }
  EXPECT_TRUE(clicked) << "no click near (100, 200) reached the host's display:\n"
                       << all << client.output();
  EXPECT_TRUE(typed) << "the key never reached the host's display:\n" << all << client.output();

  // Closing the window ends the session, as the end of --seconds does.
  const auto closed = drive(*screen, {"find", "punktfunk", "close"});
  EXPECT_EQ(closed.exit.code, 0) << closed.output;
  const auto exit = client.wait_for(30s);
  ASSERT_TRUE(exit) << "the client went on after its window was closed:\n" << client.output();
  EXPECT_EQ(exit->code, 0) << client.output();

  std::ifstream in(stats);
  const auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object()) << client.output();
  EXPECT_GT(report.value("window_frames_shown", 0.0), 0) << report.dump(2);
  // At least the position, the button down and up, the key down and up.
  EXPECT_GE(report.value("input_events_sent", 0.0), 4) << report.dump(2);
  EXPECT_EQ(report.value("window_input_dropped", -1.0), 0) << report.dump(2);
  EXPECT_EQ(report.value("frames_corrupt", -1.0), 0) << report.dump(2);
  Report r;
  r.client_name = "window";
  r.json = report;
  const auto session = host_.ended_session(r);
  EXPECT_EQ(session.input.denied, 0U);
  EXPECT_GE(session.input.received, 4U);
}

TEST(WindowWithoutDisplay, FailsAtStartNamingWhatIsMissing) {
  test::TempDir dir;
  auto env = test::clean_environment();
  env.erase("DISPLAY");
  env.erase("WAYLAND_DISPLAY");
  env.erase("SDL_VIDEODRIVER");
  const auto config = dir.path() / "client";
  const std::vector<std::string> argv = {
      PF_CLIENT_BINARY, "connect",  "127.0.0.1:" + test::free_tcp_port(),
      "--allow-tofu",   "--window", "--config-dir",
      config.string()};
  const auto none = test::run(argv, env, dir.path());
  EXPECT_NE(none.exit.code, 0) << none.output;
  EXPECT_NE(none.output.find("neither DISPLAY nor WAYLAND_DISPLAY is set"), std::string::npos)
      << none.output;
  // One line, and before connecting: not even the identity was made.
  EXPECT_EQ(std::count(none.output.begin(), none.output.end(), '\n'), 1) << none.output;
  EXPECT_FALSE(std::filesystem::exists(config)) << none.output;

  env["DISPLAY"] = ":4093";  // no server there
  const auto absent = test::run(argv, env, dir.path());
  EXPECT_NE(absent.exit.code, 0) << absent.output;
  EXPECT_NE(absent.output.find("cannot open the display"), std::string::npos) << absent.output;
  EXPECT_FALSE(std::filesystem::exists(config)) << absent.output;
}

}  // namespace
}  // namespace pf::e2e
