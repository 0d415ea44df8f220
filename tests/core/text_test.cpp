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

}  // namespace
}  // namespace pf
