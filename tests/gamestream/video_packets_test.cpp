// GameStream video packets: the bytes a Moonlight client reads (checked
// field by field against the client's structs), the FEC shape rules, and
// round trips through the client-side reassembler with seeded loss.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "pf/fec/coder.hpp"
#include "pf/gamestream/video_packets.hpp"

namespace pf::gamestream {
namespace {

using Datagrams = std::vector<std::vector<std::uint8_t>>;

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) {
    b = static_cast<std::uint8_t>(rng());
  }
  return v;
}

std::uint32_t le32(const std::vector<std::uint8_t>& d, std::size_t at) {
  return static_cast<std::uint32_t>(d[at]) | static_cast<std::uint32_t>(d[at + 1]) << 8 |
         static_cast<std::uint32_t>(d[at + 2]) << 16 | static_cast<std::uint32_t>(d[at + 3]) << 24;
}

struct Sent {
  std::uint32_t index = 0;
  std::vector<std::uint8_t> au;
  Datagrams datagrams;
};

Datagrams copy(std::span<const Bytes> views) {
  Datagrams out;
  for (const Bytes& v : views) {
    out.emplace_back(v.begin(), v.end());
  }
  return out;
}

Datagrams packetize(VideoPacketizer& p, std::uint32_t index, const std::vector<std::uint8_t>& au,
                    FrameType type = FrameType::p) {
  auto r = p.packetize({.frame_index = index,
                        .rtp_timestamp = index * 1500,
                        .frame_type = type,
                        .host_latency_tenths_ms = static_cast<std::uint16_t>(index),
                        .access_unit = au});
  EXPECT_TRUE(r) << r.error().message;
  return r ? copy(*r) : Datagrams{};
}

struct Collect final : VideoFrameSink {
  std::map<std::uint32_t, ReassembledVideoFrame> frames;
  std::map<std::uint32_t, std::vector<std::uint8_t>> data;
  std::set<std::uint32_t> lost;
  std::vector<std::uint32_t> order;  // delivered or lost, as reported
  void on_frame(const ReassembledVideoFrame& f) override {
    frames[f.frame_index] = f;
    data[f.frame_index].assign(f.access_unit.begin(), f.access_unit.end());
    order.push_back(f.frame_index);
  }
  void on_lost(std::uint32_t first, std::uint32_t count) override {
    ASSERT_GT(count, 0U);
    for (std::uint32_t i = 0; i < count; ++i) {
      lost.insert(first + i);
      order.push_back(first + i);
    }
  }
};

