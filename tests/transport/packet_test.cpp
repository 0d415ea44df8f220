// The packet header byte for byte, its validation, shard sizes from the MTU
// and the frame layout both ends compute.
#include <gtest/gtest.h>

#include <array>

#include "pf/transport/packet.hpp"

namespace pf::transport {
namespace {

PacketHeader sample() {
  PacketHeader h;
  h.stream = Stream::video;
  h.scheme = fec::Scheme::gf8;
  h.sequence = 0x00112233445566ULL;
  h.flags = kFlagKeyframe;
  h.capture_ns = 0x0102030405060708ULL;
  h.frame_index = 0xA0B0C0D0;
  h.frame_bytes = 100'000;
  h.block_index = 1;
  h.block_count = 2;
  h.data_shards = 36;
  h.parity_shards = 7;
  h.shard_index = 40;
  h.shard_bytes = 1408;
  return h;
}

TEST(PacketHeader, LayoutIsPinned) {
  std::array<std::uint8_t, kHeaderBytes> bytes{};
  write_header(sample(), bytes);
  const std::array<std::uint8_t, kHeaderBytes> expected = {
      0x9F, 0x01, 0x01, 0x01,                          // magic, version, stream, scheme
      0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00,        // sequence (56-bit LE)
      0x01,                                            // flags
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // capture_ns
      0xD0, 0xC0, 0xB0, 0xA0,                          // frame_index
      0xA0, 0x86, 0x01, 0x00,                          // frame_bytes 100000
      0x01, 0x00, 0x02, 0x00,                          // block 1 of 2
      0x24, 0x00, 0x07, 0x00,                          // 36 data, 7 parity
      0x28, 0x00, 0x80, 0x05,                          // shard 40, 1408 bytes
  };
  EXPECT_EQ(bytes, expected);
  PacketHeader back;
  ASSERT_EQ(parse_header(bytes, back), HeaderError::none);
  EXPECT_EQ(back.sequence, sample().sequence);
  EXPECT_EQ(back.capture_ns, sample().capture_ns);
  EXPECT_EQ(back.frame_index, sample().frame_index);
  EXPECT_EQ(back.shard_index, 40);
  EXPECT_EQ(back.scheme, fec::Scheme::gf8);
  EXPECT_EQ(back.flags, kFlagKeyframe);
}

HeaderError parse_mutated(void (*mutate)(PacketHeader&)) {
  PacketHeader h = sample();
  mutate(h);
  std::array<std::uint8_t, kHeaderBytes> bytes{};
  write_header(h, bytes);
  PacketHeader out;
  return parse_header(bytes, out);
}

TEST(PacketHeader, RefusesWhatDoesNotAddUp) {
  std::array<std::uint8_t, kHeaderBytes> bytes{};
  write_header(sample(), bytes);
  PacketHeader out;
  EXPECT_EQ(parse_header(Bytes(bytes).first(39), out), HeaderError::truncated);
  auto bad = bytes;
  bad[0] ^= 1;
  EXPECT_EQ(parse_header(bad, out), HeaderError::bad_magic);
  bad = bytes;
  bad[1] = 2;
  EXPECT_EQ(parse_header(bad, out), HeaderError::bad_version);
  bad = bytes;
  bad[2] = 0;
  EXPECT_EQ(parse_header(bad, out), HeaderError::bad_stream);
  bad[2] = 4;  // reserved (3 is audio)
  EXPECT_EQ(parse_header(bad, out), HeaderError::bad_stream);
  bad = bytes;
  bad[3] = 3;
  EXPECT_EQ(parse_header(bad, out), HeaderError::bad_scheme);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.shard_bytes = 100; }), HeaderError::bad_shard_size);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.block_index = 2; }), HeaderError::bad_shape);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.shard_index = 43; }), HeaderError::bad_shape);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.data_shards = 35; }), HeaderError::bad_shape)
      << "100000 bytes are 72 shards: 36 + 36 in 2 blocks";
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.parity_shards = 0; }), HeaderError::bad_shape);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.parity_shards = 37; }), HeaderError::bad_shape);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.data_shards = 250; h.block_count = 1; h.block_index = 0; h.frame_bytes = 250 * 1408; h.parity_shards = 6; }),
            HeaderError::bad_shape) << "256 shards exceed gf8";
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.frame_bytes = 0; }), HeaderError::bad_shape);
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.block_count = 100; h.block_index = 5; h.frame_bytes = 1000; }),
            HeaderError::bad_shape) << "more blocks than shards";
  EXPECT_EQ(parse_mutated([](PacketHeader& h) { h.scheme = fec::Scheme::gf16; h.shard_bytes = 1409; }),
            HeaderError::bad_shape) << "gf16 shards are even";
}

TEST(PacketHeader, ShardSizeFollowsTheMtu) {
  EXPECT_EQ(*shard_bytes_for_mtu(kDefaultPathMtu, IpFamily::v4), 1408U);
  EXPECT_EQ(*shard_bytes_for_mtu(kDefaultPathMtu, IpFamily::v6), 1388U);
  EXPECT_EQ(*shard_bytes_for_mtu(1500, IpFamily::v4), 1416U);
  EXPECT_EQ(*shard_bytes_for_mtu(kJumboPathMtu, IpFamily::v4), 8916U);
  EXPECT_EQ(*shard_bytes_for_mtu(1501, IpFamily::v4) % 2, 0U);
  EXPECT_FALSE(shard_bytes_for_mtu(576, IpFamily::v6).has_value());
  EXPECT_FALSE(shard_bytes_for_mtu(65000, IpFamily::v4).has_value());
  EXPECT_FALSE(shard_bytes_for_mtu(1500, IpFamily::unset).has_value());
}

TEST(FrameLayout, BlocksAreNearEqualAndCoverEveryShard) {
  for (std::uint32_t bytes : {1U, 1408U, 1409U, 100'000U, 1U << 20}) {
    for (std::uint32_t blocks = 1; blocks <= 9; ++blocks) {
      const FrameLayout l = FrameLayout::of(bytes, 1408, blocks);
      if (blocks > l.total_shards) {
        continue;
      }
      std::uint32_t next = 0;
      for (std::uint32_t b = 0; b < blocks; ++b) {
        EXPECT_EQ(l.first_shard(b), next);
        const std::uint32_t k = l.data_shards(b);
        EXPECT_GE(k, l.total_shards / blocks);
        EXPECT_LE(k, l.total_shards / blocks + 1);
        next += k;
      }
      EXPECT_EQ(next, l.total_shards);
    }
  }
}

}  // namespace
}  // namespace pf::transport
