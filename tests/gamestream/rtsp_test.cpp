// GameStream's RTSP: requests as a Moonlight client writes them, responses
// as it reads them, and the two SDP-like bodies.
#include <gtest/gtest.h>

#include "pf/gamestream/rtsp.hpp"
#include "pf/gamestream/sdp.hpp"

namespace pf::gamestream {
namespace {

// What a client sends for its control stream's SETUP (headers as it writes them).
constexpr std::string_view kSetup =
    "SETUP streamid=control/13/0 RTSP/1.0\r\n"
    "CSeq: 5\r\n"
    "X-GS-ClientVersion: 14\r\n"
    "Host: 192.168.1.20\r\n"
    "Session: DEADBEEFCAFE\r\n"
    "Transport: unicast;X-GS-ClientPort=50000-50001\r\n"
    "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
    "\r\n";

TEST(Rtsp, ARequestParsesWithItsHeadersWhateverTheirCase) {
  std::size_t used = 0;
  const auto r = parse_request(kSetup, used);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->has_value());
  const RtspRequest& q = **r;
  EXPECT_EQ(q.method, "SETUP");
  EXPECT_EQ(q.target, "streamid=control/13/0");
  EXPECT_EQ(q.cseq, 5U);
  EXPECT_EQ(used, kSetup.size());
  EXPECT_EQ(find_header(q.headers, "x-gs-clientversion"), "14");
  EXPECT_EQ(find_header(q.headers, "SESSION"), "DEADBEEFCAFE");
  EXPECT_FALSE(find_header(q.headers, "Content-Length"));
  EXPECT_EQ(setup_stream_of(q.target), SetupStream::control);
  EXPECT_EQ(setup_stream_of("rtsp://10.0.0.2:48010/streamid=video/0/0"), SetupStream::video);
  EXPECT_EQ(setup_stream_of("streamid=audio/0/0"), SetupStream::audio);
  EXPECT_EQ(setup_stream_of("streamid=mouse/0/0"), SetupStream::unset);
  EXPECT_EQ(setup_stream_of("/"), SetupStream::unset);
}

TEST(Rtsp, ARequestArrivingInPiecesIsReadOnceWhole) {
  const std::string body = "v=0\r\na=x-nv-video[0].maxFPS:60 \r\n";
  const std::string whole = "ANNOUNCE streamid=control/13/0 RTSP/1.0\r\nCSeq: 6\r\nContent-type: application/sdp\r\n"
                            "Content-length: " + std::to_string(body.size()) + "\r\n\r\n" + body + "OPTIONS";
  for (std::size_t cut = 0; cut < whole.size() - 7; ++cut) {
    std::size_t used = 0;
    const auto r = parse_request(std::string_view(whole).substr(0, cut), used);
    ASSERT_TRUE(r) << cut;
    EXPECT_FALSE(r->has_value()) << "a request from " << cut << " bytes";
    EXPECT_EQ(used, 0U);
  }
  std::size_t used = 0;
  const auto r = parse_request(whole, used);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->body, body);
  EXPECT_EQ(used, whole.size() - 7) << "the next request's bytes are left";
}

TEST(Rtsp, MalformedAndOversizedRequestsAreRefused) {
  const auto refused = [](const std::string& text, Errc code) {
    std::size_t used = 0;
    const auto r = parse_request(text, used);
    EXPECT_FALSE(r) << text.substr(0, 60);
    if (!r) {
      EXPECT_EQ(r.error().code, code) << r.error().message;
    }
  };
  refused("OPTIONS rtsp://x RTSP/2.0\r\nCSeq: 1\r\n\r\n", Errc::malformed);
  refused("OPTIONS\r\nCSeq: 1\r\n\r\n", Errc::malformed);
  refused("OPTIONS  RTSP/1.0\r\nCSeq: 1\r\n\r\n", Errc::malformed);
  refused("OPTIONS / RTSP/1.0\r\n\r\n", Errc::malformed);                      // no CSeq
  refused("OPTIONS / RTSP/1.0\r\nCSeq: one\r\n\r\n", Errc::malformed);
  refused("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\nno colon here\r\n\r\n", Errc::malformed);
  refused("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\n: nameless\r\n\r\n", Errc::malformed);
  refused("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -4\r\n\r\n", Errc::malformed);
  refused("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n", Errc::overflow);
  std::string many = "OPTIONS / RTSP/1.0\r\nCSeq: 1\r\n";
  for (std::size_t i = 0; i < kMaxRtspHeaders; ++i) {
    many += "X-A: b\r\n";
  }
  refused(many + "\r\n", Errc::overflow);
  refused(std::string(kMaxRtspHeaderBytes + 1, 'A'), Errc::overflow);  // no end of headers in sight
}

