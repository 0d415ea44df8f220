#include "pf/audio/audio_payload.hpp"

#include <gtest/gtest.h>

namespace pf::audio {
namespace {

TEST(AudioPayload, RoundTripsWithAndWithoutTheRedundantFrame) {
  const std::vector<std::uint8_t> primary{1, 2, 3, 4, 5}, previous{9, 8, 7};
  std::vector<std::uint8_t> wire;
  write_audio_payload(primary, previous, wire);
  EXPECT_EQ(wire.size(), 4 + 5 + 2 + 3U);
  auto p = read_audio_payload(wire);
  ASSERT_TRUE(p);
  EXPECT_TRUE(std::equal(p->primary.begin(), p->primary.end(), primary.begin(), primary.end()));
  EXPECT_TRUE(std::equal(p->redundant.begin(), p->redundant.end(), previous.begin(), previous.end()));

  write_audio_payload(primary, {}, wire);
  EXPECT_EQ(wire[1], 0);
  p = read_audio_payload(wire);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->primary.size(), 5U);
  EXPECT_TRUE(p->redundant.empty());
  // Bytes a later version appends are ignored.
  wire.push_back(0xEE);
  EXPECT_TRUE(read_audio_payload(wire));
}

TEST(AudioPayload, EveryTruncationAndBadFieldIsRefused) {
  const std::vector<std::uint8_t> primary{1, 2, 3, 4, 5}, previous{9, 8, 7};
  std::vector<std::uint8_t> wire;
  write_audio_payload(primary, previous, wire);
  for (std::size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(read_audio_payload(Bytes(wire.data(), n))) << n << " bytes";
  }
  auto bad = wire;
  bad[0] = 2;  // version
  EXPECT_EQ(read_audio_payload(bad).error().code, Errc::malformed);
  bad = wire;
  bad[2] = 0;
  bad[3] = 0;  // empty primary
  EXPECT_FALSE(read_audio_payload(bad));
  bad = wire;
  bad[2] = 0xFF;  // longer than the datagram
  EXPECT_EQ(read_audio_payload(bad).error().code, Errc::truncated);
  bad = wire;
  bad[9] = 0;
  bad[10] = 0;  // an announced redundant frame of 0 bytes
  EXPECT_FALSE(read_audio_payload(bad));
}

}  // namespace
}  // namespace pf::audio
