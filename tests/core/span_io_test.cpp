#include "pf/core/span_io.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace pf {
namespace {

constexpr std::array<std::uint8_t, 15> kBytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

TEST(SpanReader, ReadsEachWidthInBothByteOrders) {
  SpanReader be(kBytes);
  EXPECT_EQ(be.u8(), 0x01);
  EXPECT_EQ(be.u16be(), 0x0203);
  EXPECT_EQ(be.u32be(), 0x04050607U);
  EXPECT_EQ(be.u64be(), 0x08090a0b0c0d0e0fULL);
  EXPECT_TRUE(be.ok());
  EXPECT_EQ(be.remaining(), 0U);

  SpanReader le(kBytes);
  EXPECT_EQ(le.u8(), 0x01);
  EXPECT_EQ(le.u16le(), 0x0302);
  EXPECT_EQ(le.u32le(), 0x07060504U);
  EXPECT_EQ(le.u64le(), 0x0f0e0d0c0b0a0908ULL);
  EXPECT_TRUE(le.finish_exact("le").has_value());
}

TEST(SpanReader, ReadingExactlyToTheEndSucceeds) {
  SpanReader r(Bytes(kBytes).first(4));
  EXPECT_EQ(r.u32be(), 0x01020304U);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.consumed(), 4U);
}

TEST(SpanReader, OneBytePastTheEndFailsWithoutReading) {
  SpanReader r(Bytes(kBytes).first(3));
  EXPECT_EQ(r.u32be(), 0U);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.consumed(), 0U);
  EXPECT_EQ(r.remaining(), 0U);
}

TEST(SpanReader, FailureIsSticky) {
  SpanReader r(Bytes(kBytes).first(5));
  EXPECT_EQ(r.u32be(), 0x01020304U);
  EXPECT_EQ(r.u16be(), 0U);  // needs 2, has 1
  EXPECT_EQ(r.u8(), 0U);      // would fit, but the reader has failed
  EXPECT_TRUE(r.bytes(0).empty());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.consumed(), 4U);
}

TEST(SpanReader, EmptyInput) {
  SpanReader r(Bytes{});
  EXPECT_TRUE(r.bytes(0).empty());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0U);
  EXPECT_FALSE(r.ok());
}

TEST(SpanReader, HugeLengthsDoNotWrapAround) {
  SpanReader r(kBytes);
  r.skip(2);
  EXPECT_TRUE(r.bytes(std::numeric_limits<std::size_t>::max()).empty());
  EXPECT_FALSE(r.ok());
  SpanReader r2(kBytes);
  r2.skip(std::numeric_limits<std::size_t>::max() - 1);
  EXPECT_FALSE(r2.ok());
}

TEST(SpanReader, BytesAreAViewIntoTheInput) {
  SpanReader r(kBytes);
  r.skip(1);
  const Bytes b = r.bytes(3);
  ASSERT_EQ(b.size(), 3U);
  EXPECT_EQ(b.data(), kBytes.data() + 1);
  const Bytes rest = r.rest();
  EXPECT_EQ(rest.size(), kBytes.size() - 4);
  EXPECT_EQ(r.remaining(), 0U);
  EXPECT_TRUE(r.ok());
}

TEST(SpanReader, CopyToZeroFillsOnFailure) {
  std::array<std::uint8_t, 4> out{9, 9, 9, 9};
  SpanReader r(Bytes(kBytes).first(2));
  r.copy_to(out);
  EXPECT_EQ(out, (std::array<std::uint8_t, 4>{0, 0, 0, 0}));
  SpanReader ok_reader(kBytes);
  ok_reader.copy_to(out);
  EXPECT_EQ(out, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST(SpanReader, FinishExplainsWhatWasTruncated) {
  SpanReader r(Bytes(kBytes).first(6));
  static_cast<void>(r.u32be());
  static_cast<void>(r.u64be());
  const auto st = r.finish("hello");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::truncated);
  EXPECT_EQ(st.error().message, "hello: truncated after 4 of 6 bytes (6 more needed)");
}

TEST(SpanReader, FinishExactRejectsTrailingBytes) {
  SpanReader r(kBytes);
  static_cast<void>(r.u8());
  EXPECT_TRUE(r.finish("msg").has_value());  // size-tolerant tails are fine here
  const auto st = r.finish_exact("msg");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::malformed);
  EXPECT_EQ(st.error().message, "msg: 14 unexpected trailing bytes");
}

