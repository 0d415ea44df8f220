#include "pf/core/clock.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace pf {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock;
  const TimePoint t0 = clock.now();
  EXPECT_EQ(clock.now(), t0);
  clock.advance(5ms);
  EXPECT_EQ(clock.now() - t0, 5ms);
  clock.set(t0 + 1s);
  EXPECT_EQ(clock.now(), t0 + 1s);
}

TEST(ManualClock, StartsFarFromTheEpoch) {
  const ManualClock clock;
  EXPECT_GE(clock.now().time_since_epoch(), 1h);
}

TEST(ManualClock, IsUsableThroughTheInterface) {
  ManualClock manual;
  const Clock& clock = manual;
  const TimePoint before = clock.now();
  manual.advance(1ms);
  EXPECT_EQ(clock.now() - before, 1ms);
}

TEST(SteadyClock, IsMonotonic) {
  const Clock& clock = steady_clock();
  TimePoint last = clock.now();
  for (int i = 0; i < 1000; ++i) {
    const TimePoint now = clock.now();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(ManualClock, AdvancesSeenAcrossThreads) {
  ManualClock clock;
  const TimePoint t0 = clock.now();
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) {
      clock.advance(1us);
    }
  });
  TimePoint last = t0;
  for (int i = 0; i < 1000; ++i) {
    const TimePoint now = clock.now();
    EXPECT_GE(now, last);
    last = now;
  }
  writer.join();
  EXPECT_EQ(clock.now() - t0, 1000us);
}

}  // namespace
}  // namespace pf