VideoPacketizer make_packetizer(std::uint32_t packet_size, std::uint32_t pct, std::uint32_t first_packet = 0,
                                bool encrypt = false) {
  VideoPacketizerConfig c;
  c.packet_size = packet_size;
  c.fec_percentage = pct;
  c.min_required_fec_packets = 2;
  c.first_packet_index = first_packet;
  c.encrypt = encrypt;
  c.key.fill(0x42);
  auto p = VideoPacketizer::create(c);
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

VideoReassembler make_reassembler(std::uint32_t packet_size, bool encrypted = false, std::uint8_t key = 0x42) {
  VideoReassemblerConfig c;
  c.packet_size = packet_size;
  c.encrypted = encrypted;
  c.key.fill(key);
  auto r = VideoReassembler::create(c);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

// --- the bytes on the wire --------------------------------------------------

TEST(VideoPackets, TheFirstShardMatchesTheClientsStructsFieldByField) {
  auto p = make_packetizer(64, 20, 0x1234);  // 48 frame bytes per shard, 80-byte shards
  const auto au = random_bytes(100, 1);      // 8 + 100 = 108 bytes: 3 shards, 12 in the last
  auto r = p.packetize({.frame_index = 7,
                        .rtp_timestamp = 0x01020304,
                        .frame_type = FrameType::idr,
                        .host_latency_tenths_ms = 0x0A0B,
                        .access_unit = au});
  ASSERT_TRUE(r) << r.error().message;
  const Datagrams d = copy(*r);
  ASSERT_EQ(d.size(), 5U);  // 3 data + 2 parity (ceil(3·20%) = 1 is below the minimum of 2)
  for (const auto& g : d) {
    EXPECT_EQ(g.size(), 80U);  // packetSize + MAX_RTP_HEADER_SIZE
  }
  const std::vector<std::uint8_t> expected_head = {
      // RTP_PACKET: header 0x90 (v2 | FLAG_EXTENSION), packetType 0, BE16 seq, BE32 ts, ssrc 0
      0x90, 0x00, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
      // the 4 reserved bytes the extension bit announces
      0x00, 0x00, 0x00, 0x00,
      // NV_VIDEO_PACKET, little-endian: streamPacketIndex = 0x1234 << 8, frameIndex 7
      0x00, 0x34, 0x12, 0x00, 0x07, 0x00, 0x00, 0x00,
      // flags PIC_DATA | SOF, extraFlags 0, multiFecFlags 0x10, multiFecBlocks (block 0 of 1)
      0x05, 0x00, 0x10, 0x00,
      // fecInfo = index 0 << 12 | 3 data << 22 | 66% << 4 = 0x00C00420
      0x20, 0x04, 0xC0, 0x00,
      // the short frame header: 0x01, LE16 latency, frame type 2, LE16 lastPayloadLen 12, 0, 0
      0x01, 0x0B, 0x0A, 0x02, 0x0C, 0x00, 0x00, 0x00};
  EXPECT_EQ(std::vector<std::uint8_t>(d[0].begin(), d[0].begin() + 40), expected_head);
  EXPECT_TRUE(std::equal(au.begin(), au.begin() + 40, d[0].begin() + 40));

  // The middle shard: PIC_DATA only; the last: PIC_DATA | EOF, 12 frame bytes then zeros.
  EXPECT_EQ(d[1][24], 0x01);
  EXPECT_EQ(le32(d[1], 28), 1U << 12 | 3U << 22 | 66U << 4);
  EXPECT_EQ(d[2][24], 0x03);
  EXPECT_EQ(d[2][3], 0x36);  // seq 0x1236
  EXPECT_EQ(le32(d[2], 16), 0x1236U << 8);
  EXPECT_TRUE(std::equal(au.begin() + 88, au.end(), d[2].begin() + 32));
  EXPECT_TRUE(std::all_of(d[2].begin() + 44, d[2].end(), [](std::uint8_t b) { return b == 0; }));

  // Parity: its own RTP header, frameIndex, multiFecBlocks and fecInfo.
  for (std::uint32_t j = 0; j < 2; ++j) {
    const auto& g = d[3 + j];
    EXPECT_EQ(g[0], 0x90);
    EXPECT_EQ(g[1], 0x00);
    EXPECT_EQ((g[2] << 8) | g[3], 0x1237 + static_cast<int>(j));
    EXPECT_EQ(std::vector<std::uint8_t>(g.begin() + 4, g.begin() + 16),
              (std::vector<std::uint8_t>{0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(le32(g, 20), 7U) << "a parity shard carries the frame index";
    EXPECT_EQ(g[27], 0x00);
    EXPECT_EQ(le32(g, 28), (3 + j) << 12 | 3U << 22 | 66U << 4);
  }
}

TEST(VideoPackets, ParityIsTheCauchyCodeOverWholeShardsExceptTheRewrittenFields) {
  auto p = make_packetizer(96, 50);
  const auto au = random_bytes(900, 2);  // 908 bytes / 80 = 12 shards, 6 parity
  const Datagrams d = packetize(p, 3, au);
  ASSERT_EQ(d.size(), 18U);
  auto coder = fec::make_coder(fec::Scheme::gf8);
  ASSERT_TRUE(coder);
  std::vector<const std::uint8_t*> data;
  for (std::size_t i = 0; i < 12; ++i) {
    data.push_back(d[i].data());
  }
  std::vector<std::vector<std::uint8_t>> parity(6, std::vector<std::uint8_t>(112));
  std::vector<std::uint8_t*> out;
  for (auto& v : parity) {
    out.push_back(v.data());
  }
  ASSERT_TRUE((*coder)->encode(data, out, 112));
  auto rewritten = [](std::size_t at) { return at < 12 || (at >= 20 && at < 24) || (at >= 27 && at < 32); };
  for (std::size_t j = 0; j < 6; ++j) {
    for (std::size_t at = 0; at < 112; ++at) {
      if (!rewritten(at)) {
        ASSERT_EQ(d[12 + j][at], parity[j][at]) << "parity " << j << " byte " << at;
      }
    }
  }
}

TEST(VideoPackets, SequenceNumbersContinueAcrossFramesAndWrap) {
  auto p = make_packetizer(64, 20, 0xFFFE);
  auto r = make_reassembler(64);
  Collect sink;
  std::uint32_t expected_packet = 0xFFFE;
  for (std::uint32_t f = 1; f <= 3; ++f) {
    const auto au = random_bytes(200, f);
    for (const auto& g : packetize(p, f, au)) {
      EXPECT_EQ((g[2] << 8) | g[3], static_cast<int>(expected_packet & 0xFFFF));
      if ((le32(g, 28) >> 12 & 0x3FF) < (le32(g, 28) >> 22)) {  // a data shard
        EXPECT_EQ(le32(g, 16), expected_packet << 8) << "a 24-bit counter, not the 16-bit sequence";
      }
      ++expected_packet;
      r.receive(g, sink);
    }
    EXPECT_EQ(sink.data[f], au);
  }
}

// --- FEC shape ----------------------------------------------------------------

TEST(VideoFec, ParityFollowsTheClientsFormulaAndTheMinimum) {
  EXPECT_EQ(fec_block_shape(10, 20, 2).parity_shards, 2U);
  EXPECT_EQ(fec_block_shape(10, 20, 2).fec_percentage, 20U);
  EXPECT_EQ(fec_block_shape(100, 20, 2).parity_shards, 20U);
  EXPECT_EQ(fec_block_shape(101, 20, 2).parity_shards, 21U);  // ceil
  // Below the minimum: parity 2, pct = floor(200 / data).
  EXPECT_EQ(fec_block_shape(3, 20, 2).parity_shards, 2U);
  EXPECT_EQ(fec_block_shape(3, 20, 2).fec_percentage, 66U);
  EXPECT_EQ(fec_block_shape(1, 20, 2).fec_percentage, 200U);
  // Where floor(100·min/data) falls short of the minimum, pct is nudged up.
  EXPECT_EQ(fec_block_shape(150, 5, 10).fec_percentage, 7U);
  EXPECT_EQ(fec_block_shape(150, 5, 10).parity_shards, 11U);
  EXPECT_EQ(fec_block_shape(40, 0, 2).parity_shards, 0U);
  for (std::uint32_t d = 1; d <= 254; ++d) {
    for (std::uint32_t pct : {1U, 5U, 10U, 20U, 50U, 100U, 255U}) {
      for (std::uint32_t min : {0U, 1U, 2U, 3U, 10U}) {
        const FecBlockShape s = fec_block_shape(d, pct, min);
        ASSERT_LE(s.fec_percentage, 255U);
        ASSERT_EQ(s.parity_shards, (d * s.fec_percentage + 99) / 100) << d << " " << pct << " " << min;
        ASSERT_GE(s.parity_shards, std::min(min, (d * 255 + 99) / 100));
        if (min == 2 && (d * pct + 99) / 100 < 2) {  // the host reference's rule, exactly
          ASSERT_EQ(s.fec_percentage, 200 / d);
        }
      }
    }
  }
}

TEST(VideoFec, FramesSplitIntoAtMostFourBlocksThenGoWithoutFec) {
  EXPECT_EQ(max_data_shards_per_block(20, 2), 212U);  // 212 + 43 = 255
  EXPECT_EQ(max_data_shards_per_block(0, 2), 255U);
  auto one = plan_video_frame(212, 20, 2);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->blocks, 1U);
  auto two = plan_video_frame(213, 20, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->blocks, 2U);
  EXPECT_EQ(two->block[0].data_shards, 107U);
  EXPECT_EQ(two->block[1].data_shards, 106U);
  auto four = plan_video_frame(848, 20, 2);
  ASSERT_TRUE(four);
  EXPECT_EQ(four->blocks, 4U);
  EXPECT_FALSE(four->fec_dropped);
  for (std::uint32_t b = 0; b < 4; ++b) {
    EXPECT_EQ(four->block[b].data_shards, 212U);
    EXPECT_EQ(four->block[b].parity_shards, 43U);
  }
  auto big = plan_video_frame(849, 20, 2);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->blocks, 4U);
  EXPECT_TRUE(big->fec_dropped);
  EXPECT_EQ(big->block[0].data_shards, 213U);
  EXPECT_EQ(big->block[3].data_shards, 210U);
  for (std::uint32_t b = 0; b < 4; ++b) {
    EXPECT_EQ(big->block[b].parity_shards, 0U);
    EXPECT_EQ(big->block[b].fec_percentage, 0U);
  }
  EXPECT_TRUE(plan_video_frame(4 * 1023, 20, 2));
  auto too_big = plan_video_frame(4 * 1023 + 1, 20, 2);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, Errc::limit_reached);
}

TEST(VideoFec, MultiBlockAndNoFecFramesCarryTheirBlockFieldsAndRoundTrip) {
  auto p = make_packetizer(64, 20);
  auto r = make_reassembler(64);
  Collect sink;
  for (std::uint32_t shards : {213U, 849U}) {
    const auto au = random_bytes(shards * 48 - 8, shards);
    const std::uint32_t index = shards;
    const Datagrams d = packetize(p, index, au);
    std::map<std::uint32_t, std::uint32_t> per_block;
    for (const auto& g : d) {
      const std::uint8_t mfb = g[27];
      const std::uint32_t block = mfb >> 4 & 3;
      EXPECT_EQ(mfb >> 6, shards == 213 ? 1 : 3) << "blocks - 1 in the top bits";
      ++per_block[block];
      const std::uint32_t fec = le32(g, 28);
      const std::uint32_t shard = fec >> 12 & 0x3FF;
      const std::uint32_t data = fec >> 22;
      if (shard < data) {
        EXPECT_EQ(g[24] & 0x04, shard == 0 ? 0x04 : 0) << "SOF on each block's first data shard";
        EXPECT_EQ(g[24] & 0x02, shard + 1 == data ? 0x02 : 0) << "EOF on each block's last";
      }
      if (shards == 849) {
        EXPECT_EQ(fec >> 4 & 0xFF, 0U);
      }
    }
    if (shards == 213) {
      EXPECT_EQ(d.size(), 213U + 22 + 22);
      EXPECT_EQ(per_block[0], 107U + 22);
      EXPECT_EQ(per_block[1], 106U + 22);
    } else {
      EXPECT_EQ(d.size(), 849U);
      EXPECT_EQ(per_block.size(), 4U);
    }
    for (const auto& g : d) {
      r.receive(g, sink);
    }
    EXPECT_EQ(sink.data[index], au);
    EXPECT_EQ(sink.frames[index].fec_blocks, shards == 213 ? 2U : 4U);
  }
  EXPECT_EQ(p.counters().frames_without_fec, 1U);
  const auto huge = random_bytes(4 * 1023 * 48, 9);
  auto refused = p.packetize({.frame_index = 9, .frame_type = FrameType::p, .access_unit = huge});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::limit_reached);
}

// --- round trips ------------------------------------------------------------

TEST(VideoRoundTrip, EverySizeComesBackByteExact) {
  auto p = make_packetizer(1392, 20);
  auto r = make_reassembler(1392);
  Collect sink;
  std::uint32_t index = 1;
  for (std::size_t size : {0UL, 1UL, 1367UL, 1368UL, 1369UL, 2744UL, 50'000UL, 400'000UL}) {
    const auto au = random_bytes(size, static_cast<std::uint32_t>(size));
    for (const auto& g : packetize(p, index, au, FrameType::after_invalidation)) {
      r.receive(g, sink);
    }
    ASSERT_EQ(sink.data.count(index), 1U) << size;
    EXPECT_EQ(sink.data[index], au) << size;
    EXPECT_EQ(sink.frames[index].frame_type, 5);
    EXPECT_EQ(sink.frames[index].host_latency_tenths_ms, index);
    EXPECT_EQ(sink.frames[index].rtp_timestamp, index * 1500);
    ++index;
  }
  EXPECT_TRUE(sink.lost.empty());
  EXPECT_EQ(r.frames_in_flight(), 0U);
  EXPECT_EQ(r.bytes_in_flight(), 0U);
}

// Random loss and reordering within each frame: a frame comes back exactly
// when every block lost no more shards than it has parity, else it is
// reported lost; frames come out in order.
void lossy_run(bool encrypt, std::uint32_t seed, double loss, bool beyond) {
  auto p = make_packetizer(1024, 20, 0, encrypt);
  auto r = make_reassembler(1024, encrypt);
  Collect sink;
  std::mt19937 rng(seed);
  std::bernoulli_distribution drop(loss);
  std::set<std::uint32_t> recoverable;
  std::map<std::uint32_t, std::vector<std::uint8_t>> sent;
  for (std::uint32_t f = 1; f <= 120; ++f) {
    const std::size_t size = 100 + rng() % 120'000;
    sent[f] = random_bytes(size, seed * 1000 + f);
    Datagrams d = packetize(p, f, sent[f]);
    Datagrams kept;
    for (auto& g : d) {
      if (!drop(rng)) {
        kept.push_back(std::move(g));
      } else {
        kept.emplace_back();  // a hole, remembered by position
      }
    }
    // Which blocks survive: the plan the packetizer used.
    const auto plan = plan_video_frame(static_cast<std::uint32_t>((size + 8 + 1007) / 1008), 20, 2);
    ASSERT_TRUE(plan);
    bool ok = true;
    std::size_t at = 0;
    for (std::uint32_t b = 0; b < plan->blocks; ++b) {
      const auto& s = plan->block[b];
      std::uint32_t holes = 0;
      for (std::uint32_t i = 0; i < s.data_shards + s.parity_shards; ++i, ++at) {
        holes += kept[at].empty() ? 1U : 0U;
      }
      ok = ok && holes <= s.parity_shards;
    }
    ASSERT_EQ(at, kept.size());
    if (ok) {
      recoverable.insert(f);
    }
    std::shuffle(kept.begin(), kept.end(), rng);
    for (const auto& g : kept) {
      if (!g.empty()) {
        r.receive(g, sink);
      }
    }
  }
  // A last frame without loss reports every frame before it that is missing.
  for (const auto& g : packetize(p, 121, random_bytes(5000, 121))) {
    r.receive(g, sink);
  }
  for (std::uint32_t f = 1; f <= 120; ++f) {
    if (recoverable.count(f) != 0) {
      ASSERT_EQ(sink.data.count(f), 1U) << "frame " << f;
      EXPECT_EQ(sink.data[f], sent[f]) << "frame " << f;
      EXPECT_EQ(sink.lost.count(f), 0U);
    } else {
      EXPECT_EQ(sink.lost.count(f), 1U) << "frame " << f;
      EXPECT_EQ(sink.data.count(f), 0U);
    }
  }
  EXPECT_TRUE(std::is_sorted(sink.order.begin(), sink.order.end()));
  EXPECT_EQ(sink.order.size(), 121U);
  EXPECT_GT(r.counters().frames_recovered, 10U);
  EXPECT_EQ(r.counters().frames_lost > 0, beyond) << r.counters().frames_lost << " frames lost";
  EXPECT_EQ(r.frames_in_flight(), 0U);
}

TEST(VideoRoundTrip, SeededLossWithinWhatFecRepairs) { lossy_run(false, 7, 0.01, false); }
TEST(VideoRoundTrip, SeededLossBeyondWhatFecRepairs) { lossy_run(false, 8, 0.15, true); }
TEST(VideoRoundTrip, SeededLossEncrypted) { lossy_run(true, 9, 0.05, true); }

TEST(VideoRoundTrip, ParityAloneRebuildsLostDataShards) {
  auto p = make_packetizer(64, 20);
  auto r = make_reassembler(64);
  Collect sink;
  const auto au = random_bytes(100, 3);  // 3 data + 2 parity
  const Datagrams d = packetize(p, 1, au);
  r.receive(d[4], sink);  // parity first, so the block opens from a parity shard
  r.receive(d[3], sink);
  r.receive(d[1], sink);
  ASSERT_EQ(sink.data.count(1), 1U);
  EXPECT_EQ(sink.data[1], au);
  EXPECT_EQ(sink.frames[1].recovered_shards, 2U);
  EXPECT_EQ(sink.frames[1].frame_type, 1);
  r.receive(d[0], sink);
  EXPECT_EQ(r.counters().late, 1U);
}

TEST(VideoRoundTrip, ParityWithAStaleFrameIndexIsNotPartOfTheFrame) {
  auto p = make_packetizer(64, 20);
  auto r = make_reassembler(64);
  Collect sink;
  const auto au = random_bytes(100, 4);
  Datagrams d = packetize(p, 5, au);
  // Parity as an encoder output before the rewrite would look: a wrong frame index.
  d[3][20] = 0x99;
  d[4][20] = 0x99;
  r.receive(d[1], sink);
  r.receive(d[3], sink);
  r.receive(d[4], sink);
  EXPECT_EQ(sink.data.count(5), 0U);
  r.flush(sink);
  EXPECT_EQ(sink.lost.count(5), 1U);
}

TEST(VideoRoundTrip, LongTermReferenceFlagTravels) {
  auto p = make_packetizer(64, 20);
  auto r = make_reassembler(64);
  Collect sink;
  const auto au = random_bytes(10, 5);
  auto out = p.packetize({.frame_index = 1, .frame_type = FrameType::p, .ltr_frame = true, .access_unit = au});
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0][25], 0x01);
  for (const Bytes& g : *out) {
    r.receive(g, sink);
  }
  EXPECT_TRUE(sink.frames[1].ltr_frame);
}

