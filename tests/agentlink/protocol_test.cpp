#include "pf/agentlink/protocol.hpp"

#include <array>

#include <gtest/gtest.h>

namespace pf::agentlink {
namespace {

std::array<std::uint8_t, kMaxDatagramBytes> buf;

Decoded round_trip(const Message& m, std::uint32_t id = 7) {
  auto bytes = encode(m, id, buf);
  EXPECT_TRUE(bytes) << bytes.error().message;
  auto d = decode(*bytes);
  EXPECT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->request_id, id);
  EXPECT_EQ(d->ignored_tail_bytes, 0U);
  EXPECT_EQ(type_of(d->message), type_of(m));
  return *d;
}

TEST(Protocol, EveryMessageRoundTrips) {
  const auto hello = std::get<Hello>(round_trip(Hello{3, 2}).message);
  EXPECT_EQ(hello.protocol_version, 3U);
  EXPECT_EQ(hello.min_version, 2U);
  const AddDisplay add{0x1122334455667788ULL, 1920, 1080, 59940, 2, 1000, 400, 50, DisplayBackend::xvfb};
  const auto a = std::get<AddDisplay>(round_trip(add).message);
  EXPECT_EQ(a.session_id, add.session_id);
  EXPECT_EQ(a.refresh_mhz, 59940U);
  EXPECT_EQ(a.min_luminance_millinits, 50U);
  EXPECT_EQ(a.backend, DisplayBackend::xvfb);
  EXPECT_EQ(std::get<RemoveDisplay>(round_trip(RemoveDisplay{9}).message).display_id, 9U);
  EXPECT_EQ(std::get<SetRenderGpu>(round_trip(SetRenderGpu{2}).message).gpu_index, 2U);
  round_trip(Ping{});
  round_trip(ClearAll{});
  const auto ch = std::get<SetFrameChannel>(round_trip(SetFrameChannel{4, 0xABCDEF, 6}).message);
  EXPECT_EQ(ch.generation, 0xABCDEFU);
  const auto um = std::get<UpdateMode>(round_trip(UpdateMode{4, 2560, 1440, 144000}).message);
  EXPECT_EQ(um.width, 2560U);
  const auto r = std::get<Reply>(
      round_trip(Reply{MessageType::hello, ReplyStatus::attach_failed, 6, 1, 2, 3, 4}).message);
  EXPECT_EQ(r.to, MessageType::hello);
  EXPECT_EQ(r.status, ReplyStatus::attach_failed);
  EXPECT_EQ(r.detail, 6U);
  EXPECT_EQ(r.d, 4U);
  const LaunchApp launch{3, 77, {"/usr/bin/foot", "--title", "é"}, "/home/me", {"A=1", "B="}};
  const auto l = std::get<LaunchApp>(round_trip(launch).message);
  EXPECT_EQ(l.display_id, 3U);
  EXPECT_EQ(l.app_token, 77U);
  EXPECT_EQ(l.argv, launch.argv);
  EXPECT_EQ(l.working_dir, "/home/me");
  EXPECT_EQ(l.environment, launch.environment);
  const auto x = std::get<AppExited>(round_trip(AppExited{3, 77, 4242, 0x0F00, AppEnd::display_removed}, 0).message);
  EXPECT_EQ(x.pid, 4242U);
  EXPECT_EQ(x.wait_status, 0x0F00U);
  EXPECT_EQ(x.how, AppEnd::display_removed);
  const auto rumble = std::get<PadRumble>(round_trip(PadRumble{5, 2, 0xFFFF, 0x1234, 250}, 0).message);
  EXPECT_EQ(rumble.display_id, 5U);
  EXPECT_EQ(rumble.pad, 2U);
  EXPECT_EQ(rumble.strong, 0xFFFF);
  EXPECT_EQ(rumble.weak, 0x1234);
  EXPECT_EQ(rumble.duration_ms, 250U);
}

TEST(AgentlinkProtocol, InjectInputCarriesItsEventsAndRefusesTooMany) {
  InjectInput in{4, {{input::EventKind::key, 1, 30, 0, 0, 0}, {input::EventKind::mouse_position, 0, 0, 100, -5, 0}}};
  const auto out = std::get<InjectInput>(round_trip(in, 9).message);
  EXPECT_EQ(out.display_id, 4U);
  EXPECT_EQ(out.events, in.events);
  in.events.resize(input::kMaxEventsPerPacket + 1);
  EXPECT_FALSE(encode(in, 1, buf).has_value());
}

TEST(Protocol, LaunchAppListsAreCheckedAgainstTheirLimits) {
  EXPECT_FALSE(decode(*encode(LaunchApp{1, 1, {}, "", {}}, 1, buf))) << "an app needs a program";
  LaunchApp many{1, 1, std::vector<std::string>(kMaxAppArgs + 1, "x"), "", {}};
  auto d = decode(*encode(many, 1, buf));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::malformed);
  // A count that promises more strings than the body holds.
  auto bytes = *encode(LaunchApp{1, 1, {"/bin/true"}, "", {}}, 1, buf);
  std::vector<std::uint8_t> v(bytes.begin(), bytes.end());
  v[kEnvelopeBytes + 8] = 0xFF;
  v[kEnvelopeBytes + 9] = 0xFF;
  EXPECT_FALSE(decode(v));
  // Too much to fit one datagram is an encode error, not a truncated message.
  EXPECT_FALSE(encode(LaunchApp{1, 1, {std::string(5000, 'a')}, "", {}}, 1, buf));
}

