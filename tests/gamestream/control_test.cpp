// GameStream's control stream: packets sealed and opened as the Moonlight
// client does (moonlight-common-c ControlStream.c: NVCTL_ENCRYPTED_PACKET_HEADER,
// encryptControlMessage/decryptControlMessageToV1), and the messages inside,
// with byte fixtures written by hand from the client's structs.
#include "pf/gamestream/control.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace pf::gamestream {
namespace {

const AesKey kKey = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                     0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F};

ControlCipher make(ControlIv iv, ControlRole role) {
  auto c = ControlCipher::create(kKey, iv, role);
  EXPECT_TRUE(c) << c.error().message;
  return std::move(*c);
}

// A packet sealed by hand: header, tag, AES-GCM of {LE16 type, LE16 len, payload}.
std::vector<std::uint8_t> hand_sealed(Bytes iv, std::uint32_t seq,
                                      std::vector<std::uint8_t> inner) {
  auto gcm = AesGcm::create(kKey);
  EXPECT_TRUE(gcm);
  std::vector<std::uint8_t> ciphertext(inner.size());
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  EXPECT_TRUE(gcm->seal(iv, inner, ciphertext, tag));
  std::vector<std::uint8_t> packet(8 + kGcmTagBytes + inner.size());
  SpanWriter w(packet);
  w.u16le(0x0001);
  w.u16le(static_cast<std::uint16_t>(4 + 16 + inner.size()));
  w.u32le(seq);
  w.bytes(tag);
  w.bytes(ciphertext);
  EXPECT_TRUE(w.ok());
  return packet;
}

// The client's v2 IV for its own packets: seq LE in 0..3, 'C','C' in 10..11.
std::array<std::uint8_t, 12> client_iv(std::uint32_t seq) {
  return {static_cast<std::uint8_t>(seq),
          static_cast<std::uint8_t>(seq >> 8),
          static_cast<std::uint8_t>(seq >> 16),
          static_cast<std::uint8_t>(seq >> 24),
          0,
          0,
          0,
          0,
          0,
          0,
          'C',
          'C'};
}

TEST(GameStreamControl, AHostOpensWhatAClientSealsByHand) {
  auto host = make(ControlIv::v2, ControlRole::host);
  // Start A / request IDR: type 0x0302, payload 00 00.
  const auto packet =
      hand_sealed(client_iv(0x01020304), 0x01020304, {0x02, 0x03, 0x02, 0x00, 0x00, 0x00});
  ASSERT_EQ(packet.size(), 8 + 16 + 6U);
  std::vector<std::uint8_t> plain;
  const auto m = host.open(packet, plain);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->type, control_type::kRequestIdr);
  EXPECT_EQ(m->seq, 0x01020304U);
  EXPECT_EQ(std::vector<std::uint8_t>(m->payload.begin(), m->payload.end()),
            (std::vector<std::uint8_t>{0, 0}));
  const auto parsed = parse_client_message(*m);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(std::holds_alternative<RequestIdr>(*parsed));
  EXPECT_EQ(host.counters().opened, 1U);
}

TEST(GameStreamControl, AHostSealsWithItsOwnIvAndCounter) {
  auto host = make(ControlIv::v2, ControlRole::host);
  std::vector<std::uint8_t> out;
  const std::vector<std::uint8_t> payload = {0xAA, 0xBB, 0xCC};
  ASSERT_TRUE(host.seal(0x010b, payload, out));
  ASSERT_TRUE(host.seal(0x010b, payload, out));
  const std::size_t one = 8 + 16 + 4 + 3;
  ASSERT_EQ(out.size(), 2 * one);
  EXPECT_EQ(host.next_send_seq(), 2U);
  // Header of the second: 01 00, length 4 + 16 + 7 = 27, seq 1.
  const std::vector<std::uint8_t> header(out.begin() + one, out.begin() + one + 8);
  EXPECT_EQ(header, (std::vector<std::uint8_t>{0x01, 0x00, 27, 0x00, 0x01, 0x00, 0x00, 0x00}));
  // Decrypted by hand with the host's IV: 01 00 00 00 … 'H' 'C'.
  const std::array<std::uint8_t, 12> iv = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'H', 'C'};
  auto gcm = AesGcm::create(kKey);
  ASSERT_TRUE(gcm);
  std::vector<std::uint8_t> plain(7);
  const Bytes second = Bytes(out).subspan(one);
  ASSERT_TRUE(gcm->open(iv, second.subspan(24), second.subspan(8, 16), plain));
  EXPECT_EQ(plain, (std::vector<std::uint8_t>{0x0b, 0x01, 0x03, 0x00, 0xAA, 0xBB, 0xCC}));
}

