// A sender and a receiver wired back to back with one session key, and a
// sink that records what the receiver reports.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "pf/transport/packetizer.hpp"
#include "pf/transport/reassembler.hpp"

namespace pf::transport::testing {

inline crypto::SessionKey fixed_key() {
  crypto::SessionKey k;
  for (std::size_t i = 0; i < k.key.size(); ++i) {
    k.key[i] = static_cast<std::uint8_t>(0x30 + i);
  }
  k.salt = {9, 8, 7, 6};
  return k;
}

struct RecordingSink final : FrameSink {
  std::map<std::uint32_t, std::vector<std::uint8_t>> frames;
  std::vector<std::uint32_t> order;  ///< delivered and lost indices, as reported
  std::vector<std::uint32_t> lost;
  std::uint32_t recovered_shards = 0;

  void on_frame(const ReceivedFrame& f) override {
    frames[f.frame_index].assign(f.data.begin(), f.data.end());
    order.push_back(f.frame_index);
    recovered_shards += f.recovered_shards;
  }
  void on_lost(std::uint32_t first, std::uint32_t count) override {
    for (std::uint32_t i = 0; i < count; ++i) {
      lost.push_back(first + i);
      order.push_back(first + i);
    }
  }
};

struct Loopback {
  Packetizer sender;
  Reassembler receiver;
  RecordingSink sink;
  TimePoint now{std::chrono::hours(1)};

  static Loopback make(const SenderConfig& sc, const ReceiverConfig& rc = {}) {
    auto sealer = crypto::Sealer::create(fixed_key(), crypto::Direction::host_to_client);
    auto opener = crypto::Opener::create(fixed_key(), crypto::Direction::host_to_client);
    EXPECT_TRUE(sealer && opener);
    auto p = Packetizer::create(sc, std::move(*sealer));
    auto r = Reassembler::create(rc, std::move(*opener));
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return Loopback{std::move(*p), std::move(*r), {}, {}};
  }

  /// Copies of every datagram of one frame.
  std::vector<std::vector<std::uint8_t>> packetize(std::uint32_t index, const std::vector<std::uint8_t>& frame,
                                                   std::uint32_t pct) {
    FrameMeta meta;
    meta.frame_index = index;
    meta.capture_ns = 1000 + index;
    auto out = sender.packetize(meta, frame, pct);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
    std::vector<std::vector<std::uint8_t>> copies;
    for (const Bytes& d : *out) {
      copies.emplace_back(d.begin(), d.end());
    }
    return copies;
  }

  void deliver(const std::vector<std::uint8_t>& datagram) { receiver.receive(datagram, now, sink); }
};

inline std::vector<std::uint8_t> pattern(std::size_t bytes, std::uint32_t seed) {
  std::vector<std::uint8_t> v(bytes);
  std::uint32_t x = seed * 2654435761U + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return v;
}

}  // namespace pf::transport::testing
