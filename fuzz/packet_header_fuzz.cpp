// A datagram header as anyone on the path could send it: parse_header must
// never read past the input, and whatever it accepts must be consistent and
// re-encode to the same 40 bytes.
#include <array>
#include <cstdlib>
#include <cstring>

#include "fuzz_target.hpp"
#include "pf/transport/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pf::transport;
  PacketHeader h;
  if (parse_header(pf::Bytes(data, size), h) != HeaderError::none) {
    return 0;
  }
  std::array<std::uint8_t, kHeaderBytes> again{};
  write_header(h, again);
  const FrameLayout layout = FrameLayout::of(h.frame_bytes, h.shard_bytes, h.block_count);
  if (size < kHeaderBytes || std::memcmp(again.data(), data, kHeaderBytes) != 0 ||
      h.block_index >= h.block_count || h.data_shards != layout.data_shards(h.block_index) ||
      h.shard_index >= h.data_shards + h.parity_shards ||
      layout.first_shard(h.block_index) + h.data_shards > layout.total_shards) {
    std::abort();
  }
  return 0;
}