TEST(Rtsp, ResponsesEchoTheirCSeqAndSayTheirLength) {
  const RtspResponse r{200, 7, {{"Session", "DEADBEEFCAFE;timeout = 90"}, {"Transport", "server_port=47998"}}, "a=x\r\n"};
  EXPECT_EQ(render(r),
            "RTSP/1.0 200 OK\r\nCSeq: 7\r\nSession: DEADBEEFCAFE;timeout = 90\r\nTransport: server_port=47998\r\n"
            "Content-Length: 5\r\n\r\na=x\r\n");
  EXPECT_EQ(render({404, 2, {}, {}}), "RTSP/1.0 404 Not Found\r\nCSeq: 2\r\n\r\n");
}

// An ANNOUNCE body of the shape a client writes (ordinary SDP lines around
// the attributes, a space before each CRLF).
std::string announce(const std::string& extra = {}) {
  return "v=0\r\no=android 0 14 IN IPv4 192.168.1.20\r\ns=NVIDIA Streaming Client\r\n"
         "a=x-nv-video[0].clientViewportWd:1920 \r\n"
         "a=x-nv-video[0].clientViewportHt:1080 \r\n"
         "a=x-nv-video[0].maxFPS:60 \r\n"
         "a=x-nv-video[0].packetSize:1392 \r\n"
         "a=x-nv-video[0].clientRefreshRateX100:5994 \r\n"
         "a=x-nv-vqos[0].bw.maximumBitrateKbps:20000 \r\n"
         "a=x-ml-video.configuredBitrateKbps:15000 \r\n"
         "a=x-nv-vqos[0].bitStreamFormat:1 \r\n"
         "a=x-nv-vqos[0].fec.minRequiredFecPackets:2 \r\n"
         "a=x-nv-general.useReliableUdp:13 \r\n"
         "a=x-nv-general.featureFlags:167 \r\n"
         "a=x-ss-general.encryptionEnabled:1 \r\n"
         "a=x-ml-general.featureFlags:3 \r\n"
         "a=x-nv-audio.surround.numChannels:6 \r\n"
         "a=x-nv-audio.surround.channelMask:63 \r\n" +
         extra + "t=0 0\r\nm=video 47998  \r\n";
}

TEST(Sdp, AnAnnounceGivesTheStreamTheClientAsksFor) {
  const auto c = parse_announce(announce());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1920U);
  EXPECT_EQ(c->height, 1080U);
  EXPECT_EQ(c->fps, 60U);
  EXPECT_EQ(c->refresh_x100, 5994U);
  EXPECT_EQ(c->packet_size, 1392U);
  EXPECT_EQ(c->bitrate_kbps, 15000U) << "the configured bitrate, not the ceiling";
  EXPECT_EQ(c->codec, StreamCodec::hevc);
  EXPECT_EQ(c->min_fec_packets, 2U);
  EXPECT_EQ(c->control_protocol, 13U);
  EXPECT_EQ(c->nv_feature_flags, 167U);
  EXPECT_EQ(c->encryption_enabled, kEncryptControlV2);
  EXPECT_EQ(c->ml_feature_flags, 3U);
  EXPECT_EQ(c->audio_channels, 6U);
  EXPECT_EQ(c->audio_channel_mask, 63U);
  EXPECT_EQ(c->slices_per_frame, 1U) << "defaults for what was not sent";
  EXPECT_EQ(c->audio_packet_ms, 5U);
  EXPECT_FALSE(c->chroma_444);
}

