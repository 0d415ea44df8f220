// GameStream video as a hostile host (or a forger on the path) sends it: the
// client-side reassembler fed datagrams from the input. An input is a mode
// byte (bit 0: the stream is encrypted), then records of [u8 kind][LE16
// length][bytes]: with encryption, an odd kind has the harness seal the
// bytes as a shard under the session key, so the fuzzer reaches the logic
// behind authentication; otherwise the bytes are the datagram. Every
// datagram also goes through the ping parser. Frames must come out in
// order, once, no larger than the protocol allows, and memory must stay
// within the configured limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/gamestream/video_packets.hpp"

namespace {

using namespace pf::gamestream;

constexpr std::uint32_t kPacketSize = 64;  // 80-byte shards, 48 frame bytes each
constexpr std::size_t kMaxBytes = std::size_t{1} << 20;

struct CheckingSink final : VideoFrameSink {
  pf::fuzz::AscendingIndexes order;
  void on_frame(const ReassembledVideoFrame& f) override {
    order.next(f.frame_index);
    if (f.access_unit.size() > std::size_t{kMaxVideoFecBlocks} * kMaxVideoBlockShards * (kPacketSize - 16) ||
        f.fec_blocks == 0 || f.fec_blocks > kMaxVideoFecBlocks) {
      std::abort();
    }
  }
  void on_lost(std::uint32_t first, std::uint32_t count) override {
    if (count == 0) {
      std::abort();
    }
    order.next(first + count - 1);
  }
};

AesKey session_key() {
  AesKey k;
  k.fill(0x3C);
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pf::SpanReader in(pf::Bytes(data, size));
  const bool encrypted = (in.u8() & 1U) != 0;
  VideoReassemblerConfig config;
  config.packet_size = kPacketSize;
  config.encrypted = encrypted;
  config.key = session_key();
  config.max_frames_in_flight = 4;
  config.max_bytes_in_flight = kMaxBytes;
  auto receiver = VideoReassembler::create(config);
  auto gcm = AesGcm::create(session_key());
  if (!receiver || !gcm) {
    std::abort();
  }
  CheckingSink sink;
  std::uint64_t iv_counter = 0;
  std::vector<std::uint8_t> datagram;
  for (int records = 0; records < 4096 && in.remaining() >= 3; ++records) {
    const std::uint8_t kind = in.u8();
    const pf::Bytes bytes = in.bytes(std::min<std::size_t>(in.u16le(), in.remaining()));
    if (encrypted && (kind & 1U) != 0) {
      const pf::Bytes shard = bytes.first(std::min<std::size_t>(bytes.size(), kPacketSize + 16));
      datagram.assign(kEncVideoHeaderBytes + shard.size(), 0);
      for (int i = 0; i < 8; ++i) {
        datagram[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(iv_counter >> (8 * i));
      }
      ++iv_counter;
      if (shard.size() >= 24) {
        std::memcpy(datagram.data() + 12, shard.data() + 20, 4);  // the frame index, as the host writes it
      }
      const pf::MutableBytes out(datagram.data() + kEncVideoHeaderBytes, shard.size());
      if (!gcm->seal(pf::Bytes(datagram).first(12), shard, out,
                     std::span<std::uint8_t, kGcmTagBytes>(datagram.data() + 16, kGcmTagBytes))) {
        std::abort();
      }
    } else {
      datagram.assign(bytes.begin(), bytes.end());
    }
    if (const auto ping = parse_ping(datagram); ping && ping->payload && ping->payload_view().size() != 16) {
      std::abort();
    }
    receiver->receive(datagram, sink);
    if (receiver->bytes_in_flight() > kMaxBytes || receiver->frames_in_flight() > 4) {
      std::abort();
    }
  }
  receiver->flush(sink);
  if (receiver->frames_in_flight() != 0 || receiver->bytes_in_flight() != 0) {
    std::abort();
  }
  return 0;
}
