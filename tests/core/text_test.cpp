#include "pf/core/text.hpp"

#include <gtest/gtest.h>

namespace pf {
namespace {

TEST(Text, TrimBlanksRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(trim_blanks(" \t a b \t"), "a b");
  EXPECT_EQ(trim_blanks("\nx\n"), "\nx\n");
  EXPECT_EQ(trim_blanks("   "), "");
  EXPECT_EQ(trim_blanks(""), "");
}

TEST(Text, CaseFoldingTouchesAsciiLettersOnly) {
  EXPECT_EQ(ascii_lower("On-OFF_9\xc3\x84"), "on-off_9\xc3\x84");
  EXPECT_EQ(ascii_upper("native_port"), "NATIVE_PORT");
}

TEST(Text, DurationsAreAWholeNumberAndAUnit) {
  using namespace std::chrono_literals;
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("10S"), 10s);
  EXPECT_EQ(parse_duration("2m"), 2min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(24 * 7));
  for (const char* bad : {"", "10", "s", "-5s", "0s", "1.5s", "10 s", " 10s", "3w", "366d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
  EXPECT_FALSE(parse_duration("2h", std::chrono::hours(1)));
}

TEST(Text, HexRoundTripsAndRefusesWhatIsNotHex) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x7f, 0xab, 0xff};
  EXPECT_EQ(hex_encode(bytes), "007fabff");
  EXPECT_EQ(hex_decode("x", "007FabFF", 4, 4).value(), bytes);
  EXPECT_NE(hex_decode("salt", "abc", 0, 8).error().message.find("odd"), std::string::npos);
  EXPECT_NE(hex_decode("salt", "zz", 1, 1).error().message.find("not a hex digit"), std::string::npos);
  EXPECT_NE(hex_decode("salt", "00", 2, 2).error().message.find("salt"), std::string::npos);
}

}  // namespace
}  // namespace pf