TEST(SpanWriter, WritesBothByteOrdersAndRoundTrips) {
  std::array<std::uint8_t, 29> buf{};
  SpanWriter w(buf);
  w.u8(0xab);
  w.u16be(0x0102);
  w.u32be(0x03040506);
  w.u64be(0x0708090a0b0c0d0eULL);
  w.u16le(0x0102);
  w.u32le(0x03040506);
  w.u64le(0x0708090a0b0c0d0eULL);
  ASSERT_TRUE(w.finish("all").has_value());
  EXPECT_EQ(w.size(), buf.size());
  EXPECT_EQ(buf[1], 0x01);
  EXPECT_EQ(buf[15], 0x02);

  SpanReader r(w.written());
  EXPECT_EQ(r.u8(), 0xab);
  EXPECT_EQ(r.u16be(), 0x0102);
  EXPECT_EQ(r.u32be(), 0x03040506U);
  EXPECT_EQ(r.u64be(), 0x0708090a0b0c0d0eULL);
  EXPECT_EQ(r.u16le(), 0x0102);
  EXPECT_EQ(r.u32le(), 0x03040506U);
  EXPECT_EQ(r.u64le(), 0x0708090a0b0c0d0eULL);
  EXPECT_TRUE(r.finish_exact("all").has_value());
}

TEST(SpanWriter, OverflowIsStickyAndKeepsThePrefix) {
  std::array<std::uint8_t, 5> buf{};
  SpanWriter w(buf);
  w.u32be(0x01020304);
  w.u16be(0xffff);  // does not fit
  w.u8(0x05);       // would fit, but the writer has failed
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 4U);
  EXPECT_EQ(buf[4], 0);
  const auto st = w.finish("frame");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::overflow);
}

TEST(SpanWriter, ReserveLetsALengthPrefixBeFilledInLater) {
  std::array<std::uint8_t, 16> buf{};
  SpanWriter w(buf);
  const MutableBytes length = w.reserve(2);
  ASSERT_EQ(length.size(), 2U);
  const std::array<std::uint8_t, 3> body = {7, 8, 9};
  w.bytes(body);
  w.zeros(2);
  SpanWriter(length).u16be(static_cast<std::uint16_t>(w.size() - 2));
  SpanReader r(w.written());
  EXPECT_EQ(r.u16be(), 5);
  EXPECT_EQ(r.u8(), 7);
  EXPECT_TRUE(w.reserve(100).empty());
  EXPECT_FALSE(w.ok());
}

}  // namespace
}  // namespace pf

namespace pf {
namespace {

TEST(SpanIo, Strings16RoundTripAndFailWhenTooLong) {
  std::array<std::uint8_t, 16> buf{};
  SpanWriter w(buf);
  w.string16("abc");
  w.string16("");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 7U);
  SpanReader r(w.written());
  EXPECT_EQ(r.string16(), "abc");
  EXPECT_EQ(r.string16(), "");
  EXPECT_TRUE(r.finish_exact("strings").has_value());
  const std::string big(70'000, 'x');
  std::vector<std::uint8_t> large(80'000);
  SpanWriter too_long(large);
  too_long.string16(big);
  EXPECT_FALSE(too_long.ok());
  const std::array<std::uint8_t, 3> lying = {5, 0, 'a'};
  SpanReader short_read(lying);
  EXPECT_EQ(short_read.string16(), "");
  EXPECT_FALSE(short_read.ok());
}

TEST(SpanIo, TailFieldsReadAsZeroWhenAbsent) {
  const std::array<std::uint8_t, 6> body = {1, 0, 0, 0, 7, 0};
  SpanReader r(body);
  EXPECT_EQ(r.u32le_or_zero(), 1U);
  EXPECT_EQ(r.u32le_or_zero(), 0U) << "two bytes left: a newer field is absent";
  EXPECT_EQ(r.u16le_or_zero(), 7U);
  EXPECT_EQ(r.u64le_or_zero(), 0U);
  EXPECT_EQ(r.u8_or_zero(), 0U);
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace pf
