#include "pf/vdisplay/policy.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;

TEST(KeepAlive, ParsesOffForeverAndDurations) {
  EXPECT_EQ(parse_keep_alive("off")->kind, KeepAliveKind::off);
  EXPECT_EQ(parse_keep_alive("Forever")->kind, KeepAliveKind::forever);
  EXPECT_EQ(parse_keep_alive("10s")->duration, 10s);
  EXPECT_EQ(parse_keep_alive("500ms")->duration, 500ms);
  EXPECT_EQ(parse_keep_alive("2m")->duration, 2min);
  EXPECT_EQ(parse_keep_alive("1h")->duration, 1h);
  for (const char* bad : {"", "10", "s", "-5s", "0s", "10 seconds", "1.5s", "999h", "on"}) {
    EXPECT_FALSE(parse_keep_alive(bad)) << bad;
  }
  EXPECT_EQ(to_string(*parse_keep_alive("1500ms")), "1500ms");
  EXPECT_EQ(to_string(*parse_keep_alive("2m")), "120s");
}

TEST(ModeConflictText, RoundTrips) {
  for (const auto c : {ModeConflict::separate, ModeConflict::steal, ModeConflict::join, ModeConflict::reject}) {
    EXPECT_EQ(parse_mode_conflict(to_string(c)).value(), c);
  }
  EXPECT_FALSE(parse_mode_conflict("Steal"));
}

TEST(DisplaySettingsFile, RoundTripsAndKeepsDefaultsForMissingMembers) {
  DisplaySettings s;
  s.keep_alive = KeepAlive{KeepAliveKind::duration, 30'000ms};
  s.mode_conflict = ModeConflict::join;
  s.max_displays = 8;
  s.render_gpu = "nvidia";
  s.backend = Backend::wlroots;
  EXPECT_EQ(parse_display_settings(render_display_settings(s)).value(), s);
  EXPECT_EQ(parse_display_settings("{}").value(), DisplaySettings{});
  EXPECT_EQ(parse_display_settings(R"({"max_displays": 2})")->max_displays, 2U);
}

TEST(DisplaySettingsFile, RefusesTyposWrongTypesAndRanges) {
  for (const char* bad : {"", "[]", "nul", R"({"max_display": 2})", R"({"max_displays": 0})",
                          R"({"max_displays": 65})", R"({"max_displays": -1})", R"({"max_displays": "4"})",
                          R"({"keep_alive": 10})", R"({"keep_alive": "soon"})", R"({"mode_conflict": "x"})",
                          R"({"render_gpu": 1})", R"({"backend": "wayland"})"}) {
    EXPECT_FALSE(parse_display_settings(bad)) << bad;
  }
  EXPECT_NE(parse_display_settings(R"({"max_display": 2})").error().message.find("unknown setting 'max_display'"),
            std::string::npos);
}

TEST(DisplaySettingsFile, SavedPrivatelyAndLoadedBack) {
  const test::TempDir tmp;
  const auto file = tmp.path() / std::string(kDisplaySettingsFile);
  EXPECT_EQ(load_display_settings(file).value(), DisplaySettings{});  // missing → defaults
  DisplaySettings s;
  s.max_displays = 3;
  ASSERT_TRUE(save_display_settings(file, s));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(load_display_settings(file).value(), s);
  tmp.write(std::string(kDisplaySettingsFile), "{ broken");
  const auto bad = load_display_settings(file);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(file.string()), std::string::npos);
}

TEST(RenderGpu, PreferenceOrderAndStableTies) {
  const std::vector<GpuInfo> gpus = {{"0000:02:00.0", "GeForce RTX 4090", 24ULL << 30},
                                     {"0000:01:00.0", "RTX A2000", 12ULL << 30},
                                     {"0000:03:00.0", "GeForce RTX 4090", 24ULL << 30}};
  EXPECT_EQ(choose_render_gpu("", "", gpus).gpu_index, 1U);  // most memory; tie → lowest id
  EXPECT_EQ(choose_render_gpu("", "", gpus).reason, "the GPU with the most memory");
  EXPECT_EQ(choose_render_gpu("", "a2000", gpus).gpu_index, 2U);
  EXPECT_EQ(choose_render_gpu("03:00", "a2000", gpus).gpu_index, 3U);  // saved preference wins
  EXPECT_EQ(choose_render_gpu("cpu", "a2000", gpus).gpu_index, 0U);
  const auto missing = choose_render_gpu("radeon", "", gpus);
  EXPECT_EQ(missing.gpu_index, 1U);
  EXPECT_NE(missing.reason.find("'radeon' matches no GPU"), std::string::npos);
  const auto none = choose_render_gpu("", "", {});
  EXPECT_EQ(none.gpu_index, 0U);
  EXPECT_EQ(none.name, "cpu");
}

}  // namespace
}  // namespace pf::vdisplay
