// GameStream audio packets: the RTP and FEC bytes a Moonlight client reads
// (checked field by field against its structs), encryption, and recovery of
// every pattern of up to two lost packets per FEC block.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "pf/gamestream/audio_packets.hpp"

namespace pf::gamestream {
namespace {

using Datagrams = std::vector<std::vector<std::uint8_t>>;

// GF(2^8)/0x11D multiplication done the slow way, independent of the code
// under test.
std::uint8_t slow_mul(std::uint8_t a, std::uint8_t b) {
  unsigned r = 0;
  unsigned x = a;
  for (unsigned y = b; y != 0; y >>= 1) {
    if ((y & 1U) != 0) {
      r ^= x;
    }
    x <<= 1;
    if ((x & 0x100U) != 0) {
      x ^= 0x11DU;
    }
  }
  return static_cast<std::uint8_t>(r);
}

std::vector<std::uint8_t> opus(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) {
    b = static_cast<std::uint8_t>(rng());
  }
  v[0] = 0xFC;  // a plausible TOC byte
  return v;
}

AesKey test_key(std::uint8_t v = 0x5A) {
  AesKey k;
  k.fill(v);
  return k;
}

AudioPacketizer make_packetizer(bool encrypt, std::uint32_t rikeyid = 0x01020304, std::uint16_t first = 0) {
  auto p = AudioPacketizer::create({.encrypt = encrypt,
                                    .key = test_key(),
                                    .rikeyid = rikeyid,
                                    .packet_duration_ms = 5,
                                    .first_sequence = first,
                                    .first_timestamp = 1000});
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

AudioReassembler make_reassembler(bool encrypted, std::uint32_t rikeyid = 0x01020304, std::uint16_t first = 0) {
  auto r = AudioReassembler::create({.encrypted = encrypted,
                                     .key = test_key(),
                                     .rikeyid = rikeyid,
                                     .packet_duration_ms = 5,
                                     .first_sequence = first});
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

Datagrams send(AudioPacketizer& p, const std::vector<std::uint8_t>& packet) {
  auto r = p.packetize(packet);
  EXPECT_TRUE(r) << r.error().message;
  Datagrams out;
  if (r) {
    for (const Bytes& d : *r) {
      out.emplace_back(d.begin(), d.end());
    }
  }
  return out;
}

struct Collect final : AudioPacketSink {
  std::map<std::uint16_t, std::vector<std::uint8_t>> packets;
  std::map<std::uint16_t, std::uint32_t> timestamps;
  std::set<std::uint16_t> recovered;
  std::set<std::uint16_t> lost;
  std::vector<std::uint16_t> order;
  void on_packet(const ReassembledAudioPacket& p) override {
    packets[p.sequence].assign(p.opus.begin(), p.opus.end());
    timestamps[p.sequence] = p.timestamp;
    if (p.recovered) {
      recovered.insert(p.sequence);
    }
    order.push_back(p.sequence);
  }
  void on_lost(std::uint16_t first, std::uint32_t count) override {
    ASSERT_GT(count, 0U);
    for (std::uint32_t i = 0; i < count; ++i) {
      lost.insert(static_cast<std::uint16_t>(first + i));
      order.push_back(static_cast<std::uint16_t>(first + i));
    }
  }
};

TEST(AudioPackets, DataAndFecPacketsMatchTheClientsStructs) {
  auto p = make_packetizer(false);
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<Datagrams> sent;
  for (std::uint32_t i = 0; i < 4; ++i) {
    payloads.push_back(opus(40, i));
    sent.push_back(send(p, payloads.back()));
  }
  ASSERT_EQ(sent[0].size(), 1U);
  ASSERT_EQ(sent[2].size(), 1U);
  ASSERT_EQ(sent[3].size(), 3U) << "the 4th data packet of a block brings the 2 FEC packets";
  // RTP_PACKET: 0x80, packetType 97, BE16 seq 2, BE32 ts 1000 + 2 × 5 ms, ssrc 0; then the Opus bytes.
  const std::vector<std::uint8_t> head = {0x80, 97, 0x00, 0x02, 0x00, 0x00, 0x03, 0xF2, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(sent[2][0].begin(), sent[2][0].begin() + 12), head);
  EXPECT_EQ(std::vector<std::uint8_t>(sent[2][0].begin() + 12, sent[2][0].end()), payloads[2]);
  for (std::uint32_t j = 0; j < 2; ++j) {
    const auto& fec = sent[3][1 + j];
    ASSERT_EQ(fec.size(), 12U + 12 + 40);
    // RTP_PACKET: packetType 127, seq = last data seq (3) + 1 + j, ts 0, ssrc 0
    const std::vector<std::uint8_t> rtp = {0x80, 127, 0x00, static_cast<std::uint8_t>(4 + j), 0, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(std::vector<std::uint8_t>(fec.begin(), fec.begin() + 12), rtp);
    // AUDIO_FEC_HEADER: fecShardIndex, payloadType 97, BE16 baseSequenceNumber 0,
    // BE32 baseTimestamp 1000, ssrc 0
    const std::vector<std::uint8_t> fh = {static_cast<std::uint8_t>(j), 97, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,
                                          0, 0, 0, 0};
    EXPECT_EQ(std::vector<std::uint8_t>(fec.begin() + 12, fec.begin() + 24), fh);
    for (std::size_t k = 0; k < 40; ++k) {
      std::uint8_t want = 0;
      for (std::size_t i = 0; i < 4; ++i) {
        want ^= slow_mul(kAudioFecMatrix[j][i], payloads[i][k]);
      }
      ASSERT_EQ(fec[24 + k], want) << "FEC " << j << " byte " << k;
    }
  }
  EXPECT_EQ(kAudioFecMatrix[0], (std::array<std::uint8_t, 4>{0x77, 0x40, 0x38, 0x0e}));
  EXPECT_EQ(kAudioFecMatrix[1], (std::array<std::uint8_t, 4>{0xc7, 0xa7, 0x0d, 0x6c}));
  EXPECT_EQ(p.counters().fec_packets, 2U);
}

TEST(AudioPackets, EncryptedPayloadsAreCbcUnderTheSequenceIv) {
  auto p = make_packetizer(true, 0xFFFFFFFE);  // rikeyid + seq wraps in 32 bits
  for (std::uint16_t seq = 0; seq < 4; ++seq) {
    const auto packet = opus(35 + seq * 16U, seq);
    const Datagrams d = send(p, packet);
    const auto& g = d[0];
    EXPECT_EQ(g.size(), 12 + (packet.size() / 16 + 1) * 16) << "PKCS#7 always pads";
    const AesBlock iv = audio_iv(0xFFFFFFFE, seq);
    const std::uint32_t word = 0xFFFFFFFEU + seq;
    EXPECT_EQ(iv[0], word >> 24);
    EXPECT_EQ(iv[3], word & 0xFF);
    EXPECT_TRUE(std::all_of(iv.begin() + 4, iv.end(), [](std::uint8_t b) { return b == 0; }));
    auto clear = aes_cbc_decrypt(test_key(), iv, Bytes(g).subspan(12));
    ASSERT_TRUE(clear) << clear.error().message;
    EXPECT_EQ(*clear, packet);
    EXPECT_EQ(d.size(), 1U) << "payload sizes differ within the block: no FEC";
  }
  EXPECT_EQ(p.counters().fec_blocks_skipped, 1U);
}

TEST(AudioPackets, SizesAndStartAreChecked) {
  auto p = make_packetizer(true);
  EXPECT_FALSE(p.packetize({}));
  auto big = p.packetize(opus(1376, 1));  // 1392 bytes after padding: the FEC packet would not fit 1400
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::overflow);
  const Datagrams d = send(p, opus(1375, 2));  // 1376 after padding: the largest
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ((d[0][2] << 8) | d[0][3], 0) << "a refused packet uses no sequence number";
  EXPECT_FALSE(AudioPacketizer::create({.first_sequence = 2}));
  EXPECT_FALSE(AudioPacketizer::create({.packet_duration_ms = 0}));
  EXPECT_FALSE(AudioReassembler::create({.first_sequence = 1}));
}

// Every pattern of up to 2 lost packets among a block's 4 data and 2 FEC
// packets is repaired, byte-exact, with or without encryption.
void every_pattern(bool encrypt) {
  for (unsigned mask = 0; mask < 64; ++mask) {
    if (__builtin_popcount(mask) > 2) {
      continue;
    }
    auto p = make_packetizer(encrypt);
    auto r = make_reassembler(encrypt);
    Collect sink;
    std::vector<std::vector<std::uint8_t>> sent;
    Datagrams block;
    for (std::uint32_t i = 0; i < 4; ++i) {
      sent.push_back(opus(encrypt ? 40 + i : 60, 100 * mask + i));  // CBR once encrypted: 48 bytes each
      for (auto& d : send(p, sent.back())) {
        block.push_back(std::move(d));
      }
    }
    ASSERT_EQ(block.size(), 6U);
    for (unsigned k = 0; k < 6; ++k) {
      if ((mask & (1U << k)) == 0) {
        r.receive(block[k], sink);
      }
    }
    for (std::uint16_t s = 0; s < 4; ++s) {
      ASSERT_EQ(sink.packets.count(s), 1U) << "mask " << mask << " seq " << s;
      EXPECT_EQ(sink.packets[s], sent[s]) << "mask " << mask << " seq " << s;
      EXPECT_EQ(sink.timestamps[s], 1000U + 5U * s);
      EXPECT_EQ(sink.recovered.count(s), (mask & (1U << s)) != 0 ? 1U : 0U);
    }
    EXPECT_TRUE(sink.lost.empty());
    EXPECT_EQ(sink.order, (std::vector<std::uint16_t>{0, 1, 2, 3}));
  }
}

TEST(AudioFec, EveryPatternOfUpToTwoLossesIsRepaired) { every_pattern(false); }
TEST(AudioFec, EveryPatternOfUpToTwoLossesIsRepairedEncrypted) { every_pattern(true); }

TEST(AudioFec, ThreeLossesInABlockAreReportedOnceTwoBlocksFollow) {
  auto p = make_packetizer(false);
  auto r = make_reassembler(false);
  Collect sink;
  std::vector<Datagrams> sent;
  for (std::uint32_t i = 0; i < 12; ++i) {
    sent.push_back(send(p, opus(60, i)));
  }
  // Block 0 loses data 1 and 2 and FEC 0: 3 of 6.
  r.receive(sent[0][0], sink);
  r.receive(sent[3][0], sink);
  r.receive(sent[3][2], sink);
  EXPECT_EQ(sink.order, (std::vector<std::uint16_t>{0}));
  for (std::uint32_t i = 4; i < 8; ++i) {
    for (const auto& d : sent[i]) {
      r.receive(d, sink);
    }
  }
  EXPECT_EQ(sink.order.size(), 1U) << "one block ahead still waits";
  r.receive(sent[8][0], sink);
  EXPECT_EQ(sink.lost, (std::set<std::uint16_t>{1, 2}));
  EXPECT_EQ(sink.order, (std::vector<std::uint16_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(r.counters().packets_lost, 2U);
}

TEST(AudioRoundTrip, SeededLossAndReorderAcrossTheSequenceWrap) {
  for (bool encrypt : {false, true}) {
    auto p = make_packetizer(encrypt, 77, 65'000);
    auto r = make_reassembler(encrypt, 77, 65'000);
    Collect sink;
    std::mt19937 rng(encrypt ? 11 : 12);
    std::bernoulli_distribution drop(0.08);
    std::map<std::uint16_t, std::vector<std::uint8_t>> sent;
    Datagrams window;
    std::set<std::uint16_t> repairable;
    std::vector<unsigned> block_losses;
    for (std::uint32_t i = 0; i < 2000; ++i) {
      const auto seq = static_cast<std::uint16_t>(65'000 + i);
      sent[seq] = opus(encrypt ? 100 : 120, i);
      for (auto& d : send(p, sent[seq])) {
        if (!drop(rng)) {
          window.push_back(std::move(d));
        }
      }
      if (window.size() >= 8) {  // reorder a little
        std::shuffle(window.begin(), window.end(), rng);
        for (const auto& d : window) {
          r.receive(d, sink);
        }
        window.clear();
      }
    }
    for (const auto& d : window) {
      r.receive(d, sink);
    }
    r.flush(sink);
    for (const auto& [seq, packet] : sent) {
      if (sink.packets.count(seq) != 0) {
        EXPECT_EQ(sink.packets[seq], packet) << seq;
      } else {
        EXPECT_EQ(sink.lost.count(seq), 1U) << seq;
      }
    }
    EXPECT_EQ(sink.order.size(), 2000U);
    for (std::size_t i = 1; i < sink.order.size(); ++i) {
      EXPECT_EQ(static_cast<std::uint16_t>(sink.order[i - 1] + 1), sink.order[i]) << "in order, each once";
    }
    EXPECT_GT(r.counters().packets_recovered, 50U);
    EXPECT_LT(r.counters().packets_lost, r.counters().packets_recovered);
  }
}

TEST(AudioReassembly, HostileDatagramsAreCountedNotTrusted) {
  auto p = make_packetizer(false);
  auto r = make_reassembler(false);
  Collect sink;
  Datagrams all;
  for (std::uint32_t i = 0; i < 4; ++i) {
    for (auto& d : send(p, opus(30, i))) {
      all.push_back(std::move(d));
    }
  }
  auto with = [&](std::size_t which, std::size_t at, std::uint8_t v) {
    std::vector<std::uint8_t> g = all[which];
    g[at] = v;
    r.receive(g, sink);
  };
  r.receive({}, sink);
  r.receive(Bytes(all[0]).first(12), sink);  // no payload
  r.receive(std::vector<std::uint8_t>(1401, 0x80), sink);
  with(0, 0, 0x40);   // RTP version 1
  with(0, 1, 96);     // another payload type
  with(4, 12, 2);     // FEC shard index 2
  with(4, 13, 98);    // FEC for another payload type
  with(4, 15, 1);     // FEC block base not a multiple of 4
  EXPECT_EQ(r.counters().malformed, 8U);
  EXPECT_TRUE(sink.order.empty());
  r.receive(all[0], sink);
  r.receive(all[0], sink);
  EXPECT_EQ(r.counters().late, 1U);
  r.receive(all[2], sink);
  r.receive(all[2], sink);
  EXPECT_EQ(r.counters().duplicate, 1U);
  std::vector<std::uint8_t> shorter(all[4].begin(), all[4].end() - 1);
  r.receive(all[5], sink);
  r.receive(shorter, sink);
  EXPECT_EQ(r.counters().inconsistent, 1U);
}

}  // namespace
}  // namespace pf::gamestream