TEST(Sdp, MissingRequiredKeysAndBadValuesAreNamed) {
  const auto without = [](const std::string& key) {
    std::string body = announce();
    const auto at = body.find("a=" + key + ":");
    body.erase(at, body.find('\n', at) - at + 1);
    return body;
  };
  for (const char* key : {"x-nv-video[0].clientViewportWd", "x-nv-video[0].maxFPS", "x-nv-video[0].packetSize"}) {
    const auto c = parse_announce(without(key));
    ASSERT_FALSE(c) << key;
    EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
  }
  for (const char* bad : {"a=x-nv-vqos[0].bitStreamFormat:3\r\n", "a=x-nv-audio.surround.numChannels:-2\r\n",
                          "a=x-nv-video[0].maxNumReferenceFrames:many\r\n"}) {
    // The first of a repeated key counts, so the bad one goes first.
    const auto c = parse_announce(bad + announce());
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, Errc::malformed);
  }
  EXPECT_FALSE(parse_announce(announce("a=" + std::string(kMaxAttributeNameBytes + 1, 'k') + ":1\r\n")));
  std::string flood;
  for (std::size_t i = 0; i <= kMaxAnnounceAttributes; ++i) {
    flood += "a=k" + std::to_string(i) + ":1\r\n";
  }
  const auto c = parse_announce(flood);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::overflow);
}

TEST(Sdp, DescribeOffersWhatTheHostHas) {
  DescribeOffer offer;
  offer.encryption_supported = kEncryptControlV2 | kEncryptAudio;
  offer.encryption_requested = kEncryptControlV2;
  const std::string plain = describe_body(offer);
  EXPECT_NE(plain.find("a=x-ss-general.encryptionSupported:5\r\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("a=x-ss-general.encryptionRequested:1\r\n"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("sprop-parameter-sets=AAAAAU"), std::string::npos) << "no HEVC offered";
  EXPECT_EQ(plain.find("AV1/90000"), std::string::npos);
  EXPECT_EQ(plain.find("refPicInvalidation"), std::string::npos);
  offer.hevc = true;
  offer.av1 = true;
  offer.reference_invalidation = true;
  offer.surround.push_back({6, 4, 2, {0, 4, 1, 5, 2, 3}});
  const std::string all = describe_body(offer);
  EXPECT_NE(all.find("sprop-parameter-sets=AAAAAU"), std::string::npos) << all;
  EXPECT_NE(all.find("a=rtpmap:98 AV1/90000\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("a=x-nv-video[0].refPicInvalidation:1\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("a=fmtp:97 surround-params=642041523\r\n"), std::string::npos) << all;
}

TEST(Rtsp, EncryptedMessagesCarryTheirLengthSequenceAndDirection) {
  AesKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  }
  const std::string request = "OPTIONS rtsp://10.0.0.2:48010 RTSP/1.0\r\nCSeq: 1\r\n\r\n";
  auto sealed = seal_rtsp(key, RtspSender::client, 1, request);
  ASSERT_TRUE(sealed) << sealed.error().message;
  ASSERT_EQ(sealed->size(), kRtspEncryptedHeaderBytes + request.size());
  // BE32 0x80000000 | length of the plaintext alone, then BE32 sequence.
  EXPECT_EQ((*sealed)[0], 0x80);
  EXPECT_EQ(((*sealed)[2] << 8) | (*sealed)[3], static_cast<int>(request.size()));
  EXPECT_EQ((*sealed)[7], 1);
  std::uint32_t seq = 0;
  auto opened = open_rtsp(key, RtspSender::client, *sealed, seq);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, request);
  EXPECT_EQ(seq, 1U);
  // The direction is in the IV: the host's own message does not open as the client's.
  EXPECT_FALSE(open_rtsp(key, RtspSender::host, *sealed, seq));
  auto tampered = *sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(open_rtsp(key, RtspSender::client, tampered, seq));
  auto other_key = key;
  other_key[0] ^= 1;
  EXPECT_FALSE(open_rtsp(other_key, RtspSender::client, *sealed, seq));
  auto plain_bit = *sealed;
  plain_bit[0] = 0;
  EXPECT_NE(open_rtsp(key, RtspSender::client, plain_bit, seq).error().message.find("bit"), std::string::npos);
  const std::vector<std::uint8_t> shorter(sealed->begin(), sealed->end() - 1);
  EXPECT_NE(open_rtsp(key, RtspSender::client, shorter, seq).error().message.find("header says"), std::string::npos);
  EXPECT_FALSE(open_rtsp(key, RtspSender::client, Bytes(sealed->data(), 10), seq));
}

}  // namespace
}  // namespace pf::gamestream
