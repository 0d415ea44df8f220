// Text and touch into a real Xvfb through XTEST, as a real X client (the
// recorder) sees them.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pf/agent/source.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf::agent {
namespace {

using namespace std::chrono_literals;

constexpr const char* kXvfb = "/usr/bin/Xvfb";

using test::lines_of;

class XTestInjector : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kXvfb, X_OK) != 0) {
      GTEST_SKIP() << "package xvfb is not installed (scripts/setup.sh installs it)";
    }
    auto source = make_xvfb_source({640, 480, 60'000}, kXvfb, tmp_.path());
    ASSERT_TRUE(source) << source.error().message;
    source_ = std::move(*source);
    auto env = test::clean_environment();
    for (const auto& kv : source_->app_environment()) {
      env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    recorder_.emplace(std::vector<std::string>{PF_RECORDER_BINARY, record_.string()}, env, tmp_.path() / "rec.log");
    for (int i = 0; i < 200 && (lines_of(record_).empty() || lines_of(record_).front() != "ready"); ++i) {
      std::this_thread::sleep_for(25ms);
    }
    ASSERT_FALSE(lines_of(record_).empty()) << recorder_->output();
    auto injector = source_->open_input();
    ASSERT_TRUE(injector) << injector.error().message;
    injector_ = std::move(*injector);
  }

  // What the recorder wrote once `expect` lines of `prefix` are there.
  std::vector<std::string> recorded(std::string_view prefix, std::size_t expect) {
    std::vector<std::string> out;
    for (int i = 0; i < 200; ++i) {
      out.clear();
      for (auto& line : lines_of(record_)) {
        if (line.rfind(prefix, 0) == 0) {
          out.push_back(std::move(line));
        }
      }
      if (out.size() >= expect) {
        break;
      }
      std::this_thread::sleep_for(25ms);
    }
    return out;
  }

  test::TempDir tmp_;
  std::filesystem::path record_ = tmp_.path() / "events";
  std::unique_ptr<FrameSource> source_;
  std::optional<test::Child> recorder_;
  std::unique_ptr<InputInjector> injector_;
};

TEST_F(XTestInjector, TextArrivesAsTheKeysymsItSpellsInOrder) {
  // ASCII on its own keys (B with Shift), é and € on keys given them, a newline as Return.
  auto text = input::text_events("aB \xC3\xA9\xE2\x82\xAC\n");
  ASSERT_TRUE(text);
  // A keysym the client had no scancode for (key with code 0) is typed too.
  text->push_back({input::EventKind::key, 1, 0, 0x7a, 0, 0});  // z
  const auto done = injector_->inject(*text);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->unsupported, 0U);
  const auto syms = recorded("keysym ", 8);  // Shift_L is pressed for the B
  EXPECT_EQ(syms, (std::vector<std::string>{"keysym 61", "keysym ffe1", "keysym 42", "keysym 20", "keysym e9", "keysym 10020ac",
                                            "keysym ff0d", "keysym 7a"}));
}

TEST_F(XTestInjector, TheFirstTouchContactDrivesThePointerWithButtonOneHeld) {
  const std::vector<input::Event> touch{
      {input::EventKind::touch, 1, 4, 100, 120, 0},  // contact 4 down
      {input::EventKind::touch, 1, 5, 300, 300, 0},  // a second finger: not the pointer's
      {input::EventKind::touch, 1, 4, 150, 160, 0},  // contact 4 moves
      {input::EventKind::touch, 0, 4, 150, 160, 0},  // and lifts
  };
  const auto done = injector_->inject(touch);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->injected, 3U);
  EXPECT_EQ(done->unsupported, 1U);
  EXPECT_EQ(recorded("button_", 2), (std::vector<std::string>{"button_press 1 100 120", "button_release 1 150 160"}));
  const auto moves = recorded("motion ", 2);
  EXPECT_NE(std::find(moves.begin(), moves.end(), "motion 150 160"), moves.end());
  EXPECT_EQ(std::find(moves.begin(), moves.end(), "motion 300 300"), moves.end()) << "the second finger moved it";
}

}  // namespace
}  // namespace pf::agent
