#include "pf/config/schema.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>

#include "pf/config/values.hpp"

namespace pf::config {
namespace {

// A schema of its own, so the engine is tested apart from the host's keys.
struct Settings {
  bool feature = false;
  std::int64_t level = 0;
  std::string where;
  int applied = 0;  // how many values were applied, across all keys
};

const std::array<Key<Settings>, 3> kKeys = {{
    {{"T_FEATURE", "off", kSwitchAccepted, "a switch"},
     [](std::string_view v, Settings& s) -> Status {
       ++s.applied;
       auto b = parse_switch(v);
       if (!b) {
         return tl::unexpected(b.error());
       }
       s.feature = *b;
       return ok();
     }},
    {{"T_LEVEL", "3", "an integer 0-9", "an integer"},
     [](std::string_view v, Settings& s) -> Status {
       ++s.applied;
       auto n = parse_integer(v, 0, 9);
       if (!n) {
         return tl::unexpected(n.error());
       }
       s.level = *n;
       return ok();
     }},
    {{"T_WHERE", "", "text", "a process-only key", Scope::process},
     [](std::string_view v, Settings& s) -> Status {
       ++s.applied;
       s.where = v;
       return ok();
     }},
}};

Layer layer(Source source, std::vector<Setting> settings) { return Layer{source, std::move(settings)}; }

const Effective& effective(const Loaded<Settings>& l, std::string_view key) {
  for (const auto& e : l.effective) {
    if (e.key == key) {
      return e;
    }
  }
  throw std::runtime_error("no such key");
}

TEST(Schema, DefaultsApplyWhenNothingIsSet) {
  const auto l = load<Settings>(kKeys, {});
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->settings.feature);
  EXPECT_EQ(l->settings.level, 3);
  EXPECT_EQ(effective(*l, "T_LEVEL").source, Source::builtin);
  EXPECT_EQ(effective(*l, "T_LEVEL").value, "3");
  EXPECT_EQ(effective(*l, "T_LEVEL").origin, "built-in default");
  EXPECT_TRUE(l->warnings.empty());
}

TEST(Schema, PrecedenceIsCommandLineThenEnvironmentThenFileThenDefault) {
  // Layers are given out of order on purpose: precedence comes from the source.
  const std::vector<Layer> layers = {
      layer(Source::command_line, {{"T_LEVEL", "9", "--set"}}),
      layer(Source::host_env, {{"T_LEVEL", "5", "host.env:1"}, {"T_FEATURE", "on", "host.env:2"}}),
      layer(Source::environment, {{"T_LEVEL", "7", "environment"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->settings.level, 9);
  EXPECT_EQ(effective(*l, "T_LEVEL").source, Source::command_line);
  EXPECT_TRUE(l->settings.feature);
  EXPECT_EQ(effective(*l, "T_FEATURE").source, Source::host_env);
  EXPECT_EQ(effective(*l, "T_FEATURE").origin, "host.env:2");

  const std::vector<Layer> no_cli = {layers[1], layers[2]};
  EXPECT_EQ(load<Settings>(kKeys, no_cli)->settings.level, 7);
  const std::vector<Layer> file_only = {layers[1]};
  EXPECT_EQ(load<Settings>(kKeys, file_only)->settings.level, 5);
}

TEST(Schema, ExplicitOffOverridesALowerOn) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_FEATURE", "yes", "host.env:1"}}),
      layer(Source::environment, {{"T_FEATURE", "0", "environment"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->settings.feature);
}

TEST(Schema, InvalidValueNamesKeyValueOriginAndWhatIsAccepted) {
  const std::vector<Layer> layers = {layer(Source::host_env, {{"T_LEVEL", "high", "host.env:4"}})};
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, Errc::config_invalid);
  EXPECT_EQ(l.error().message,
            "T_LEVEL='high' (from host.env:4): not a decimal number; accepted: an integer 0-9");
}

TEST(Schema, AnInvalidValueIsAnErrorEvenWhenOverridden) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_LEVEL", "high", "host.env:4"}}),
      layer(Source::command_line, {{"T_LEVEL", "2", "--set"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("host.env:4"), std::string::npos);
}

TEST(Schema, EveryProblemIsReportedAtOnce) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_LEVEL", "10", "host.env:1"}, {"T_FEATURE", "maybe", "host.env:2"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("T_FEATURE='maybe'"), std::string::npos);
  EXPECT_NE(l.error().message.find("T_LEVEL='10' (from host.env:1): out of range (0-9)"),
            std::string::npos);
}

TEST(Schema, HostileValuesAreEscapedAndShortenedInErrors) {
  const std::string long_value(200, 'x');
  const std::vector<Layer> layers = {
      layer(Source::environment, {{"T_FEATURE", "on\nFAKE LOG LINE", "environment"},
                                  {"T_LEVEL", long_value, "environment"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("T_FEATURE='on\\x0aFAKE LOG LINE'"), std::string::npos);
  EXPECT_NE(l.error().message.find("... (200 bytes)"), std::string::npos);
  EXPECT_EQ(l.error().message.find(long_value), std::string::npos);
}

TEST(Schema, UnknownKeysWarnWithASuggestion) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_LEVL", "1", "host.env:1"}, {"SOMETHING_ELSE", "x", "host.env:2"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->warnings.size(), 2U);
  EXPECT_EQ(l->warnings[0], "unknown key T_LEVL (host.env:1) is ignored; did you mean T_LEVEL?");
  EXPECT_EQ(l->warnings[1], "unknown key SOMETHING_ELSE (host.env:2) is ignored");
  EXPECT_EQ(l->settings.level, 3);
}

TEST(Schema, DuplicatesInAFileWarnAndTheLastWins) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_LEVEL", "1", "host.env:1"}, {"T_LEVEL", "2", "host.env:7"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->settings.level, 2);
  ASSERT_EQ(l->warnings.size(), 1U);
  EXPECT_EQ(l->warnings[0], "T_LEVEL is set 2 times in the host.env; the last (host.env:7) wins");
}

TEST(Schema, ProcessScopedKeysAreIgnoredInTheFile) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_WHERE", "/from/file", "host.env:1"}}),
      layer(Source::environment, {{"T_WHERE", "/from/env", "environment"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->settings.where, "/from/env");
  ASSERT_EQ(l->warnings.size(), 1U);
  EXPECT_NE(l->warnings[0].find("has no effect in host.env"), std::string::npos);
}

TEST(Schema, EveryLayersValueIsApplied) {
  const std::vector<Layer> layers = {
      layer(Source::host_env, {{"T_LEVEL", "1", "f"}}),
      layer(Source::environment, {{"T_LEVEL", "2", "e"}}),
      layer(Source::command_line, {{"T_LEVEL", "4", "c"}}),
  };
  const auto l = load<Settings>(kKeys, layers);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->settings.applied, 3 + 3);  // 3 defaults + 3 layered values
}

}  // namespace
}  // namespace pf::config
