#include "pf/config/host_config.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pf::config {
namespace {

class HostConfigTest : public ::testing::Test {
 protected:
  HostConfigInput input_with_home() const {
    HostConfigInput in;
    in.environment = {{"HOME", (tmp_.path() / "home").string()}, {"PATH", "/usr/bin"}};
    return in;
  }
  std::filesystem::path default_dir() const { return tmp_.path() / "home/.config/punktfunk"; }

  static std::string value_of(const HostConfig& c, std::string_view key) {
    for (const auto& e : c.effective) {
      if (e.key == key) {
        return e.value;
      }
    }
    return "<missing>";
  }

  test::TempDir tmp_;
};

TEST_F(HostConfigTest, BuiltInDefaults) {
  const auto c = load_host_config(input_with_home());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->settings.config_dir, default_dir());
  EXPECT_EQ(c->settings.state_dir, tmp_.path() / "home/.local/state/punktfunk");
  EXPECT_EQ(c->settings.native_port, 9777);
  EXPECT_EQ(c->settings.log.default_level, log::Level::info);
  EXPECT_EQ(c->host_env, default_dir() / "host.env");
  EXPECT_FALSE(c->host_env_found);
  EXPECT_EQ(c->effective.size(), host_keys().size());
  EXPECT_TRUE(c->warnings.empty());
}

TEST_F(HostConfigTest, XdgDirectoriesWinOverHome) {
  auto in = input_with_home();
  in.environment.emplace_back("XDG_CONFIG_HOME", (tmp_.path() / "xdg").string());
  in.environment.emplace_back("XDG_STATE_HOME", (tmp_.path() / "xstate").string());
  const auto c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, tmp_.path() / "xdg/punktfunk");
  EXPECT_EQ(c->settings.state_dir, tmp_.path() / "xstate/punktfunk");
}

TEST_F(HostConfigTest, RelativeXdgValuesAreIgnored) {
  auto in = input_with_home();
  in.environment.emplace_back("XDG_CONFIG_HOME", "relative/dir");
  const auto c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, default_dir());
}

TEST_F(HostConfigTest, ConfigDirFromEnvironmentAndCommandLine) {
  auto in = input_with_home();
  in.environment.emplace_back("PUNKTFUNK_CONFIG_DIR", (tmp_.path() / "env-cfg").string());
  auto c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, tmp_.path() / "env-cfg");

  in.command_line.push_back({"PUNKTFUNK_CONFIG_DIR", (tmp_.path() / "cli-cfg").string(), "--config-dir"});
  c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, tmp_.path() / "cli-cfg");
  EXPECT_EQ(c->host_env, tmp_.path() / "cli-cfg/host.env");
}

TEST_F(HostConfigTest, SystemModeUsesEtcAndVarLib) {
  auto in = input_with_home();
  in.mode = InstallMode::system;
  const auto c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, "/etc/punktfunk");
  EXPECT_EQ(c->settings.state_dir, "/var/lib/punktfunk");
}

TEST_F(HostConfigTest, NoHomeAndNoOverrideIsAClearError) {
  HostConfigInput in;
  const auto c = load_host_config(in);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("set PUNKTFUNK_CONFIG_DIR"), std::string::npos);
}

TEST_F(HostConfigTest, RelativeConfigDirIsRefused) {
  auto in = input_with_home();
  in.environment.emplace_back("PUNKTFUNK_CONFIG_DIR", "cfg");
  const auto c = load_host_config(in);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "PUNKTFUNK_CONFIG_DIR='cfg' (from environment): not an absolute path; accepted: an "
            "absolute directory path");
}

TEST_F(HostConfigTest, HostEnvIsReadFromTheConfigDir) {
  tmp_.write("home/.config/punktfunk/host.env",
             "PUNKTFUNK_NATIVE_PORT=9800\nPUNKTFUNK_LOG=warn,config=debug\n");
  const auto c = load_host_config(input_with_home());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->host_env_found);
  EXPECT_EQ(c->settings.native_port, 9800);
  EXPECT_EQ(c->settings.log.default_level, log::Level::warn);
  ASSERT_EQ(c->effective.size(), host_keys().size());
  for (const auto& e : c->effective) {
    if (e.key == "PUNKTFUNK_NATIVE_PORT") {
      EXPECT_EQ(e.source, Source::host_env);
      EXPECT_EQ(e.origin, (default_dir() / "host.env").string() + ":1");
    }
  }
}

