#include "pf/transport/packet.hpp"

namespace pf::transport {
namespace {

void put_le(std::uint8_t* p, std::uint64_t v, std::size_t bytes) noexcept {
  for (std::size_t i = 0; i < bytes; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

}  // namespace

void write_header(const PacketHeader& h, MutableBytes out) noexcept {
  std::uint8_t* p = out.data();
  p[0] = kMagic;
  p[1] = kVersion;
  p[2] = static_cast<std::uint8_t>(h.stream);
  p[3] = static_cast<std::uint8_t>(h.scheme);
  put_le(p + 4, h.sequence, 7);
  p[11] = h.flags;
  put_le(p + 12, h.capture_ns, 8);
  put_le(p + 20, h.frame_index, 4);
  put_le(p + 24, h.frame_bytes, 4);
  put_le(p + 28, h.block_index, 2);
  put_le(p + 30, h.block_count, 2);
  put_le(p + 32, h.data_shards, 2);
  put_le(p + 34, h.parity_shards, 2);
  put_le(p + 36, h.shard_index, 2);
  put_le(p + 38, h.shard_bytes, 2);
}

std::string_view to_string(HeaderError error) noexcept {
  switch (error) {
    case HeaderError::none: return "none";
    case HeaderError::truncated: return "truncated";
    case HeaderError::bad_magic: return "bad_magic";
    case HeaderError::bad_version: return "bad_version";
    case HeaderError::bad_stream: return "bad_stream";
    case HeaderError::bad_scheme: return "bad_scheme";
    case HeaderError::bad_shard_size: return "bad_shard_size";
    case HeaderError::bad_shape: return "bad_shape";
  }
  return "unknown";
}

HeaderError parse_header(Bytes datagram, PacketHeader& h) noexcept {
  SpanReader r(datagram);
  const std::uint8_t magic = r.u8();
  const std::uint8_t version = r.u8();
  h.stream = static_cast<Stream>(r.u8());
  const std::uint8_t scheme = r.u8();
  const std::uint64_t seq_low = r.u32le();
  const std::uint64_t seq_mid = r.u16le();
  const std::uint64_t seq_top = r.u8();
  h.sequence = seq_low | (seq_mid << 32) | (seq_top << 48);
  h.flags = r.u8();
  h.capture_ns = r.u64le();
  h.frame_index = r.u32le();
  h.frame_bytes = r.u32le();
  h.block_index = r.u16le();
  h.block_count = r.u16le();
  h.data_shards = r.u16le();
  h.parity_shards = r.u16le();
  h.shard_index = r.u16le();
  h.shard_bytes = r.u16le();
  if (!r.ok()) {
    return HeaderError::truncated;
  }
  if (magic != kMagic) {
    return HeaderError::bad_magic;
  }
  if (version != kVersion) {
    return HeaderError::bad_version;
  }
  if (h.stream != Stream::video && h.stream != Stream::feedback && h.stream != Stream::audio) {
    return HeaderError::bad_stream;
  }
  if (scheme > static_cast<std::uint8_t>(fec::Scheme::gf16)) {
    return HeaderError::bad_scheme;
  }
  h.scheme = static_cast<fec::Scheme>(scheme);
  if (h.shard_bytes < kMinShardBytes || h.shard_bytes > kMaxShardBytes) {
    return HeaderError::bad_shard_size;
  }
  if (!fec::valid_shape(h.scheme, h.data_shards, h.parity_shards, h.shard_bytes) ||
      h.parity_shards > max_parity_for(h.data_shards) || h.frame_bytes == 0 ||
      h.block_count == 0 || h.block_index >= h.block_count ||
      h.shard_index >= h.data_shards + h.parity_shards) {
    return HeaderError::bad_shape;
  }
  const FrameLayout layout = FrameLayout::of(h.frame_bytes, h.shard_bytes, h.block_count);
  if (h.block_count > layout.total_shards || h.data_shards != layout.data_shards(h.block_index)) {
    return HeaderError::bad_shape;
  }
  return HeaderError::none;
}

Result<std::size_t> shard_bytes_for_mtu(std::size_t mtu, IpFamily family) {
  const std::size_t ip = family == IpFamily::v6 ? 40 : 20;
  if (family == IpFamily::unset || mtu < ip + 8 + kOverheadBytes + kMinShardBytes) {
    return fail(Errc::invalid_argument, "path MTU {} leaves no room for a {}-byte shard", mtu,
                kMinShardBytes);
  }
  const std::size_t shard = (mtu - ip - 8 - kOverheadBytes) & ~std::size_t{1};
  if (shard > kMaxShardBytes) {
    return fail(Errc::invalid_argument, "path MTU {} exceeds the largest datagram ({} bytes)", mtu,
                kMaxDatagramBytes);
  }
  return shard;
}

FrameLayout FrameLayout::of(std::uint32_t frame_bytes, std::uint32_t shard_bytes,
                            std::uint32_t block_count) noexcept {
  FrameLayout l;
  l.total_shards = shard_bytes == 0 ? 0 : (frame_bytes + shard_bytes - 1) / shard_bytes;
  l.block_count = block_count;
  return l;
}

std::uint32_t FrameLayout::data_shards(std::uint32_t block) const noexcept {
  if (block_count == 0 || block >= block_count) {
    return 0;
  }
  return total_shards / block_count + (block < total_shards % block_count ? 1U : 0U);
}

std::uint32_t FrameLayout::first_shard(std::uint32_t block) const noexcept {
  if (block_count == 0) {
    return 0;
  }
  const std::uint32_t base = total_shards / block_count;
  const std::uint32_t extra = total_shards % block_count;
  return block * base + (block < extra ? block : extra);
}

}  // namespace pf::transport
