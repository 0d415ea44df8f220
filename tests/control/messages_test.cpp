// The native control messages: every type round-trips through the stream
// framing however the bytes are split; older and newer peers interoperate
// through size-tolerant tails; bad input is skipped or, when the framing
// itself breaks, ends the stream — never a crash or a guess.
#include <gtest/gtest.h>

#include "pf/control/messages.hpp"

namespace pf::control {
namespace {

std::vector<Message> one_of_each() {
  Welcome welcome;
  welcome.session_id = 0x1122334455667788ULL;
  welcome.codec = Codec::h264;
  welcome.mode = {1920, 1080, 60000};
  welcome.data_port = 50123;
  welcome.key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  welcome.salt = {0xA, 0xB, 0xC, 0xD};
  welcome.fec_scheme = 2;
  welcome.fec_pct = 10;
  welcome.shard_bytes = 1408;
  welcome.first_frame_index = 7;
  welcome.bitrate_kbps = 20000;
  welcome.source = DisplaySource::synthetic;
  Hello hello;
  hello.codecs = 3;
  hello.mode = {2560, 1440, 143912};
  hello.bitrate_kbps = 50000;
  hello.audio_channels = 2;
  hello.max_shard_bytes = 1388;
  hello.name = "living-room";
  return {hello,
          welcome,
          Start{40000},
          Reconfigure{{1280, 720, 60000}},
          Reconfigured{1, {1280, 720, 60000}},
          SetBitrate{12000},
          BitrateChanged{11000},
          RequestKeyframe{},
          InvalidateFrames{100, 103},
          LossReport{50000, 3, 12},
          ClockProbe{123456789},
          ClockEcho{1, 2, 3},
          Stats{3590, 0, 2, 4100, 9900, 1200},
          Goodbye{GoodbyeReason::quit},
          Reject{RejectReason::busy, "4 sessions already"},
          HostStats{60, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
          PairRequest{{1, 2, 3}, "phone"},
          PairChallenge{{4, 5, 6}, {7, 8, 9}},
          PairProof{{10, 11, 12}},
          PairResult{PairOutcome::paired, 1, "paired as full"},
          Knock{"tablet"},
          PairPending{42, 180},
          AccessNotice{3, 300, "expires in 5 minutes"},
          Rumble{2, 0xFFFF, 0x8000, 250}};
}

TEST(ControlMessages, EveryTypeRoundTripsHoweverTheStreamIsCut) {
  std::vector<std::uint8_t> stream;
  const auto messages = one_of_each();
  for (const auto& m : messages) {
    ASSERT_TRUE(encode(m, stream).has_value());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, stream.size()}) {
    StreamDecoder d;
    std::vector<Message> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      d.feed(Bytes(stream).subspan(at, std::min(chunk, stream.size() - at)));
      for (auto n = d.next(); n.outcome != StreamDecoder::Outcome::need_more; n = d.next()) {
        ASSERT_EQ(n.outcome, StreamDecoder::Outcome::message);
        EXPECT_EQ(n.message.ignored_tail_bytes, 0U);
        got.push_back(std::move(n.message.message));
      }
    }
    ASSERT_EQ(got.size(), messages.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], messages[i]) << to_string(type_of(messages[i]));
      EXPECT_EQ(static_cast<std::size_t>(type_of(got[i])), i + 1);
    }
    EXPECT_EQ(d.buffered(), 0U);
  }
}

