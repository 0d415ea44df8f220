// The data-plane packet: a fixed 40-byte header, sent in the clear and
// authenticated as AES-GCM associated data, then one sealed shard:
//
//   datagram = header (40) ‖ AES-128-GCM(shard) ‖ tag (16)
//
// docs/protocol.md describes every byte. All integers are little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/aead.hpp"
#include "pf/fec/coder.hpp"

namespace pf::transport {

inline constexpr std::uint8_t kMagic = 0x9F;
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderBytes = 40;
inline constexpr std::size_t kTagBytes = crypto::kTagBytes;
inline constexpr std::size_t kOverheadBytes = kHeaderBytes + kTagBytes;
inline constexpr std::size_t kMaxDatagramBytes = 9216;
inline constexpr std::size_t kMinShardBytes = 512;
inline constexpr std::size_t kMaxShardBytes = kMaxDatagramBytes - kOverheadBytes;

/// Which stream of a session a packet belongs to; on the wire, never renumbered.
enum class Stream : std::uint8_t {
  unset = 0,
  video = 1,
  feedback = 2,  ///< client → host: keep-alive and path probe (the host learns the client's address)
  audio = 3,     ///< host → client: one 5 ms Opus frame per packet (sealed with Direction::host_to_client_audio)
};

/// Frame flags (header byte 11). Unknown bits are ignored by receivers.
inline constexpr std::uint8_t kFlagKeyframe = 0x01;       ///< the frame decodes on its own
inline constexpr std::uint8_t kFlagRecoveryPoint = 0x02;  ///< decoding is clean again from here

struct PacketHeader {
  Stream stream = Stream::unset;
  fec::Scheme scheme = fec::Scheme::none;
  std::uint64_t sequence = 0;    ///< per direction, strictly increasing; < 2^56 (the nonce's)
  std::uint8_t flags = 0;
  std::uint64_t capture_ns = 0;  ///< the frame's capture time on the sender's clock
  std::uint32_t frame_index = 0;
  std::uint32_t frame_bytes = 0;   ///< the whole frame
  std::uint16_t block_index = 0;
  std::uint16_t block_count = 0;
  std::uint16_t data_shards = 0;   ///< of this block
  std::uint16_t parity_shards = 0; ///< of this block
  std::uint16_t shard_index = 0;   ///< within the block: data first, then parity
  std::uint16_t shard_bytes = 0;   ///< every shard of the frame (the last data shard may be shorter on the wire)
};

/// Writes exactly kHeaderBytes. `out` must be at least that long.
void write_header(const PacketHeader& header, MutableBytes out) noexcept;

/// Why a header was refused; on the receive path, so no allocation.
enum class HeaderError : std::uint8_t {
  none = 0,
  truncated = 1,     ///< shorter than kHeaderBytes
  bad_magic = 2,
  bad_version = 3,
  bad_stream = 4,
  bad_scheme = 5,
  bad_shard_size = 6,
  bad_shape = 7,     ///< counts that contradict each other, the scheme or the frame size
};

[[nodiscard]] std::string_view to_string(HeaderError error) noexcept;

/// Parses and checks one header: magic, version, stream, scheme, and every
/// count against the others and the scheme's limits. Never reads past
/// `datagram` and never allocates. `out` is meaningful only on none.
[[nodiscard]] HeaderError parse_header(Bytes datagram, PacketHeader& out) noexcept;

/// Internet protocol of the path, for the shard size.
enum class IpFamily : std::uint8_t { unset = 0, v4 = 1, v6 = 2 };

/// The default path MTU: 1492 fits plain Ethernet and PPPoE links alike.
inline constexpr std::size_t kDefaultPathMtu = 1492;
inline constexpr std::size_t kJumboPathMtu = 9000;

/// The largest even shard that fits one datagram on a path of `mtu` bytes:
/// mtu − IP header (20 / 40) − UDP (8) − kOverheadBytes, rounded down to
/// even; 1408 (IPv4) and 1388 (IPv6) at the default MTU. Errc::invalid_argument
/// below kMinShardBytes or above kMaxShardBytes.
[[nodiscard]] Result<std::size_t> shard_bytes_for_mtu(std::size_t mtu, IpFamily family);

/// How a frame of `frame_bytes` splits into `block_count` blocks of shards of
/// `shard_bytes`: shards are numbered across the frame, and block b holds
/// data shards [first_shard(b), first_shard(b) + data_shards(b)). Both ends
/// compute it; the header carries only the counts.
struct FrameLayout {
  std::uint32_t total_shards = 0;
  std::uint32_t block_count = 0;

  /// ceil(frame_bytes / shard_bytes) shards in block_count near-equal blocks.
  [[nodiscard]] static FrameLayout of(std::uint32_t frame_bytes, std::uint32_t shard_bytes,
                                      std::uint32_t block_count) noexcept;
  [[nodiscard]] std::uint32_t data_shards(std::uint32_t block) const noexcept;
  [[nodiscard]] std::uint32_t first_shard(std::uint32_t block) const noexcept;
};

/// The most parity shards a receiver stores for a block of k data shards:
/// max(2, k). Senders stay within it (the parity policy caps at 50 %).
[[nodiscard]] constexpr std::uint32_t max_parity_for(std::uint32_t data_shards) noexcept {
  return data_shards < 2 ? 2 : data_shards;
}

}  // namespace pf::transport