TEST(GameStreamControl, TheLegacyIvIsTheSequencesLowByteInSixteenBytes) {
  auto host = make(ControlIv::legacy, ControlRole::host);
  std::array<std::uint8_t, 16> iv{};
  iv[0] = 0x05;  // seq 0x105, truncated
  const auto packet = hand_sealed(iv, 0x105, {0x07, 0x03, 0x01, 0x00, 0x00});
  std::vector<std::uint8_t> plain;
  const auto m = host.open(packet, plain);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->type, control_type::kStartB);
  const auto parsed = parse_client_message(*m);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(std::holds_alternative<StartB>(*parsed));

  const auto civ = control_iv(ControlIv::legacy, ControlRole::client, 0x1234);
  EXPECT_EQ(civ.size, 16U);
  EXPECT_EQ(civ.bytes[0], 0x34);
  EXPECT_EQ(std::count(civ.bytes.begin(), civ.bytes.end(), 0), 15);
}

TEST(GameStreamControl, BothDirectionsRoundTripWithTheirOwnCounters) {
  for (const ControlIv mode : {ControlIv::v2, ControlIv::legacy}) {
    auto host = make(mode, ControlRole::host);
    auto client = make(mode, ControlRole::client);
    std::vector<std::uint8_t> wire;
    std::vector<std::uint8_t> plain;
    for (int i = 0; i < 3; ++i) {
      wire.clear();
      ASSERT_TRUE(client.seal(control_type::kPing,
                              std::vector<std::uint8_t>{4, 0, 0, 0, 0, 0, 0, 0}, wire));
      const auto m = host.open(wire, plain);
      ASSERT_TRUE(m) << m.error().message;
      EXPECT_EQ(m->type, control_type::kPing);
      EXPECT_EQ(m->seq, static_cast<std::uint32_t>(i));
    }
    wire.clear();
    std::vector<std::uint8_t> rumble;
    append_payload(HostMessage{Rumble{1, 2, 3}}, rumble);
    ASSERT_TRUE(host.seal(control_type::kRumble, rumble, wire));
    const auto m = client.open(wire, plain);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->seq, 0U) << "the host numbers from 0 on its own";
    const auto parsed = parse_host_message(*m);
    ASSERT_TRUE(parsed);
    const auto* r = std::get_if<Rumble>(&*parsed);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->controller, 1);
    EXPECT_EQ(r->low_freq, 2);
    EXPECT_EQ(r->high_freq, 3);
    // Out of order is accepted (ENet's unsequenced packets).
    std::vector<std::uint8_t> a;
    std::vector<std::uint8_t> b;
    ASSERT_TRUE(client.seal(1, {}, a));
    ASSERT_TRUE(client.seal(2, {}, b));
    EXPECT_TRUE(host.open(b, plain));
    EXPECT_TRUE(host.open(a, plain));
  }
}

TEST(GameStreamControl, APacketSealedForTheOtherDirectionIsRefusedAsSuch) {
  auto host = make(ControlIv::v2, ControlRole::host);
  auto other_host = make(ControlIv::v2, ControlRole::host);
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(other_host.seal(control_type::kTermination,
                              std::vector<std::uint8_t>{0x80, 0x03, 0x00, 0x23}, wire));
  std::vector<std::uint8_t> plain;
  const auto m = host.open(wire, plain);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::refused);
  EXPECT_NE(m.error().message.find("host"), std::string::npos) << m.error().message;
  EXPECT_EQ(host.counters().wrong_direction, 1U);
  EXPECT_EQ(host.counters().auth_failed, 0U);
}

TEST(GameStreamControl, ForgedAndMisframedPacketsAreRefusedAndCounted) {
  auto host = make(ControlIv::v2, ControlRole::host);
  auto client = make(ControlIv::v2, ControlRole::client);
  std::vector<std::uint8_t> good;
  ASSERT_TRUE(client.seal(control_type::kStartB, std::vector<std::uint8_t>{0}, good));
  std::vector<std::uint8_t> plain;

  auto tampered = good;
  tampered.back() ^= 0x01;
  auto m = host.open(tampered, plain);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::malformed);
  EXPECT_EQ(host.counters().auth_failed, 1U);

  auto wrong_seq = good;
  wrong_seq[4] ^= 0x01;  // the IV comes from the sequence number
  EXPECT_FALSE(host.open(wrong_seq, plain));
  EXPECT_EQ(host.counters().auth_failed, 2U);

  auto not_encrypted = good;
  not_encrypted[0] = 0x02;
  EXPECT_EQ(host.open(not_encrypted, plain).error().code, Errc::malformed);
  auto long_length = good;
  long_length[2] += 1;
  EXPECT_EQ(host.open(long_length, plain).error().code, Errc::malformed);
  auto trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(host.open(trailing, plain).error().code, Errc::malformed);
  for (std::size_t n = 0; n < kControlOverheadBytes; ++n) {
    EXPECT_EQ(host.open(Bytes(good).first(n), plain).error().code, Errc::malformed) << n;
  }
  EXPECT_EQ(host.open(std::vector<std::uint8_t>(kMaxControlPacketBytes + 1), plain).error().code,
            Errc::malformed);
  EXPECT_EQ(host.counters().malformed, 4U + kControlOverheadBytes);

  // The inner payload length must match what follows it.
  const auto lying = hand_sealed(client_iv(9), 9, {0x07, 0x03, 0x05, 0x00, 0x00});
  EXPECT_EQ(host.open(lying, plain).error().code, Errc::malformed);

  std::vector<std::uint8_t> out;
  EXPECT_EQ(host.seal(1, std::vector<std::uint8_t>(kMaxControlPayloadBytes + 1), out).error().code,
            Errc::invalid_argument);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(host.open(good, plain)) << "the cipher is still good";
}

