// The input wire format and input scripts.
#include <gtest/gtest.h>

#include "pf/input/events.hpp"
#include "pf/input/script.hpp"

namespace pf::input {
namespace {

TEST(InputEvents, EveryKindRoundTripsThroughAPacket) {
  std::vector<Event> events{
      {EventKind::key, 1, 30, 0x61, static_cast<std::int32_t>(layout_hint("de")), kModShift | kModCtrl},
      {EventKind::mouse_move, 0, 0, -3, 4, 0},
      {EventKind::mouse_position, 0, 0, 100, 200, 0},
      {EventKind::mouse_button, 1, 1, 0, 0, 0},
      {EventKind::scroll, 0, 0, 0, -240, 0},
      {EventKind::touch, 1, 3, 10, 20, 0},
      {EventKind::pad_arrival, 1, static_cast<std::uint16_t>(PadType::xbox360), 2, 0, kPadRumble},
      {EventKind::pad_button, 1, 0x130, 2, 0, 0},
      {EventKind::pad_axis, 0, 5, 2, 255, 0},
  };
  auto text = text_events("ok");
  ASSERT_TRUE(text);
  events.push_back(text->front());
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(encode_packet(events, wire));
  EXPECT_EQ(wire.size(), kPacketHeaderBytes + events.size() * kEventBytes);
  const auto back = decode_packet(wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, events);
}

TEST(InputEvents, TextIsCutAtCodePointsAndReadsBack) {
  // 11 ASCII bytes and a 3-byte euro sign: the sign must not straddle two events.
  const std::string s = "hello world\xE2\x82\xAC!";
  const auto events = text_events(s);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2U);
  EXPECT_EQ(text_of((*events)[0]), "hello world");
  EXPECT_EQ(text_of((*events)[1]), "\xE2\x82\xAC!");
  std::string joined;
  for (const auto& e : *events) {
    EXPECT_EQ(e.kind, EventKind::text);
    EXPECT_LE(e.code, kTextBytesPerEvent);
    joined += text_of(e);
  }
  EXPECT_EQ(joined, s);
  EXPECT_EQ(text_of(Event{.kind = EventKind::text, .code = 13}), "");
  EXPECT_EQ(text_of(Event{.kind = EventKind::key, .code = 3}), "");
}

TEST(InputEvents, InvalidUtf8IsRefused) {
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80", "\xFF"}) {
    EXPECT_FALSE(text_events(bad)) << "accepted bytes of length " << bad.size();
    EXPECT_FALSE(code_points(bad));
  }
  const auto cps = code_points("a\xC3\xA9\xF0\x9F\x98\x80");
  ASSERT_TRUE(cps);
  EXPECT_EQ(*cps, (std::vector<char32_t>{U'a', U'\u00e9', U'\U0001F600'}));
}

TEST(InputEvents, LayoutHintsAreShortAsciiNames) {
  EXPECT_EQ(layout_hint("de"), 0x6564U);
  EXPECT_EQ(layout_name(layout_hint("us")), "us");
  EXPECT_EQ(layout_name(layout_hint("fr")), "fr");
  EXPECT_EQ(layout_hint(""), 0U);
  EXPECT_EQ(layout_hint("dvorak"), 0U);
  EXPECT_EQ(layout_hint("d1"), 0U);
  EXPECT_EQ(layout_name(0x0131), "");  // not letters
}

TEST(InputEvents, MalformedPacketsAreRefused) {
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(encode_packet(std::vector<Event>(2, Event{EventKind::key, 1, 30, 0, 0, 0}), wire));
  auto shorter = wire;
  shorter.pop_back();
  EXPECT_FALSE(decode_packet(shorter));
  auto version = wire;
  version[1] = 2;
  EXPECT_FALSE(decode_packet(version));
  EXPECT_FALSE(decode_packet(std::vector<std::uint8_t>{kKeepAlivePayload, 1, 0, 0}));
  EXPECT_FALSE(encode_packet(std::vector<Event>(kMaxEventsPerPacket + 1), wire));
}

TEST(InputScript, EveryCommandParses) {
  const auto script = parse_script(
      "# a comment\n"
      "10 key 30 down\n"
      "20 text a # b\n"
      "30 touch 2 100 200 down\n"
      "31 touch 2 110 210 move\n"
      "32 touch 2 110 210 up\n"
      "40 pad 1 connect\n"
      "41 pad-button 1 304 down\n"
      "42 pad-axis 1 0 -32768\n"
      "50 pad 1 disconnect\n"
      "5 scroll 0 120\n");
  ASSERT_TRUE(script) << script.error().message;
  ASSERT_EQ(script->size(), 10U);
  EXPECT_EQ((*script)[0].event.kind, EventKind::scroll);  // sorted by time
  EXPECT_EQ(text_of((*script)[2].event), "a # b");
  EXPECT_EQ((*script)[3].event, (Event{EventKind::touch, 1, 2, 100, 200, 0}));
  EXPECT_EQ((*script)[5].event.flags, 0);
  EXPECT_EQ((*script)[6].event, (Event{EventKind::pad_arrival, 1, 1, 1, 0, kPadRumble}));
  EXPECT_EQ((*script)[7].event, (Event{EventKind::pad_button, 1, 304, 1, 0, 0}));
  EXPECT_EQ((*script)[8].event, (Event{EventKind::pad_axis, 0, 0, 1, -32768, 0}));
  EXPECT_FALSE((*script)[9].event.pressed());
}

TEST(InputScript, ErrorsNameTheLine) {
  for (const std::string bad : {"10 touch 10 0 0 down", "10 pad 16 connect", "10 pad-button 0 304 maybe",
                                "10 pad-axis 0 0", "10 text", "10 text \xFF", "x key 30 down", "10 key 30",
                                "10 jump 1 2"}) {
    const auto r = parse_script("# first\n" + bad + "\n");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace pf::input
