#include "pf/audio/opus_codec.hpp"

#include <gtest/gtest.h>

#include "audio/tone.hpp"

namespace pf::audio {
namespace {

// Encodes and decodes `pcm` frame by frame; `lose` says which frames are
// concealed instead of decoded.
template <typename Lose>
std::vector<float> round_trip(unsigned channels, std::uint32_t bitrate, const std::vector<float>& pcm, Lose lose) {
  auto enc = Encoder::open(channels, bitrate);
  EXPECT_TRUE(enc) << (enc ? "" : enc.error().message);
  auto dec = Decoder::open(enc->layout());
  EXPECT_TRUE(dec) << (dec ? "" : dec.error().message);
  const std::size_t frame = std::size_t{kFrameSamples} * channels;
  std::vector<float> out(pcm.size());
  std::vector<std::uint8_t> packet(kMaxPacketBytes);
  for (std::size_t at = 0, n = 0; at + frame <= pcm.size(); at += frame, ++n) {
    auto size = enc->encode(std::span(pcm).subspan(at, frame), packet);
    EXPECT_TRUE(size);
    EXPECT_GT(*size, 0U);
    EXPECT_LE(*size, kMaxPacketBytes);
    const Bytes p = lose(n) ? Bytes() : Bytes(packet.data(), *size);
    EXPECT_TRUE(dec->decode(p, std::span(out).subspan(at, frame)));
  }
  return out;
}

TEST(Opus, StereoKeepsA1kHzToneItsFrequencyAndLevel) {
  const auto in = tone::tone(1000, 0.5, 1.0, 2);
  const auto out = round_trip(2, 256'000, in, [](std::size_t) { return false; });
  for (unsigned c = 0; c < 2; ++c) {
    const auto f = tone::measure(out, 2, c, 0.5);
    ASSERT_TRUE(f);
    EXPECT_NEAR(f->hz, 1000, 10);
    EXPECT_NEAR(f->level_db, 0, 1);
    EXPECT_EQ(f->longest_dip_ms, 0);
  }
}

TEST(Opus, SurroundLayoutsCarryEachChannelSeparately) {
  for (const unsigned channels : {6U, 8U}) {
    const auto layout = layout_for(channels);
    ASSERT_TRUE(layout);
    EXPECT_TRUE(valid(*layout));
    EXPECT_EQ(layout->channels, channels);
    EXPECT_GT(layout->streams, layout->coupled);  // the LFE and centre ride uncoupled
    EXPECT_FALSE(pulse_channel_map(channels).empty());
    // A tone in the front-left channel only: there at its level, silent elsewhere.
    const auto in = tone::tone(1000, 0.5, 1.0, channels, 0);
    const auto out = round_trip(channels, 512'000, in, [](std::size_t) { return false; });
    const auto f = tone::measure(out, channels, 0, 0.5);
    ASSERT_TRUE(f) << channels;
    EXPECT_NEAR(f->hz, 1000, 10);
    EXPECT_NEAR(f->level_db, 0, 1);
    for (unsigned c = 1; c < channels; ++c) {
      EXPECT_FALSE(tone::measure(out, channels, c, 0.5)) << "channel " << c << " of " << channels;
    }
  }
}

TEST(Opus, ConcealmentFillsASingleLostFrameWithoutADip) {
  const auto in = tone::tone(1000, 0.5, 1.0, 2);
  const auto out = round_trip(2, 256'000, in, [](std::size_t n) { return n % 20 == 7; });
  const auto f = tone::measure(out, 2, 0, 0.5);
  ASSERT_TRUE(f);
  EXPECT_LE(f->longest_dip_ms, 5);
}

TEST(Opus, OnlyStereoAndSurroundLayoutsAndConsistentDescriptionsAreAccepted) {
  EXPECT_FALSE(layout_for(1));
  EXPECT_FALSE(layout_for(4));
  EXPECT_FALSE(layout_for(9));
  EXPECT_FALSE(Encoder::open(3, 256'000));
  auto l = *layout_for(2);
  EXPECT_TRUE(Decoder::open(l));
  auto bad = l;
  bad.mapping[1] = 7;  // names a stream that does not exist
  EXPECT_FALSE(valid(bad));
  EXPECT_FALSE(Decoder::open(bad));
  bad = l;
  bad.coupled = 2;  // more coupled than streams
  EXPECT_FALSE(Decoder::open(bad));
  bad = l;
  bad.channels = 0;
  EXPECT_FALSE(Decoder::open(bad));
  bad = l;
  bad.channels = 9;
  EXPECT_FALSE(Decoder::open(bad));
}

TEST(Opus, GarbageAndWrongSizesAreRefusedNotCrashed) {
  auto dec = Decoder::open(*layout_for(2));
  ASSERT_TRUE(dec);
  std::vector<float> pcm(std::size_t{kFrameSamples} * 2);
  std::vector<float> small(10);
  const std::array<std::uint8_t, 3> code3{0xFF, 0xFF, 0xFF};  // a 120 ms packet claim: larger than a 5 ms frame
  EXPECT_FALSE(dec->decode(code3, pcm));
  EXPECT_FALSE(dec->decode({}, small));
  auto enc = Encoder::open(2, 256'000);
  std::vector<std::uint8_t> out(kMaxPacketBytes);
  EXPECT_FALSE(enc->encode(small, out));
}

}  // namespace
}  // namespace pf::audio