// --- encryption ---------------------------------------------------------------

TEST(VideoEncryption, EachShardIsSealedBehindTheClientsHeader) {
  auto plain = make_packetizer(96, 20);
  auto sealed = make_packetizer(96, 20, 0, true);
  const auto au = random_bytes(300, 6);
  const Datagrams a = packetize(plain, 11, au);
  const Datagrams b = packetize(sealed, 11, au);
  ASSERT_EQ(a.size(), b.size());
  AesKey key;
  key.fill(0x42);
  auto gcm = AesGcm::create(key);
  ASSERT_TRUE(gcm);
  for (std::size_t i = 0; i < b.size(); ++i) {
    ASSERT_EQ(b[i].size(), 96U + 16 + 32);
    // ENC_VIDEO_HEADER: iv[12] (LE64 counter, 0, 0, 0, 'V'), LE32 frameNumber, tag[16]
    std::vector<std::uint8_t> iv(12, 0);
    iv[0] = static_cast<std::uint8_t>(i);
    iv[11] = 'V';
    EXPECT_EQ(std::vector<std::uint8_t>(b[i].begin(), b[i].begin() + 12), iv);
    EXPECT_EQ(le32(b[i], 12), 11U);
    std::vector<std::uint8_t> clear(112);
    ASSERT_TRUE(gcm->open(Bytes(b[i]).subspan(0, 12), Bytes(b[i]).subspan(32), Bytes(b[i]).subspan(16, 16), clear));
    EXPECT_EQ(clear, a[i]) << "the sealed shard is the plain one";
  }
}