TEST(GameStreamControl, ARumbleMessageHasTheClientsLayout) {
  // queueAsyncCallback (IDX_RUMBLE_DATA): skip 4, LE16 controller, low, high.
  std::vector<std::uint8_t> out;
  append_payload(HostMessage{Rumble{2, 0x1234, 0xABCD}}, out);
  EXPECT_EQ(
      out, (std::vector<std::uint8_t>{0xEE, 0xFF, 0xC0, 0x00, 0x02, 0x00, 0x34, 0x12, 0xCD, 0xAB}));
  EXPECT_EQ(out.size(), kRumbleBytes);
  EXPECT_EQ(type_of(HostMessage{Rumble{}}), 0x010b);
}

TEST(GameStreamControl, TerminationIsABigEndianHresult) {
  // The client reads payloads of 4+ bytes as BE32 (BYTE_ORDER_BIG).
  std::vector<std::uint8_t> out;
  append_payload(HostMessage{Termination{kTerminationGraceful}}, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x80, 0x03, 0x00, 0x23}));
  EXPECT_EQ(type_of(HostMessage{Termination{}}), 0x0109);
  const std::vector<std::uint8_t> short_form = {0x00, 0x01};  // LE16 0x0100: intended
  const auto t = parse_host_message({control_type::kTermination, short_form, 0});
  ASSERT_TRUE(t);
  EXPECT_EQ(std::get<Termination>(*t).hresult, kTerminationGraceful);
  EXPECT_FALSE(parse_host_message({control_type::kTermination, Bytes(short_form).first(1), 0}));
}

TEST(GameStreamControl, HdrModeIsTheEnableByteThenSunshinesMetadata) {
  HdrMode h;
  h.enabled = true;
  h.metadata.primaries = {{{35400, 14600}, {8500, 39850}, {6550, 2300}}};
  h.metadata.white_point = {15635, 16450};
  h.metadata.max_display_luminance = 1000;
  h.metadata.min_display_luminance = 50;
  h.metadata.max_content_light_level = 1000;
  h.metadata.max_frame_average_light_level = 400;
  h.metadata.max_full_frame_luminance = 600;
  std::vector<std::uint8_t> out;
  append_payload(HostMessage{h}, out);
  ASSERT_EQ(out.size(), kHdrModeBytes);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 35400 & 0xFF);  // LE16 primaries[0].x
  EXPECT_EQ(out[2], 35400 >> 8);
  EXPECT_EQ(out[25], 600 & 0xFF);  // max full-frame luminance last
  EXPECT_EQ(out[26], 600 >> 8);
  const auto back = parse_host_message({control_type::kHdrMode, out, 0});
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::get<HdrMode>(*back).enabled);
  EXPECT_EQ(std::get<HdrMode>(*back).metadata, h.metadata);
  // A bare enable byte (an older host) reads with the metadata unknown.
  const std::vector<std::uint8_t> bare = {0};
  const auto off = parse_host_message({control_type::kHdrMode, bare, 0});
  ASSERT_TRUE(off);
  EXPECT_FALSE(std::get<HdrMode>(*off).enabled);
  EXPECT_EQ(std::get<HdrMode>(*off).metadata, HdrMetadata{});
}

