#include "pf/core/result.hpp"

#include <cerrno>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace pf {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') {
    return fail(Errc::malformed, "'{}' is not a digit", c);
  }
  return c - '0';
}

TEST(Result, CarriesValueOrError) {
  const auto good = parse_digit('7');
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 7);

  const auto bad = parse_digit('x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::malformed);
  EXPECT_EQ(bad.error().message, "'x' is not a digit");
}

TEST(Result, ComposesWithoutExceptions) {
  const auto doubled = parse_digit('4').map([](int v) { return v * 2; });
  EXPECT_EQ(doubled.value_or(-1), 8);
  const auto chained = parse_digit('z').and_then([](int v) -> Result<int> { return v + 1; });
  ASSERT_FALSE(chained);
  EXPECT_EQ(chained.error().code, Errc::malformed);
}

TEST(Result, StatusOkIsSuccess) {
  const Status st = ok();
  EXPECT_TRUE(st.has_value());
}

TEST(Result, ErrorFormatsWithItsCodeName) {
  const Error e{Errc::config_invalid, "PUNKTFUNK_X='y': bad"};
  EXPECT_EQ(fmt::format("{}", e), "PUNKTFUNK_X='y': bad (config_invalid)");
}

TEST(Result, EveryCodeHasADistinctStableName) {
  std::set<std::string_view> names;
  for (std::uint16_t v = 0; v <= static_cast<std::uint16_t>(Errc::refused); ++v) {
    const auto name = to_string(static_cast<Errc>(v));
    EXPECT_NE(name, "unknown") << v;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(Errc::refused) + 1);
  // Numbers are part of the contract: they may only ever be appended.
  EXPECT_EQ(static_cast<int>(Errc::unset), 0);
  EXPECT_EQ(static_cast<int>(Errc::truncated), 2);
  EXPECT_EQ(static_cast<int>(Errc::config_invalid), 8);
  EXPECT_EQ(static_cast<int>(Errc::closed), 11);
  EXPECT_EQ(static_cast<int>(Errc::refused), 13);
}

TEST(Result, FailErrnoMapsCommonErrors) {
  EXPECT_EQ(fail_errno(ENOENT, "open x").value().code, Errc::not_found);
  EXPECT_EQ(fail_errno(EACCES, "open x").value().code, Errc::permission_denied);
  EXPECT_EQ(fail_errno(EPERM, "open x").value().code, Errc::permission_denied);
  const auto io = fail_errno(EIO, "read x");
  EXPECT_EQ(io.value().code, Errc::io);
  EXPECT_EQ(io.value().message.rfind("read x: ", 0), 0U);
}

}  // namespace
}  // namespace pf
