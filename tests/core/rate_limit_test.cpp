#include "pf/core/rate_limit.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace pf {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, FirstEventIsReported) {
  RateLimiter limiter(1s);
  const ManualClock clock;
  const auto d = limiter.admit(clock.now());
  EXPECT_TRUE(d.report);
  EXPECT_EQ(d.suppressed, 0U);
}

TEST(RateLimiter, FoldsEventsWithinTheIntervalIntoTheNextReport) {
  RateLimiter limiter(1s);
  ManualClock clock;
  ASSERT_TRUE(limiter.admit(clock.now()).report);
  for (int i = 0; i < 41; ++i) {
    clock.advance(10ms);
    EXPECT_FALSE(limiter.admit(clock.now()).report);
  }
  clock.advance(600ms);  // 1.01 s after the first report
  const auto d = limiter.admit(clock.now());
  EXPECT_TRUE(d.report);
  EXPECT_EQ(d.suppressed, 41U);
  EXPECT_EQ(limiter.total(), 43U);
}

TEST(RateLimiter, TheIntervalRestartsAtEachReport) {
  RateLimiter limiter(100ms);
  ManualClock clock;
  ASSERT_TRUE(limiter.admit(clock.now()).report);
  clock.advance(100ms);
  ASSERT_TRUE(limiter.admit(clock.now()).report);
  clock.advance(99ms);
  EXPECT_FALSE(limiter.admit(clock.now()).report);
  clock.advance(1ms);
  EXPECT_TRUE(limiter.admit(clock.now()).report);
}

TEST(RateLimiter, TakePendingReportsABurstThatStopped) {
  RateLimiter limiter(1s);
  ManualClock clock;
  EXPECT_FALSE(limiter.take_pending(clock.now()));  // nothing happened
  ASSERT_TRUE(limiter.admit(clock.now()).report);
  EXPECT_FALSE(limiter.take_pending(clock.now()));  // nothing suppressed
  static_cast<void>(limiter.admit(clock.now()));
  static_cast<void>(limiter.admit(clock.now()));
  EXPECT_FALSE(limiter.take_pending(clock.now() + 500ms));  // interval not over
  const auto pending = limiter.take_pending(clock.now() + 1s);
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, 2U);
  EXPECT_FALSE(limiter.take_pending(clock.now() + 5s));  // already taken
}

TEST(RateLimiter, ConcurrentEventsAreNeitherLostNorDoubleReported) {
  RateLimiter limiter(1ms);
  ManualClock clock;
  constexpr int kThreads = 4;
  constexpr int kEvents = 20000;
  std::atomic<std::uint64_t> reports{0};
  std::atomic<std::uint64_t> folded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEvents; ++i) {
        if (t == 0 && i % 100 == 0) {
          clock.advance(1ms);
        }
        const auto d = limiter.admit(clock.now());
        if (d.report) {
          reports.fetch_add(1);
          folded.fetch_add(d.suppressed);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  const std::uint64_t rest = limiter.take_pending(clock.now() + 1s).value_or(0);
  EXPECT_EQ(limiter.total(), std::uint64_t{kThreads} * kEvents);
  EXPECT_EQ(reports.load() + folded.load() + rest, limiter.total());
  EXPECT_LE(reports.load(), 202U);  // at most one per advanced millisecond (+ the first)
}

TEST(SummaryWindow, ReportsCountMinAvgMaxOncePerPeriod) {
  SummaryWindow window(1s);
  ManualClock clock;
  EXPECT_FALSE(window.add(4.0, clock.now()));
  clock.advance(300ms);
  EXPECT_FALSE(window.add(1.0, clock.now()));
  clock.advance(300ms);
  EXPECT_FALSE(window.add(7.0, clock.now()));
  clock.advance(400ms);
  const auto s = window.add(4.0, clock.now());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->count, 4U);
  EXPECT_DOUBLE_EQ(s->min, 1.0);
  EXPECT_DOUBLE_EQ(s->max, 7.0);
  EXPECT_DOUBLE_EQ(s->avg, 4.0);
  EXPECT_EQ(s->span, 1s);
  // The next window starts fresh.
  clock.advance(10ms);
  EXPECT_FALSE(window.add(100.0, clock.now()));
  clock.advance(1s);
  const auto next = window.add(0.0, clock.now());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->count, 2U);
  EXPECT_DOUBLE_EQ(next->max, 100.0);
}

}  // namespace
}  // namespace pf