TEST(GameStreamControl, FrameFecStatusIsReadBigEndian) {
  // SS_FRAME_FEC_STATUS (Video.h), fields big-endian.
  const std::vector<std::uint8_t> payload = {
      0x00, 0x00, 0x01, 0x02,  // frameIndex 258
      0x12, 0x34,              // highestReceivedSequenceNumber
      0x12, 0x30,              // nextContiguousSequenceNumber
      0x00, 0x03,              // missingPacketsBeforeHighestReceived
      0x00, 0x28,              // totalDataPackets 40
      0x00, 0x08,              // totalParityPackets 8
      0x00, 0x25,              // receivedDataPackets 37
      0x00, 0x02,              // receivedParityPackets 2
      20,   1,    2,           // fecPercentage, multiFecBlockIndex, multiFecBlockCount
  };
  ASSERT_EQ(payload.size(), kFrameFecStatusBytes);
  const auto m = parse_client_message({control_type::kFrameFecStatus, payload, 0});
  ASSERT_TRUE(m) << m.error().message;
  const auto& s = std::get<FrameFecStatus>(*m);
  EXPECT_EQ(s.frame_index, 258U);
  EXPECT_EQ(s.highest_received_seq, 0x1234);
  EXPECT_EQ(s.next_contiguous_seq, 0x1230);
  EXPECT_EQ(s.missing_before_highest, 3);
  EXPECT_EQ(s.total_data_packets, 40);
  EXPECT_EQ(s.total_parity_packets, 8);
  EXPECT_EQ(s.received_data_packets, 37);
  EXPECT_EQ(s.received_parity_packets, 2);
  EXPECT_EQ(s.fec_percentage, 20);
  EXPECT_EQ(s.multi_fec_block_index, 1);
  EXPECT_EQ(s.multi_fec_block_count, 2);
  std::vector<std::uint8_t> again;
  append_payload(ClientMessage{s}, again);
  EXPECT_EQ(again, payload);
  EXPECT_EQ(parse_client_message({control_type::kFrameFecStatus, Bytes(payload).first(20), 0})
                .error()
                .code,
            Errc::malformed);
}

TEST(GameStreamControl, ReferenceInvalidationReadsBothClientLayouts) {
  // SS_RFI_REQUEST (Video.h): LE32 first, LE32 0, LE32 last, LE32 0 × 3.
  const std::vector<std::uint8_t> rfi = {0x10, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0x14, 0x00, 0x00, 0x00,
                                         0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0,    0};
  auto m = parse_client_message({control_type::kInvalidateReferences, rfi, 0});
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<InvalidateReferences>(*m).first_frame, 0x10U);
  EXPECT_EQ(std::get<InvalidateReferences>(*m).last_frame, 0x14U);
  // The older int64_t payload[3] form: the same bytes for frames under 2^32.
  std::vector<std::uint8_t> legacy;
  append_payload(ClientMessage{InvalidateReferences{0x10, 0x14}}, legacy);
  EXPECT_EQ(legacy, rfi);
  const std::vector<std::uint8_t> backwards = {5, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(parse_client_message({control_type::kInvalidateReferences, backwards, 0}).error().code,
            Errc::malformed);
  EXPECT_FALSE(
      parse_client_message({control_type::kInvalidateReferences, Bytes(rfi).first(15), 0}));
}

TEST(GameStreamControl, TheOtherClientMessagesParse) {
  // SS_LTR_FRAME_ACK: LE32 frameIndex, LE32 reserved.
  const std::vector<std::uint8_t> ltr = {0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0};
  auto m = parse_client_message({control_type::kLtrAck, ltr, 0});
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<LtrAck>(*m).frame_index, 0x12345678U);
  EXPECT_FALSE(parse_client_message({control_type::kLtrAck, Bytes(ltr).first(3), 0}));

  // The periodic ping: the client's whole 8-byte buffer (LE16 4, LE32 0, 2 more).
  std::vector<std::uint8_t> ping;
  append_payload(ClientMessage{PeriodicPing{}}, ping);
  EXPECT_EQ(ping, (std::vector<std::uint8_t>{4, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(std::holds_alternative<PeriodicPing>(*parse_client_message({control_type::kPing, ping, 0})));

  const std::vector<std::uint8_t> input = {0, 0, 0, 6, 0x0D, 0, 0, 0, 1, 0};
  m = parse_client_message({control_type::kInput, input, 0});
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<InputData>(*m).packet.size(), input.size());
  EXPECT_TRUE(std::holds_alternative<LossStats>(
      *parse_client_message({control_type::kLossStats, input, 0})));
  m = parse_client_message({0x7777, input, 0});
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<UnknownMessage>(*m).type, 0x7777);
  EXPECT_EQ(type_of(*m), 0x7777);
  // 0x5502 is FEC status from a client and the RGB LED from a host.
  EXPECT_EQ(control_type::kFrameFecStatus, control_type::kSetRgbLed);

  std::vector<std::uint8_t> start_a;
  append_payload(ClientMessage{RequestIdr{}}, start_a);
  EXPECT_EQ(start_a, (std::vector<std::uint8_t>{0, 0}));
  EXPECT_EQ(type_of(ClientMessage{StartB{}}), 0x0307);
}

}  // namespace
}  // namespace pf::gamestream
