// Gamepads: the evdev events a pad event becomes, and a session's pads
// over a stand-in for the kernel's uinput device (the real one needs
// /dev/uinput, which containers lack; the last test uses it where it exists).
#include <linux/input-event-codes.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pf/agent/uinput_pad.hpp"

namespace pf::agent {
namespace {

using input::Event;
using input::EventKind;

struct Recorded {
  std::map<std::uint32_t, std::vector<EvdevEvent>> written;  // by pad index
  std::vector<std::uint32_t> made;
  std::vector<std::uint32_t> unplugged;
};

class RecordingPad final : public PadDevice {
 public:
  RecordingPad(Recorded& r, std::uint32_t index) : r_(r), index_(index) {}
  ~RecordingPad() override { r_.unplugged.push_back(index_); }
  RecordingPad(const RecordingPad&) = delete;
  RecordingPad& operator=(const RecordingPad&) = delete;
  Status write(std::span<const EvdevEvent> events) override {
    auto& out = r_.written[index_];
    out.insert(out.end(), events.begin(), events.end());
    return ok();
  }

 private:
  Recorded& r_;
  std::uint32_t index_;
};

PadFactory recording(Recorded& r) {
  return [&r](std::uint32_t index) -> Result<std::unique_ptr<PadDevice>> {
    r.made.push_back(index);
    return std::unique_ptr<PadDevice>(new RecordingPad(r, index));
  };
}

Event button(std::int32_t pad, std::uint16_t code, bool down) {
  return {EventKind::pad_button, static_cast<std::uint8_t>(down ? 1 : 0), code, pad, 0, 0};
}
Event axis(std::int32_t pad, std::uint16_t code, std::int32_t value) {
  return {EventKind::pad_axis, 0, code, pad, value, 0};
}
Event arrival(std::int32_t pad, bool connected) {
  return {EventKind::pad_arrival, static_cast<std::uint8_t>(connected ? 1 : 0), 1, pad, 0, 0};
}

TEST(PadEvdev, ButtonsAndAxesBecomeEvdevReportsWithValuesInRange) {
  EXPECT_EQ(to_evdev(button(0, BTN_SOUTH, true)),
            (std::vector<EvdevEvent>{{EV_KEY, BTN_SOUTH, 1}, {EV_SYN, SYN_REPORT, 0}}));
  EXPECT_EQ(to_evdev(button(0, BTN_MODE, false)),
            (std::vector<EvdevEvent>{{EV_KEY, BTN_MODE, 0}, {EV_SYN, SYN_REPORT, 0}}));
  EXPECT_EQ(to_evdev(axis(0, ABS_X, -40000)).front(), (EvdevEvent{EV_ABS, ABS_X, -32768}));
  EXPECT_EQ(to_evdev(axis(0, ABS_RZ, 300)).front(), (EvdevEvent{EV_ABS, ABS_RZ, 255}));
  EXPECT_EQ(to_evdev(axis(0, ABS_Z, -1)).front(), (EvdevEvent{EV_ABS, ABS_Z, 0}));
  EXPECT_EQ(to_evdev(axis(0, ABS_HAT0Y, -1)).front(), (EvdevEvent{EV_ABS, ABS_HAT0Y, -1}));
  EXPECT_TRUE(to_evdev(button(0, KEY_A, true)).empty()) << "a keyboard key is no pad button";
  EXPECT_TRUE(to_evdev(axis(0, ABS_PRESSURE, 1)).empty());
  EXPECT_TRUE(to_evdev(Event{EventKind::key, 1, 30, 0, 0, 0}).empty());
  // What the device advertises is what the translation takes.
  for (const auto code : pad_buttons()) {
    EXPECT_FALSE(to_evdev(button(0, code, true)).empty()) << code;
  }
  for (const auto& a : pad_axes()) {
    EXPECT_FALSE(to_evdev(axis(0, a.code, a.min)).empty()) << a.code;
  }
}

TEST(ForceFeedback, PlayingAnUploadedEffectSetsTheMotorsAndStoppingClearsThem) {
  ForceFeedback ff;
  EXPECT_FALSE(ff.play(3, 0, 1)) << "nothing uploaded yet";
  EXPECT_TRUE(ff.upload(0, 0xFFFF, 0x4000, 500));
  EXPECT_EQ(ff.play(3, 0, 1), (PadRumble{3, 0xFFFF, 0x4000, 500}));
  EXPECT_EQ(ff.play(3, 0, 0), (PadRumble{3, 0, 0, 0}));
  EXPECT_TRUE(ff.upload(0, 0x1000, 0, 100));  // an update replaces the effect
  EXPECT_EQ(ff.play(3, 0, 1), (PadRumble{3, 0x1000, 0, 100}));
  ff.erase(0);
  EXPECT_FALSE(ff.play(3, 0, 1));
  EXPECT_FALSE(ff.upload(-1, 1, 1, 1));
  EXPECT_FALSE(ff.upload(ForceFeedback::kMaxEffects, 1, 1, 1));
  EXPECT_FALSE(ff.play(3, ForceFeedback::kMaxEffects, 1));
  ff.erase(-4);  // out of range: nothing happens
}

TEST(Gamepads, ServiceCollectsEveryPadsRumble) {
  struct RumblingPad final : PadDevice {
    explicit RumblingPad(std::uint32_t i) : index(i) {}
    Status write(std::span<const EvdevEvent>) override { return ok(); }
    int feedback_fd() const override { return 100 + static_cast<int>(index); }
    Status service(std::vector<PadRumble>& out) override {
      out.push_back({index, 1, 2, 3});
      return ok();
    }
    std::uint32_t index;
  };
  Gamepads pads([](std::uint32_t index) -> Result<std::unique_ptr<PadDevice>> {
    return std::unique_ptr<PadDevice>(new RumblingPad(index));
  });
  const std::vector<Event> batch{arrival(0, true), arrival(2, true)};
  EXPECT_EQ(pads.inject(batch).injected, 2U);
  std::vector<int> fds;
  pads.feedback_fds(fds);
  EXPECT_EQ(fds, (std::vector<int>{100, 102}));
  EXPECT_EQ(pads.service(), (std::vector<PadRumble>{{0, 1, 2, 3}, {2, 1, 2, 3}}));
}

TEST(Gamepads, PadsConnectOnArrivalOrFirstUseAndUnplugOnRemoval) {
  Recorded r;
  {
    Gamepads pads(recording(r));
    const std::vector<Event> batch{arrival(0, true), button(0, BTN_SOUTH, true), axis(1, ABS_Y, 100),
                                   Event{EventKind::key, 1, 30, 0, 0, 0}, button(0, BTN_SOUTH, false)};
    const auto out = pads.inject(batch);
    EXPECT_EQ(out.injected, 4U);  // the key is not the pads' to count
    EXPECT_EQ(out.unsupported, 0U);
    EXPECT_EQ(r.made, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(pads.connected(), 2U);
    EXPECT_EQ(r.written[0], (std::vector<EvdevEvent>{{EV_KEY, BTN_SOUTH, 1},
                                                     {EV_SYN, SYN_REPORT, 0},
                                                     {EV_KEY, BTN_SOUTH, 0},
                                                     {EV_SYN, SYN_REPORT, 0}}));
    EXPECT_EQ(r.written[1].front(), (EvdevEvent{EV_ABS, ABS_Y, 100}));

    const std::vector<Event> leave{arrival(0, false)};
    EXPECT_EQ(pads.inject(leave).injected, 1U);
    EXPECT_EQ(r.unplugged, (std::vector<std::uint32_t>{0}));
    EXPECT_EQ(pads.connected(), 1U);
  }
  EXPECT_EQ(r.unplugged, (std::vector<std::uint32_t>{0, 1})) << "the rest go with the session";
}

TEST(Gamepads, BadIndicesAndUnknownCodesAreCountedNotWritten) {
  Recorded r;
  Gamepads pads(recording(r));
  const std::vector<Event> batch{button(-1, BTN_SOUTH, true), button(16, BTN_SOUTH, true), button(0, KEY_A, true),
                                 axis(0, ABS_MISC, 1)};
  const auto out = pads.inject(batch);
  EXPECT_EQ(out.injected, 0U);
  EXPECT_EQ(out.unsupported, 4U);
  EXPECT_TRUE(r.made.empty()) << "no pad is made for input it cannot take";
}

TEST(Gamepads, WithoutUinputEveryPadEventIsUnsupportedAndNothingIsRetried) {
  int attempts = 0;
  Gamepads pads([&attempts](std::uint32_t) -> Result<std::unique_ptr<PadDevice>> {
    ++attempts;
    return fail(Errc::unsupported, "cannot open /dev/uinput: No such file or directory");
  });
  const std::vector<Event> batch{arrival(0, true), button(0, BTN_SOUTH, true), axis(0, ABS_X, 5)};
  for (int i = 0; i < 3; ++i) {
    const auto out = pads.inject(batch);
    EXPECT_EQ(out.injected, 0U);
    EXPECT_EQ(out.unsupported, 3U);
  }
  EXPECT_EQ(attempts, 1) << "the missing device is found missing once, not per event";
}

TEST(Gamepads, AMissingDeviceNodeIsUnsupported) {
  const auto pad = open_uinput_pad(0, "/nonexistent/uinput");
  ASSERT_FALSE(pad);
  EXPECT_EQ(pad.error().code, Errc::unsupported);
  EXPECT_NE(pad.error().message.find("/nonexistent/uinput"), std::string::npos);
}

TEST(Gamepads, ARealUinputPadTakesEvents) {
  if (::access("/dev/uinput", W_OK) != 0) {
    GTEST_SKIP() << "/dev/uinput is not available here (no uinput module or no permission)";
  }
  auto pad = open_uinput_pad(7);
  ASSERT_TRUE(pad) << pad.error().message;
  EXPECT_TRUE((*pad)->write(to_evdev(button(7, BTN_SOUTH, true))));
  EXPECT_TRUE((*pad)->write(to_evdev(axis(7, ABS_X, 1234))));
}

}  // namespace
}  // namespace pf::agent