TEST(VideoEncryption, TamperedShardsAreRefusedAndWrongKeysDeliverNothing) {
  auto p = make_packetizer(96, 20, 0, true);
  auto r = make_reassembler(96, true);
  auto wrong = make_reassembler(96, true, 0x43);
  Collect sink;
  Collect nothing;
  const auto au = random_bytes(300, 7);
  Datagrams d = packetize(p, 1, au);
  for (std::size_t at : {std::size_t{0}, std::size_t{20}, std::size_t{40}}) {  // IV, tag, ciphertext
    Datagrams t = d;
    t[0][at] ^= 0x01;
    r.receive(t[0], sink);
  }
  EXPECT_EQ(r.counters().auth_failed, 3U);
  for (std::size_t i = 1; i < d.size(); ++i) {
    r.receive(d[i], sink);
    wrong.receive(d[i], nothing);
  }
  EXPECT_EQ(sink.data[1], au) << "the tampered shard is rebuilt from parity";
  EXPECT_EQ(wrong.counters().auth_failed, d.size() - 1);
  EXPECT_TRUE(nothing.frames.empty());
}

// --- hostile input and limits -----------------------------------------------

TEST(VideoReassembly, HostileDatagramsAreCountedNotTrusted) {
  auto p = make_packetizer(64, 20);
  auto r = make_reassembler(64);
  Collect sink;
  const Datagrams d = packetize(p, 1, random_bytes(100, 8));
  r.receive({}, sink);
  r.receive(Bytes(d[0]).first(31), sink);  // shorter than the headers
  std::vector<std::uint8_t> longer = d[0];
  longer.push_back(0);
  r.receive(longer, sink);  // longer than a shard
  auto with = [&](std::size_t at, std::uint8_t v) {
    std::vector<std::uint8_t> g = d[0];
    g[at] = v;
    r.receive(g, sink);
  };
  with(0, 0x80);  // no extension bit
  with(30, 0x00);  // fecInfo: zero data shards
  with(29, 0xFF);  // fecInfo: shard index 15 of 3 + 8
  with(27, 0x30);  // block 3 of 1
  EXPECT_EQ(r.counters().malformed, 7U);
  EXPECT_EQ(r.frames_in_flight(), 0U);
  r.receive(d[0], sink);
  r.receive(d[0], sink);
  EXPECT_EQ(r.counters().duplicate, 1U);
  std::vector<std::uint8_t> other = d[1];
  other[31] = 0x01;  // another data count for the same block
  r.receive(other, sink);
  EXPECT_EQ(r.counters().inconsistent, 1U);
}

