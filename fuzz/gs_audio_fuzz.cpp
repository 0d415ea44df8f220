// GameStream audio as a hostile host sends it: the client-side reassembler
// fed datagrams from the input. An input is a mode byte (bit 0: encrypted
// audio), then records of [LE16 length][bytes], each one datagram. Packets
// must come out one sequence number after another, each delivered or
// reported lost exactly once, none larger than a datagram.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_target.hpp"
#include "pf/gamestream/audio_packets.hpp"

namespace {

using namespace pf::gamestream;

struct CheckingSink final : AudioPacketSink {
  std::uint16_t expected = 0;
  void on_packet(const ReassembledAudioPacket& p) override {
    if (p.sequence != expected || p.opus.empty() || p.opus.size() > kMaxAudioDatagramBytes) {
      std::abort();
    }
    ++expected;
  }
  void on_lost(std::uint16_t first, std::uint32_t count) override {
    if (first != expected || count == 0 || count > 0xFFFF) {
      std::abort();
    }
    expected = static_cast<std::uint16_t>(expected + count);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pf::SpanReader in(pf::Bytes(data, size));
  AudioReassemblerConfig config;
  config.encrypted = (in.u8() & 1U) != 0;
  config.key.fill(0x3C);
  config.rikeyid = 0x01020304;
  auto receiver = AudioReassembler::create(config);
  if (!receiver) {
    std::abort();
  }
  CheckingSink sink;
  for (int records = 0; records < 4096 && in.remaining() >= 2; ++records) {
    const pf::Bytes datagram = in.bytes(std::min<std::size_t>(in.u16le(), in.remaining()));
    receiver->receive(datagram, sink);
  }
  receiver->flush(sink);
  return 0;
}
