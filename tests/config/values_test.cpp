#include "pf/config/values.hpp"

#include <gtest/gtest.h>

namespace pf::config {
namespace {

TEST(ParseSwitch, AcceptsTheExplicitGrammarInAnyCase) {
  for (const char* on : {"1", "true", "on", "yes", "TRUE", "On", "YES"}) {
    const auto v = parse_switch(on);
    ASSERT_TRUE(v) << on;
    EXPECT_TRUE(*v) << on;
  }
  for (const char* off : {"0", "false", "off", "no", "FALSE", "Off", "NO"}) {
    const auto v = parse_switch(off);
    ASSERT_TRUE(v) << off;
    EXPECT_FALSE(*v) << off;
  }
}

TEST(ParseSwitch, RefusesEverythingElse) {
  for (const char* bad : {"", " ", "2", "-1", "y", "n", "enabled", "disable", "truee", " on",
                          "off ", "0x0", "nope"}) {
    const auto v = parse_switch(bad);
    ASSERT_FALSE(v) << "'" << bad << "' was accepted";
    EXPECT_EQ(v.error().code, Errc::config_invalid);
  }
}

TEST(ParseInteger, AcceptsPlainDecimalsInRange) {
  EXPECT_EQ(parse_integer("0", 0, 10).value(), 0);
  EXPECT_EQ(parse_integer("10", 0, 10).value(), 10);
  EXPECT_EQ(parse_integer("-5", -10, 10).value(), -5);
  EXPECT_EQ(parse_integer("007", 0, 10).value(), 7);
}

TEST(ParseInteger, RefusesWhatIsNotAPlainInRangeDecimal) {
  for (const char* bad : {"", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "ten", "11", "-1",
                          "99999999999999999999999"}) {
    const auto v = parse_integer(bad, 0, 10);
    ASSERT_FALSE(v) << "'" << bad << "' was accepted";
    EXPECT_EQ(v.error().code, Errc::config_invalid);
  }
  EXPECT_EQ(parse_integer("11", 0, 10).error().message, "out of range (0-10)");
  EXPECT_EQ(parse_integer("x", 0, 10).error().message, "not a decimal number");
}

TEST(ParsePort, CoversTheWholeRangeAndNothingElse) {
  EXPECT_EQ(parse_port("1").value(), 1);
  EXPECT_EQ(parse_port("9777").value(), 9777);
  EXPECT_EQ(parse_port("65535").value(), 65535);
  for (const char* bad : {"0", "65536", "-1", "notaport", "", "80/tcp", "4294967297"}) {
    EXPECT_FALSE(parse_port(bad)) << bad;
  }
}

}  // namespace
}  // namespace pf::config
