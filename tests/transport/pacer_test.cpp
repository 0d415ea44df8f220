// The pacer in virtual time: burst, spread at 3× the bitrate within 90 % of
// the frame interval, chunks of 16–64 packets.
#include <gtest/gtest.h>

#include "pf/transport/pacer.hpp"

namespace pf::transport {
namespace {

using namespace std::chrono_literals;

struct Schedule {
  std::vector<std::pair<Nanos, std::size_t>> releases;  ///< (time since start, packets)
  std::size_t total = 0;
};

Schedule run(Pacer& pacer, std::size_t packets, std::size_t bytes, std::uint64_t bps, Nanos interval) {
  const TimePoint t0{1h};
  pacer.start_frame(t0, packets, bytes, bps, interval);
  Schedule s;
  TimePoint now = t0;
  for (int guard = 0; guard < 100000; ++guard) {
    const auto r = pacer.poll(now);
    if (r.packets > 0) {
      s.releases.emplace_back(now - t0, r.packets);
      s.total += r.packets;
    }
    if (r.next == TimePoint::max()) {
      break;
    }
    EXPECT_GT(r.next, now);
    now = r.next;  // a caller sleeping exactly until the deadline
  }
  return s;
}

TEST(Pacer, SmallFramesLeaveAtOnce) {
  Pacer pacer;
  const auto s = run(pacer, 50, 50 * 1464, 20'000'000, 16'666'667ns);
  ASSERT_EQ(s.releases.size(), 1U);
  EXPECT_EQ(s.releases[0], std::make_pair(Nanos{0}, std::size_t{50}));
}

TEST(Pacer, BigFramesBurstAQuarterThenSpreadAtThreeTimesTheBitrate) {
  Pacer pacer;
  // 1 MiB frame at 200 Mbit/s, 60 fps: 3/4 MiB overflow at 600 Mbit/s ≈ 10.5 ms.
  const std::size_t bytes = 1U << 20;
  const std::size_t packets = (bytes + 1463) / 1464;
  const auto s = run(pacer, packets, bytes, 200'000'000, 16'666'667ns);
  EXPECT_EQ(s.total, packets);
  EXPECT_EQ(s.releases.front().first, Nanos{0});
  EXPECT_NEAR(static_cast<double>(s.releases.front().second), packets / 4.0, 1.0);
  const double spread_ms = std::chrono::duration<double, std::milli>(s.releases.back().first).count();
  EXPECT_NEAR(spread_ms, (bytes * 0.75 * 8) / 600e6 * 1e3, 0.3);
  for (std::size_t i = 1; i < s.releases.size(); ++i) {
    EXPECT_GE(s.releases[i].second, 1U);
    EXPECT_LE(s.releases[i].second, 64U);
  }
  // 16-packet chunks would be 309 µs apart, under the sleep floor: 32 are 618 µs apart.
  EXPECT_EQ(pacer.chunk_packets(), 32U);
  EXPECT_GE(pacer.chunk_gap(), 500us);
}

TEST(Pacer, NeverSpreadsBeyondNinetyPercentOfTheInterval) {
  Pacer pacer;
  // 4 MiB at 20 Mbit/s would take seconds at 3× the rate: the interval caps it.
  const std::size_t bytes = 4U << 20;
  const std::size_t packets = (bytes + 1463) / 1464;
  const auto s = run(pacer, packets, bytes, 20'000'000, 8'333'333ns);
  EXPECT_EQ(s.total, packets);
  EXPECT_LE(s.releases.back().first, 7'500'000ns);
  EXPECT_EQ(pacer.chunk_packets(), 64U) << "gaps under the sleep floor grow the chunk";
}

TEST(Pacer, ChunksGrowUntilTheGapClearsTheSleepFloor) {
  Pacer pacer;
  const std::size_t bytes = 2U << 20;
  const std::size_t packets = (bytes + 1463) / 1464;
  static_cast<void>(run(pacer, packets, bytes, 1'000'000'000, 16'666'667ns));
  EXPECT_GT(pacer.chunk_packets(), 16U);
  EXPECT_LE(pacer.chunk_packets(), 64U);
  EXPECT_TRUE(pacer.chunk_gap() >= 500us || pacer.chunk_packets() == 64U);
}

TEST(Pacer, ZeroBitrateSendsEverythingNow) {
  Pacer pacer;
  const auto s = run(pacer, 1000, 1000 * 1464, 0, 16ms);
  ASSERT_EQ(s.releases.size(), 1U);
  EXPECT_EQ(s.total, 1000U);
}

TEST(Pacer, LatePollsCatchUp) {
  Pacer pacer;
  const TimePoint t0{1h};
  pacer.start_frame(t0, 1000, 1000 * 1464, 100'000'000, 16ms);
  const auto first = pacer.poll(t0);
  const auto later = pacer.poll(t0 + 1s);
  EXPECT_EQ(first.packets + later.packets, 1000U);
  EXPECT_EQ(later.next, TimePoint::max());
}

}  // namespace
}  // namespace pf::transport