TEST_F(HostConfigTest, InvalidPortInHostEnvNamesTheKeyTheValueAndTheLine) {
  const auto path = tmp_.write("home/.config/punktfunk/host.env", "# ports\nPUNKTFUNK_NATIVE_PORT=notaport\n");
  const auto c = load_host_config(input_with_home());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::config_invalid);
  EXPECT_EQ(c.error().message, "PUNKTFUNK_NATIVE_PORT='notaport' (from " + path.string() +
                                   ":2): not a decimal number; accepted: a port number, 1-65535");
}

TEST_F(HostConfigTest, GarbageInHostEnvIsAnError) {
  tmp_.write("home/.config/punktfunk/host.env", "PUNKTFUNK_LOG=info\n<<<garbage>>>\n");
  const auto c = load_host_config(input_with_home());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::malformed);
  EXPECT_NE(c.error().message.find("host.env:2"), std::string::npos);
}

TEST_F(HostConfigTest, EnvironmentOverridesHostEnvAndCommandLineOverridesBoth) {
  tmp_.write("home/.config/punktfunk/host.env", "PUNKTFUNK_NATIVE_PORT=9800\n");
  auto in = input_with_home();
  in.environment.emplace_back("PUNKTFUNK_NATIVE_PORT", "9801");
  auto c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.native_port, 9801);
  EXPECT_EQ(value_of(*c, "PUNKTFUNK_NATIVE_PORT"), "9801");

  in.command_line.push_back({"PUNKTFUNK_NATIVE_PORT", "9802", "--set"});
  c = load_host_config(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.native_port, 9802);
}

TEST_F(HostConfigTest, UnknownPunktfunkVariablesWarn) {
  auto in = input_with_home();
  in.environment.emplace_back("PUNKTFUNK_NATIV_PORT", "1");
  in.environment.emplace_back("UNRELATED", "1");  // not ours: silently ignored
  const auto c = load_host_config(in);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->warnings.size(), 1U);
  EXPECT_EQ(c->warnings[0],
            "unknown key PUNKTFUNK_NATIV_PORT (environment) is ignored; did you mean "
            "PUNKTFUNK_NATIVE_PORT?");
}

TEST_F(HostConfigTest, ConfigDirInHostEnvHasNoEffect) {
  tmp_.write("home/.config/punktfunk/host.env", "PUNKTFUNK_CONFIG_DIR=/elsewhere\n");
  const auto c = load_host_config(input_with_home());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->settings.config_dir, default_dir());
  ASSERT_EQ(c->warnings.size(), 1U);
}

TEST(NormalizeKey, AddsThePrefixAndUppercases) {
  EXPECT_EQ(normalize_key("native_port"), "PUNKTFUNK_NATIVE_PORT");
  EXPECT_EQ(normalize_key("PUNKTFUNK_LOG"), "PUNKTFUNK_LOG");
  EXPECT_EQ(normalize_key("punktfunk_log"), "PUNKTFUNK_LOG");
}

TEST(HostKeys, EveryDefaultIsValidAndDocumented) {
  const std::string example = render_host_env_example();
  for (const auto& key : host_keys()) {
    EXPECT_TRUE(key.info.name.starts_with("PUNKTFUNK_")) << key.info.name;
    EXPECT_FALSE(key.info.doc.empty()) << key.info.name;
    EXPECT_FALSE(key.info.accepted.empty()) << key.info.name;
    HostSettings scratch;
    EXPECT_TRUE(key.apply(key.info.fallback, scratch)) << key.info.name;
    EXPECT_NE(example.find("#" + std::string(key.info.name) + "="), std::string::npos)
        << key.info.name;
  }
}

}  // namespace
}  // namespace pf::config
