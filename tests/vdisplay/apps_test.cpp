#include "pf/vdisplay/apps.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pf/core/fs.hpp"
#include "support/temp_dir.hpp"

namespace pf::vdisplay {
namespace {

TEST(Apps, DesktopIsAlwaysThereAndFirst) {
  const AppCatalog none;
  ASSERT_EQ(none.entries().size(), 1U);
  EXPECT_EQ(none.entries()[0].id, "desktop");
  EXPECT_TRUE(none.entries()[0].command.empty());
  auto parsed = parse_apps(R"({"apps": [{"id": "term", "command": ["foot"]}]})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->entries().size(), 2U);
  EXPECT_EQ(parsed->entries()[0].id, "desktop");
  EXPECT_NE(parsed->find("desktop"), nullptr);
  EXPECT_EQ(parsed->find("nope"), nullptr);
}

TEST(Apps, AFullEntryParsesAndRendersBack) {
  auto parsed = parse_apps(R"({"apps": [{"id": "steam-big", "name": "Steam", "command": ["/usr/games/steam", "-bigpicture"],
                                         "working_dir": "/home/me", "env": {"LANG": "C.UTF-8", "X_1": ""}}]})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const AppEntry* e = parsed->find("steam-big");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "Steam");
  EXPECT_EQ(e->command, (std::vector<std::string>{"/usr/games/steam", "-bigpicture"}));
  EXPECT_EQ(e->working_dir, "/home/me");
  EXPECT_EQ(e->env.at("LANG"), "C.UTF-8");
  auto again = parse_apps(render_apps(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->entries(), parsed->entries());
}

TEST(Apps, MistakesAreNamedWithTheEntry) {
  const auto error_of = [](std::string_view json) {
    auto r = parse_apps(json);
    EXPECT_FALSE(r) << json;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(error_of("[]"), "apps.json is not a JSON object");
  EXPECT_EQ(error_of(R"({"app": []})"), "unknown member 'app' in apps.json (known: apps)");
  EXPECT_EQ(error_of(R"({"apps": [{"command": ["x"]}]})"),
            "apps[0] needs an \"id\" of 1-64 characters a-z 0-9 . _ -");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "Big", "command": ["x"]}]})"),
            "apps[0] needs an \"id\" of 1-64 characters a-z 0-9 . _ -");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "desktop", "command": ["x"]}]})"),
            "app id 'desktop' is built in and cannot be redefined");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a"}]})"), "app 'a': needs a \"command\"");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a", "command": []}]})"),
            "app 'a': command must be a list of 1-64 strings (program first)");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a", "command": [""]}]})"), "app 'a': the program (command[0]) is empty");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a", "command": ["x"], "env": {"1X": "y"}}]})"),
            "app 'a': env entry '1X' needs a NAME_LIKE_THIS and a string value");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a", "command": ["x"], "shell": true}]})"),
            "app 'a': unknown member 'shell' (known: id, name, command, working_dir, env)");
  EXPECT_EQ(error_of(R"({"apps": [{"id": "a", "command": ["x"]}, {"id": "a", "command": ["y"]}]})"),
            "app id 'a' appears twice");
  const std::string big = std::string(R"({"apps": [{"id": "a", "command": [)") + [] {
    std::string args;
    for (int i = 0; i < 10; ++i) {
      args += (i ? "," : "") + std::string("\"") + std::string(500, 'x') + "\"";
    }
    return args;
  }() + "]}]}";
  EXPECT_EQ(error_of(big), "app 'a': command, working_dir and env add up to more than 3072 bytes");
}

TEST(Apps, AMissingFileIsTheDesktopAloneAndABadFileNamesItself) {
  const test::TempDir tmp;
  auto none = load_apps(tmp.path() / "apps.json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->entries().size(), 1U);
  ASSERT_TRUE(write_file_atomic(tmp.path() / "apps.json", "{", 0600));
  auto bad = load_apps(tmp.path() / "apps.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, (tmp.path() / "apps.json").string() + ": apps.json is not a JSON object");
}

TEST(Apps, CommandsWithoutASlashAreFoundInPath) {
  const test::TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp.path() / "tool", "#!/bin/sh\n", 0755));
  ASSERT_TRUE(write_file_atomic(tmp.path() / "data", "", 0644));
  const std::string path = "/nonexistent::" + tmp.path().string();
  auto r = resolve_command({"tool", "--x"}, path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::string>{(tmp.path() / "tool").string(), "--x"}));
  EXPECT_EQ(*resolve_command({"/abs/thing"}, path), std::vector<std::string>{"/abs/thing"});
  auto missing = resolve_command({"data"}, path);
  ASSERT_FALSE(missing) << "not executable";
  EXPECT_EQ(missing.error().message, "'data' is not an executable in PATH");
}

}  // namespace
}  // namespace pf::vdisplay
