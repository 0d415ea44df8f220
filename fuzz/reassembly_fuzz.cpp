// The receiver fed by an authenticated but malicious sender: every header
// field comes from the input and is sealed with the session key, so the
// fuzzer reaches the reassembly logic behind authentication. Raw datagrams
// are mixed in. Frames must come out in order, once, at their announced
// size, and memory must stay within the configured limits.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/transport/reassembler.hpp"

namespace {

using namespace pf::transport;

pf::crypto::SessionKey key() {
  pf::crypto::SessionKey k;
  k.key.fill(0x3C);
  return k;
}

struct CheckingSink final : FrameSink {
  pf::fuzz::AscendingIndexes order;
  void on_frame(const ReceivedFrame& f) override {
    order.next(f.frame_index);
    if (f.data.empty()) {
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ReceiverConfig config;
  config.max_frames_in_flight = 4;
  config.max_frame_bytes = 256 * 1024;
  config.max_bytes_in_flight = 1536 * 1024;  // 4 × a largest frame, and its parity room
  auto sealer = pf::crypto::Sealer::create(key(), pf::crypto::Direction::host_to_client);
  auto opener = pf::crypto::Opener::create(key(), pf::crypto::Direction::host_to_client);
  auto receiver = Reassembler::create(config, std::move(*opener));
  if (!sealer || !receiver) {
    std::abort();
  }
  CheckingSink sink;
  pf::TimePoint now{std::chrono::hours(1)};
  pf::SpanReader in(pf::Bytes(data, size));
  std::uint64_t sequence = 0;
  std::vector<std::uint8_t> datagram;
  for (int packets = 0; packets < 256 && in.remaining() >= kHeaderBytes; ++packets) {
    const std::uint8_t mode = in.u8();
    const pf::Bytes header = in.bytes(kHeaderBytes);
    const std::size_t payload = in.u16le() % 2048;
    datagram.assign(header.begin(), header.end());
    datagram.resize(kHeaderBytes + payload + kTagBytes, static_cast<std::uint8_t>(mode));
    if (mode % 8 != 0) {  // sealed with the session key under the next sequence number
      for (int i = 0; i < 7; ++i) {
        datagram[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sequence >> (8 * i));
      }
      std::vector<std::uint8_t> plain(payload, static_cast<std::uint8_t>(packets));
      if (!sealer->seal(sequence, pf::Bytes(datagram).first(kHeaderBytes), plain,
                        pf::MutableBytes(datagram).subspan(kHeaderBytes))) {
        std::abort();
      }
      ++sequence;
    }
    receiver->receive(datagram, now, sink);
    if (mode % 16 == 1) {
      receiver->receive(datagram, now, sink);  // a copy on the wire
    }
    now += std::chrono::milliseconds(mode % 32);
    receiver->poll(now, sink);
    if (receiver->frames_in_flight() > config.max_frames_in_flight ||
        receiver->buffer_bytes() > config.max_bytes_in_flight) {
      std::abort();
    }
  }
  return 0;
}
