// The whole data plane in one process: packetize → FEC → seal → a hostile
// path → open → reassemble. Within each block's parity budget every frame
// comes back byte-exact; beyond it the frame is reported lost and never
// delivered; bad packets are counted and harm nothing else.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "pf/fec/parity.hpp"
#include "pf/transport/lossy_link.hpp"
#include "transport/transport_harness.hpp"

namespace pf::transport {
namespace {

using testing::Loopback;
using testing::pattern;

SenderConfig sender_for(fec::Scheme scheme, std::uint32_t shard = 1408) {
  SenderConfig c;
  c.scheme = scheme;
  c.shard_bytes = shard;
  return c;
}

PacketHeader header_of(const std::vector<std::uint8_t>& datagram) {
  PacketHeader h;
  EXPECT_EQ(parse_header(datagram, h), HeaderError::none);
  return h;
}

class Schemes : public ::testing::TestWithParam<fec::Scheme> {};

TEST_P(Schemes, CleanPathDeliversEveryFrameExactlyAndInOrder) {
  auto lb = Loopback::make(sender_for(GetParam()));
  const std::vector<std::size_t> sizes = {1, 1407, 1408, 1409, 100'000, 1U << 20, 3 * 1408};
  for (std::uint32_t i = 0; i < sizes.size(); ++i) {
    const auto frame = pattern(sizes[i], i);
    for (const auto& d : lb.packetize(i, frame, 20)) {
      lb.deliver(d);
    }
    ASSERT_EQ(lb.sink.frames.count(i), 1U) << "size " << sizes[i];
    EXPECT_EQ(lb.sink.frames[i], frame);
  }
  EXPECT_TRUE(lb.sink.lost.empty());
  EXPECT_EQ(lb.receiver.counters().frames_delivered, sizes.size());
  EXPECT_EQ(lb.receiver.counters().shards_recovered, 0U);
  EXPECT_EQ(lb.receiver.frames_in_flight(), 0U);
}

TEST_P(Schemes, DataShardsLeaveBeforeParityAndTheLastShardIsTrimmed) {
  auto lb = Loopback::make(sender_for(GetParam()));
  const auto datagrams = lb.packetize(0, pattern(600'000, 1), 25);
  bool parity_seen = false;
  std::uint64_t expected_sequence = 0;
  std::size_t parity_count = 0;
  for (const auto& d : datagrams) {
    const PacketHeader h = header_of(d);
    EXPECT_EQ(h.sequence, expected_sequence++);
    const bool parity = h.shard_index >= h.data_shards;
    EXPECT_FALSE(parity_seen && !parity) << "data after parity";
    parity_seen = parity_seen || parity;
    parity_count += parity ? 1 : 0;
    EXPECT_EQ(h.parity_shards, fec::parity_shards(h.data_shards, 25));
    EXPECT_LE(d.size(), kOverheadBytes + 1408);
  }
  const std::size_t data_count = (600'000 + 1407) / 1408;
  EXPECT_EQ(datagrams.size(), data_count + parity_count);
  EXPECT_EQ(datagrams[data_count - 1].size(), kOverheadBytes + 600'000 % 1408);
}

// Drops a random number of shards, at most the budget, from every block,
// then shuffles and duplicates what is left.
TEST_P(Schemes, AnyLossWithinTheParityBudgetIsRecoveredByteExact) {
  std::mt19937_64 rng(GetParam() == fec::Scheme::gf8 ? 101 : 202);
  auto lb = Loopback::make(sender_for(GetParam()));
  for (std::uint32_t i = 0; i < 40; ++i) {
    const auto frame = pattern(1000 + rng() % 400'000, i);
    const auto pct = static_cast<std::uint32_t>(1 + rng() % 50);
    auto datagrams = lb.packetize(i, frame, pct);
    std::map<std::uint16_t, std::vector<std::size_t>> by_block;
    for (std::size_t d = 0; d < datagrams.size(); ++d) {
      by_block[header_of(datagrams[d]).block_index].push_back(d);
    }
    std::vector<std::size_t> kept;
    for (auto& [block, members] : by_block) {
      const std::size_t budget = header_of(datagrams[members.front()]).parity_shards;
      std::shuffle(members.begin(), members.end(), rng);
      const std::size_t drop = rng() % (budget + 1);
      kept.insert(kept.end(), members.begin() + static_cast<std::ptrdiff_t>(drop), members.end());
    }
    std::shuffle(kept.begin(), kept.end(), rng);
    for (std::size_t d : kept) {
      lb.deliver(datagrams[d]);
      if (rng() % 8 == 0) {
        lb.deliver(datagrams[d]);  // a duplicate: refused by the replay window
      }
    }
    ASSERT_EQ(lb.sink.frames.count(i), 1U) << "frame " << i;
    ASSERT_EQ(lb.sink.frames[i], frame) << "frame " << i;
  }
  EXPECT_TRUE(lb.sink.lost.empty());
  EXPECT_GT(lb.receiver.counters().shards_recovered, 0U);
  EXPECT_GT(lb.receiver.counters().replayed, 0U);
}

TEST_P(Schemes, LossBeyondTheBudgetIsReportedNeverDeliveredWrong) {
  std::mt19937_64 rng(7);
  auto lb = Loopback::make(sender_for(GetParam()));
  for (std::uint32_t i = 0; i < 20; ++i) {
    const auto frame = pattern(50'000 + rng() % 200'000, i);
    auto datagrams = lb.packetize(i, frame, 10);
    const bool doomed = i % 3 == 1;
    std::size_t block0_dropped = 0;
    std::size_t block0_budget = header_of(datagrams.front()).parity_shards;
    for (const auto& d : datagrams) {
      const PacketHeader h = header_of(d);
      // Doomed frames lose budget + 1 shards of block 0, data shards first.
      if (doomed && h.block_index == 0 && block0_dropped <= block0_budget) {
        ++block0_dropped;
        continue;
      }
      lb.deliver(d);
    }
    if (!doomed) {
      ASSERT_EQ(lb.sink.frames.count(i), 1U);
      EXPECT_EQ(lb.sink.frames[i], frame);
    }
  }
  lb.now += std::chrono::seconds(1);
  lb.receiver.poll(lb.now, lb.sink);
  for (std::uint32_t i = 0; i < 20; ++i) {
    const bool doomed = i % 3 == 1;
    EXPECT_EQ(lb.sink.frames.count(i), doomed ? 0U : 1U) << i;
    EXPECT_EQ(std::count(lb.sink.lost.begin(), lb.sink.lost.end(), i), doomed ? 1 : 0) << i;
  }
  EXPECT_TRUE(std::is_sorted(lb.sink.order.begin(), lb.sink.order.end())) << "reports in frame order";
  EXPECT_EQ(lb.receiver.frames_in_flight(), 0U);
}

TEST_P(Schemes, RandomLinksNeverYieldWrongBytes) {
  // Bernoulli and bursty loss with reorder and duplication, at rates that
  // beat FEC some of the time: what arrives is exact, the rest is reported.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    LinkModel model;
    model.loss = seed % 2 == 0 ? LinkModel::Loss::bernoulli : LinkModel::Loss::gilbert_elliott;
    model.drop = 0.08;
    model.good_to_bad = 0.02;
    model.bad_to_good = 0.3;
    model.drop_good = 0.01;
    model.drop_bad = 0.6;
    model.reorder = 0.05;
    model.reorder_depth = 30;
    model.duplicate = 0.02;
    model.seed = seed;
    LossyLink link(model);
    auto lb = Loopback::make(sender_for(GetParam()));
    std::vector<std::vector<std::uint8_t>> sent;
    for (std::uint32_t i = 0; i < 30; ++i) {
      sent.push_back(pattern(20'000 + (i * 7919) % 300'000, i + 100 * static_cast<std::uint32_t>(seed)));
      const auto datagrams = lb.packetize(i, sent.back(), 20);
      std::vector<Bytes> views(datagrams.begin(), datagrams.end());
      std::vector<Bytes> arrived;
      link.transmit(views, arrived);
      for (const Bytes& d : arrived) {
        lb.receiver.receive(d, lb.now, lb.sink);
      }
      lb.now += std::chrono::milliseconds(16);
      lb.receiver.poll(lb.now, lb.sink);
    }
    lb.now += std::chrono::seconds(1);
    lb.receiver.poll(lb.now, lb.sink);
    for (const auto& [index, bytes] : lb.sink.frames) {
      ASSERT_EQ(bytes, sent[index]) << "seed " << seed << " frame " << index;
    }
    EXPECT_EQ(lb.sink.frames.size() + lb.sink.lost.size(), sent.size()) << "every frame accounted for";
  }
}

INSTANTIATE_TEST_SUITE_P(Fec, Schemes, ::testing::Values(fec::Scheme::gf8, fec::Scheme::gf16),
                         [](const auto& p) { return std::string(fec::to_string(p.param)); });

TEST(Pipeline, WithoutFecAnyLostShardLosesTheFrame) {
  auto lb = Loopback::make(sender_for(fec::Scheme::none));
  const auto a = lb.packetize(0, pattern(10'000, 1), 10);
  const auto b = lb.packetize(1, pattern(10'000, 2), 10);
  for (std::size_t d = 1; d < a.size(); ++d) {
    lb.deliver(a[d]);
  }
  for (const auto& d : b) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.lost, std::vector<std::uint32_t>{0});
  EXPECT_EQ(lb.sink.frames.count(1), 1U);
  lb.deliver(a[0]);
  EXPECT_EQ(lb.receiver.counters().late, 1U);
}

TEST(Pipeline, BadPacketsAreCountedAndHarmNothing) {
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8));
  const auto frame = pattern(30'000, 5);
  auto datagrams = lb.packetize(0, frame, 20);
  auto tampered = datagrams[0];
  tampered[kHeaderBytes + 3] ^= 1;
  auto header_forged = datagrams[1];
  header_forged[12] ^= 1;  // capture time: authenticated as associated data
  auto truncated = datagrams[2];
  truncated.resize(truncated.size() - 5);
  lb.deliver(tampered);
  lb.deliver(header_forged);
  lb.deliver(truncated);
  lb.deliver({0x9F, 1, 2});
  lb.deliver(std::vector<std::uint8_t>(3000, 0xFF));
  lb.deliver(datagrams[3]);
  lb.deliver(datagrams[3]);  // replayed
  for (std::size_t d = 4; d < datagrams.size(); ++d) {
    lb.deliver(datagrams[d]);
  }
  const auto& c = lb.receiver.counters();
  EXPECT_EQ(c.auth_failed, 2U);
  EXPECT_EQ(c.malformed, 3U);
  EXPECT_EQ(c.replayed, 1U);
  ASSERT_EQ(lb.sink.frames.count(0), 1U) << "FEC covers the three refused shards";
  EXPECT_EQ(lb.sink.frames[0], frame);
}

TEST(Pipeline, TooOldSequenceNumbersAreRefusedAndCounted) {
  // A sender that jumped 2^17 + 100 sequence numbers ahead, then a packet
  // of a newer frame sealed with an old number.
  auto sealer = crypto::Sealer::create(testing::fixed_key(), crypto::Direction::host_to_client);
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8));
  ASSERT_TRUE(sealer.has_value());
  const auto craft = [&](std::uint64_t seq, std::uint32_t index) {
    PacketHeader h;
    h.stream = Stream::video;
    h.scheme = fec::Scheme::gf8;
    h.sequence = seq;
    h.frame_index = index;
    h.frame_bytes = 1000;
    h.block_count = 1;
    h.data_shards = 1;
    h.parity_shards = 2;
    h.shard_bytes = 1408;
    std::vector<std::uint8_t> d(kOverheadBytes + 1000);
    write_header(h, d);
    const auto payload = pattern(1000, index);
    EXPECT_TRUE(sealer->seal(seq, Bytes(d).first(kHeaderBytes), payload, MutableBytes(d).subspan(kHeaderBytes)));
    return d;
  };
  const auto old_packet = craft(5, 2);
  lb.deliver(craft(crypto::kDefaultReplayWindow + 100, 1));
  EXPECT_EQ(lb.sink.frames.count(1), 1U);
  lb.deliver(old_packet);
  EXPECT_EQ(lb.receiver.counters().too_old, 1U);
  EXPECT_EQ(lb.sink.frames.count(2), 0U);
}

TEST(Pipeline, AFrameOvertakenByALaterOneIsLost) {
  auto lb = Loopback::make(sender_for(fec::Scheme::gf16));
  const auto a = lb.packetize(0, pattern(50'000, 1), 10);
  const auto b = lb.packetize(1, pattern(50'000, 2), 10);
  lb.deliver(a[0]);
  for (const auto& d : b) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.order, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(lb.sink.lost, std::vector<std::uint32_t>{0});
  for (std::size_t d = 1; d < a.size(); ++d) {
    lb.deliver(a[d]);
  }
  EXPECT_EQ(lb.receiver.counters().late, a.size() - 1);
  // Frame 1's parity came after the frame was whole.
  const auto b_parity = static_cast<std::size_t>(std::count_if(b.begin(), b.end(), [](const auto& d) {
    const PacketHeader h = header_of(d);
    return h.shard_index >= h.data_shards;
  }));
  EXPECT_EQ(lb.receiver.counters().surplus, b_parity);
  EXPECT_EQ(lb.sink.frames.count(0), 0U);
}

TEST(Pipeline, FramesNeverSeenAreReportedAsARange) {
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8));
  for (const auto& d : lb.packetize(0, pattern(5000, 0), 10)) {
    lb.deliver(d);
  }
  for (std::uint32_t i = 1; i < 5; ++i) {
    static_cast<void>(lb.packetize(i, pattern(5000, i), 10));  // lost on the way
  }
  for (const auto& d : lb.packetize(5, pattern(5000, 5), 10)) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.lost, (std::vector<std::uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(lb.sink.order, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5}));
}

TEST(Pipeline, OpenFramesTimeOutAfterTheLossWindow) {
  ReceiverConfig rc;
  rc.loss_window = std::chrono::milliseconds(50);
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8), rc);
  const auto a = lb.packetize(0, pattern(20'000, 1), 10);
  EXPECT_EQ(lb.receiver.next_deadline(), TimePoint::max());
  lb.deliver(a[0]);
  EXPECT_EQ(lb.receiver.next_deadline(), lb.now + std::chrono::milliseconds(50));
  lb.receiver.poll(lb.now + std::chrono::milliseconds(49), lb.sink);
  EXPECT_TRUE(lb.sink.lost.empty());
  lb.receiver.poll(lb.now + std::chrono::milliseconds(50), lb.sink);
  EXPECT_EQ(lb.sink.lost, std::vector<std::uint32_t>{0});
  EXPECT_EQ(lb.receiver.frames_in_flight(), 0U);
  EXPECT_EQ(lb.receiver.next_deadline(), TimePoint::max());
}

TEST(Pipeline, MemoryStaysWithinTheLimits) {
  ReceiverConfig rc;
  rc.max_frames_in_flight = 4;
  rc.max_frame_bytes = 1U << 20;
  rc.max_bytes_in_flight = 6U << 20;
  auto lb = Loopback::make(sender_for(fec::Scheme::gf16), rc);
  // Forty big frames that never complete: each sends only its first shard.
  for (std::uint32_t i = 0; i < 40; ++i) {
    const auto datagrams = lb.packetize(i, pattern(900'000, i), 10);
    lb.deliver(datagrams[0]);
    EXPECT_LE(lb.receiver.frames_in_flight(), 4U);
    EXPECT_LE(lb.receiver.buffer_bytes(), rc.max_bytes_in_flight);
  }
  EXPECT_GT(lb.receiver.counters().evicted, 30U);
  EXPECT_TRUE(std::is_sorted(lb.sink.lost.begin(), lb.sink.lost.end()));
  const auto big = lb.packetize(40, pattern(2U << 20, 1), 10);
  lb.deliver(big[0]);
  EXPECT_EQ(lb.receiver.counters().oversize, 1U);
  // And a normal frame still goes through.
  const auto frame = pattern(100'000, 41);
  for (const auto& d : lb.packetize(41, frame, 10)) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.frames[41], frame);
}

TEST(Pipeline, AStragglerNeverEvictsNewerFrames) {
  ReceiverConfig rc;
  rc.max_frames_in_flight = 4;
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8), rc);
  std::vector<std::vector<std::vector<std::uint8_t>>> frames;
  for (std::uint32_t i = 0; i < 15; ++i) {
    frames.push_back(lb.packetize(i, pattern(20'000, i), 10));
  }
  for (const auto& d : frames[0]) {
    lb.deliver(d);
  }
  for (std::uint32_t i = 11; i < 15; ++i) {
    lb.deliver(frames[i][0]);  // four frames open: every slot taken
  }
  lb.deliver(frames[5][0]);  // delayed on the path
  EXPECT_TRUE(lb.sink.lost.empty());
  EXPECT_EQ(lb.receiver.counters().late, 1U);
  EXPECT_EQ(lb.receiver.frames_in_flight(), 4U);
  for (const auto& d : frames[11]) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.frames.count(11), 1U);
  EXPECT_EQ(lb.sink.lost.size(), 10U) << "1..10 lost, reported when 11 completed";
}

TEST(Pipeline, AFirstFrameThatNeverArrivesIsReported) {
  ReceiverConfig rc;
  rc.first_frame_index = 100;
  auto lb = Loopback::make(sender_for(fec::Scheme::gf8), rc);
  static_cast<void>(lb.packetize(100, pattern(5000, 0), 10));
  for (const auto& d : lb.packetize(101, pattern(5000, 1), 10)) {
    lb.deliver(d);
  }
  EXPECT_EQ(lb.sink.order, (std::vector<std::uint32_t>{100, 101}));
  EXPECT_EQ(lb.sink.lost, std::vector<std::uint32_t>{100});
}

TEST(Pipeline, BuffersStayWithinTheBudgetWhateverTheMixOfSizes) {
  ReceiverConfig rc;
  rc.max_frame_bytes = 2U << 20;
  rc.max_bytes_in_flight = 9U << 20;
  auto lb = Loopback::make(sender_for(fec::Scheme::gf16), rc);
  const std::vector<std::size_t> sizes = {2'000'000, 10'000, 2'000'000, 500'000, 2'000'000, 1'900'000};
  for (std::uint32_t i = 0; i < 30; ++i) {
    const auto datagrams = lb.packetize(i, pattern(sizes[i % sizes.size()], i), 10);
    // Every third frame stays open (its first shard only); the rest complete.
    for (std::size_t d = 0; d < (i % 3 == 0 ? 1 : datagrams.size()); ++d) {
      lb.deliver(datagrams[d]);
      ASSERT_LE(lb.receiver.buffer_bytes(), rc.max_bytes_in_flight) << "frame " << i;
    }
  }
}

TEST(Pipeline, OversizedGf16BlocksAreRefused) {
  ReceiverConfig rc;
  rc.max_gf16_block_shards = 1024;
  auto lb = Loopback::make(sender_for(fec::Scheme::gf16), rc);
  const auto datagrams = lb.packetize(0, pattern(1000 * 1408, 1), 10);  // 1000 + bit_ceil(100)
  lb.deliver(datagrams[0]);
  EXPECT_EQ(lb.receiver.counters().oversize, 1U);
  EXPECT_EQ(lb.receiver.frames_in_flight(), 0U);
}

TEST(Pipeline, ReceiverLimitsMustHoldALargestFrame) {
  ReceiverConfig rc;
  rc.max_frame_bytes = 16U << 20;
  rc.max_bytes_in_flight = 32U << 20;
  EXPECT_FALSE(Reassembler::create(rc, *crypto::Opener::create(testing::fixed_key(),
                                                               crypto::Direction::host_to_client)));
}

TEST(Pipeline, Ipv6ShardsWorkWithBothSchemes) {
  for (auto scheme : {fec::Scheme::gf8, fec::Scheme::gf16}) {
    auto lb = Loopback::make(sender_for(scheme, 1388));
    const auto frame = pattern(200'000, 3);
    auto datagrams = lb.packetize(0, frame, 20);
    for (std::size_t d = 0; d < datagrams.size(); ++d) {
      if (d % 10 != 3) {
        lb.deliver(datagrams[d]);
      }
    }
    ASSERT_EQ(lb.sink.frames.count(0), 1U) << fec::to_string(scheme);
    EXPECT_EQ(lb.sink.frames[0], frame);
  }
}

}  // namespace
}  // namespace pf::transport