TEST(Protocol, TruncatedEnvelopeAndBodyAreNamed) {
  auto bytes = *encode(AddDisplay{1, 2, 3, 4}, 1, buf);
  auto env = decode(bytes.first(5));
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().code, Errc::truncated);
  EXPECT_NE(env.error().message.find("control envelope"), std::string::npos);

  // A body shorter than the first version of AddDisplay.
  std::array<std::uint8_t, 64> short_body{};
  SpanWriter w(short_body);
  w.u16le(2);
  w.u16le(0);
  w.u32le(1);
  w.u32le(10);
  w.zeros(10);
  auto body = decode(w.written());
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, Errc::truncated);
  EXPECT_EQ(body.error().message, "AddDisplay body is 10 bytes; at least 20 needed");
}

TEST(Protocol, OlderPeersShorterBodyReadsAsZero) {
  // The first version of AddDisplay: no preferred id, no HDR fields.
  std::array<std::uint8_t, 64> old{};
  SpanWriter w(old);
  w.u16le(2);
  w.u16le(0);
  w.u32le(5);
  w.u32le(20);
  w.u64le(77);
  w.u32le(640);
  w.u32le(480);
  w.u32le(60000);
  const auto d = decode(w.written());
  ASSERT_TRUE(d) << d.error().message;
  const auto a = std::get<AddDisplay>(d->message);
  EXPECT_EQ(a.width, 640U);
  EXPECT_EQ(a.preferred_id, 0U);
  EXPECT_EQ(a.max_luminance_nits, 0U);
  EXPECT_EQ(a.backend, DisplayBackend::unset);
}

TEST(Protocol, NewerPeersUnknownTailIsSkippedAndCounted) {
  std::array<std::uint8_t, 64> newer{};
  SpanWriter w(newer);
  w.u16le(3);  // RemoveDisplay
  w.u16le(0);
  w.u32le(5);
  w.u32le(4 + 6);
  w.u32le(12);
  w.zeros(6);  // fields this version does not know yet
  const auto d = decode(w.written());
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<RemoveDisplay>(d->message).display_id, 12U);
  EXPECT_EQ(d->ignored_tail_bytes, 6U);
}

TEST(Protocol, OversizedAndInconsistentDatagramsAreRefused) {
  std::vector<std::uint8_t> huge(kMaxDatagramBytes + 1);
  auto big = decode(huge);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::overflow);

  auto bytes = *encode(Ping{}, 1, buf);
  std::vector<std::uint8_t> extra(bytes.begin(), bytes.end());
  extra.push_back(0);  // one byte more than the envelope declares
  auto bad = decode(extra);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::malformed);
  EXPECT_EQ(bad.error().message, "control envelope says 0 body bytes, datagram carries 1");
}

TEST(Protocol, UnknownTypesAreRefusedByNumber) {
  auto bytes = *encode(Ping{}, 1, buf);
  std::vector<std::uint8_t> v(bytes.begin(), bytes.end());
  v[0] = 0x42;
  auto d = decode(v);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::unsupported);
  EXPECT_EQ(d.error().message, "unknown control message type 0x0042");
  v[0] = 0;
  v[1] = 0x80;  // a bare reply bit
  EXPECT_FALSE(decode(v));
}

}  // namespace
}  // namespace pf::agentlink