TEST(ControlMessages, PairingMessagesRefuseShortElementsAndLongNames) {
  // A PairRequest body of 31 bytes cannot hold its element.
  EXPECT_EQ(decode_body(MessageType::pair_request, std::vector<std::uint8_t>(31)).error().code, Errc::malformed);
  EXPECT_EQ(decode_body(MessageType::pair_challenge, std::vector<std::uint8_t>(63)).error().code, Errc::malformed);
  EXPECT_EQ(decode_body(MessageType::pair_proof, std::vector<std::uint8_t>(31)).error().code, Errc::malformed);
  // A name over kMaxNameBytes is malformed, not truncated.
  std::vector<std::uint8_t> body(32, 0);
  body.push_back(static_cast<std::uint8_t>(kMaxNameBytes + 1));
  body.push_back(0);
  body.resize(body.size() + kMaxNameBytes + 1, 'a');
  EXPECT_EQ(decode_body(MessageType::pair_request, body).error().code, Errc::malformed);
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(encode(Knock{std::string(70'000, 'a')}, out).has_value());
}

TEST(ControlMessages, HelloLayoutIsPinned) {
  Hello h;
  h.codecs = 1;
  h.mode = {1280, 720, 60000};
  h.bitrate_kbps = 20000;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode(h, out).has_value());
  const std::vector<std::uint8_t> expected = {
      33, 0, 0, 0, 1, 0, 0, 0,               // body bytes, type hello, flags
      'P', 'K', 'F', '1', 1, 0, 1, 0,        // magic, version, min version
      1, 0, 0, 0,                            // codecs
      0x00, 0x05, 0, 0, 0xD0, 0x02, 0, 0,    // 1280 × 720
      0x60, 0xEA, 0, 0, 0x20, 0x4E, 0, 0,    // 60 Hz, 20000 kbps
      0, 0, 0, 0, 0,                         // audio channels, max shard, name ""
  };
  EXPECT_EQ(out, expected);
}

TEST(ControlMessages, OlderAndNewerPeersInteroperate) {
  // A first-version Hello ends after the bitrate: the tail reads as zero.
  std::vector<std::uint8_t> full;
  Hello h;
  h.audio_channels = 6;
  h.name = "x";
  ASSERT_TRUE(encode(h, full).has_value());
  const Bytes body = Bytes(full).subspan(kEnvelopeBytes);
  auto old = decode_body(MessageType::hello, body.first(28));
  ASSERT_TRUE(old.has_value());
  const auto& oh = std::get<Hello>(old->message);
  EXPECT_EQ(oh.audio_channels, 0U);
  EXPECT_TRUE(oh.name.empty());
  // A newer peer's extra fields are skipped and counted.
  std::vector<std::uint8_t> longer(body.begin(), body.end());
  longer.insert(longer.end(), {9, 9, 9});
  auto newer = decode_body(MessageType::hello, longer);
  ASSERT_TRUE(newer.has_value());
  EXPECT_EQ(newer->ignored_tail_bytes, 3U);
  EXPECT_EQ(std::get<Hello>(newer->message).name, "x");
}

TEST(ControlMessages, BadBodiesAndUnknownTypesAreSkippedAndTheStreamGoesOn) {
  std::vector<std::uint8_t> stream = {4, 0, 0, 0, 99, 0, 0, 0, 1, 2, 3, 4};  // type 99
  stream.insert(stream.end(), {2, 0, 0, 0, 9, 0, 0, 0, 1, 2});              // short InvalidateFrames
  std::vector<std::uint8_t> bad_magic;
  ASSERT_TRUE(encode(Hello{}, bad_magic).has_value());
  bad_magic[kEnvelopeBytes] ^= 1;
  stream.insert(stream.end(), bad_magic.begin(), bad_magic.end());
  ASSERT_TRUE(encode(RequestKeyframe{}, stream).has_value());
  StreamDecoder d;
  d.feed(stream);
  EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::skipped);
  EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::skipped);
  EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::skipped);
  const auto last = d.next();
  ASSERT_EQ(last.outcome, StreamDecoder::Outcome::message);
  EXPECT_TRUE(std::holds_alternative<RequestKeyframe>(last.message.message));
  EXPECT_EQ(d.unknown_types(), 1U);
  EXPECT_EQ(d.malformed(), 2U);
  EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::need_more);
}

std::vector<std::uint8_t> envelope(std::uint32_t body_bytes, std::uint16_t type, std::uint16_t flags) {
  std::vector<std::uint8_t> e(kEnvelopeBytes);
  SpanWriter w(e);
  w.u32le(body_bytes);
  w.u16le(type);
  w.u16le(flags);
  return e;
}

TEST(ControlMessages, BrokenFramingEndsTheStream) {
  for (const auto& bad : {envelope(kMaxBodyBytes + 1, 1, 0), envelope(0xFFFFFFFF, 1, 0), envelope(0, 8, 1)}) {
    StreamDecoder d;
    d.feed(bad);
    EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::fatal);
    std::vector<std::uint8_t> fine;
    ASSERT_TRUE(encode(RequestKeyframe{}, fine).has_value());
    d.feed(fine);
    EXPECT_EQ(d.next().outcome, StreamDecoder::Outcome::fatal) << "no resynchronising on a byte stream";
  }
}

TEST(ControlMessages, OversizedStringsAreRefusedBothWays) {
  Hello h;
  h.name = std::string(kMaxNameBytes + 1, 'n');
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode(h, out).has_value()) << "the encoder writes what it is given";
  auto decoded = decode_body(MessageType::hello, Bytes(out).subspan(kEnvelopeBytes));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, Errc::malformed);
  Reject r;
  r.detail = std::string(70'000, 'd');
  std::vector<std::uint8_t> none;
  EXPECT_FALSE(encode(r, none).has_value());
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace pf::control