TEST(VideoReassembly, TheFrameLimitReportsTheOldestLostInOrder) {
  VideoReassemblerConfig c;
  c.packet_size = 64;
  c.max_frames_in_flight = 2;
  auto r = VideoReassembler::create(c);
  ASSERT_TRUE(r);
  auto p = make_packetizer(64, 20);
  Collect sink;
  for (std::uint32_t f = 1; f <= 4; ++f) {
    const Datagrams d = packetize(p, f, random_bytes(100, f));
    r->receive(d[0], sink);  // one shard of each: never complete
  }
  EXPECT_EQ(sink.order, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(r->frames_in_flight(), 2U);
  EXPECT_EQ(r->counters().evicted, 2U);
  const Datagrams old = packetize(p, 1, random_bytes(100, 1));
  r->receive(old[1], sink);
  EXPECT_EQ(r->counters().late, 1U);
}

TEST(VideoReassembly, AByteLimitTooSmallForABlockDropsItsShards) {
  VideoReassemblerConfig c;
  c.packet_size = 64;
  c.max_bytes_in_flight = 4 * 80;  // a 3 + 2 block needs 5 shards
  auto r = VideoReassembler::create(c);
  ASSERT_TRUE(r);
  auto p = make_packetizer(64, 20);
  Collect sink;
  for (const auto& g : packetize(p, 1, random_bytes(100, 1))) {
    r->receive(g, sink);
  }
  EXPECT_EQ(r->counters().dropped, 5U);
  EXPECT_TRUE(sink.frames.empty());
}

TEST(VideoPackets, ConfigurationIsChecked) {
  EXPECT_FALSE(VideoPacketizer::create({.packet_size = 16}));
  EXPECT_FALSE(VideoPacketizer::create({.packet_size = 1024, .fec_percentage = 256}));
  EXPECT_FALSE(VideoReassembler::create({.packet_size = 70'000}));
  auto p = make_packetizer(64, 20);
  auto unset = p.packetize({.frame_index = 1, .frame_type = FrameType::unset});
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().code, Errc::invalid_argument);
}

// --- ping -------------------------------------------------------------------

TEST(VideoPing, BothFormsParse) {
  const std::vector<std::uint8_t> legacy = {'P', 'I', 'N', 'G'};
  auto a = parse_ping(legacy);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->payload);
  EXPECT_EQ(a->payload_view(), "");
  // SS_PING: char payload[16], BE32 sequenceNumber
  std::vector<std::uint8_t> ping = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F',
                                    0x00, 0x00, 0x01, 0x02};
  auto b = parse_ping(ping);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->payload_view(), "0123456789ABCDEF");
  EXPECT_EQ(b->sequence, 0x102U);
  ping.push_back(0xAA);
  EXPECT_TRUE(parse_ping(ping));
  ping.resize(19);
  EXPECT_FALSE(parse_ping(ping));
  EXPECT_FALSE(parse_ping(std::vector<std::uint8_t>{'P', 'O', 'N', 'G'}));
  EXPECT_FALSE(parse_ping({}));
}

}  // namespace
}  // namespace pf::gamestream
