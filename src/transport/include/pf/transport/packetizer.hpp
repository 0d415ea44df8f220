// Sender side of the data plane: one encoded frame in, every sealed
// datagram of it out. Sans-I/O: no sockets, threads or clocks.
//
// A frame is cut into shards of shard_bytes (the last data shard is sent
// only as long as it is; the receiver pads it with zeros), the shards into
// near-equal blocks that fit the FEC scheme at the parity percentage, and
// each block gets parity_shards(k, pct) parity shards. All data shards of
// all blocks leave before any parity, so a clean link delivers the frame
// without waiting for parity. Every datagram takes the next sequence number.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/aead.hpp"
#include "pf/fec/coder.hpp"
#include "pf/transport/packet.hpp"

namespace pf::transport {

struct SenderConfig {
  Stream stream = Stream::video;
  fec::Scheme scheme = fec::Scheme::gf16;
  std::uint32_t shard_bytes = 1408;
  /// Data shards per block at most; the scheme and the parity percentage may cap it lower.
  std::uint32_t max_data_per_block = 4096;
};

struct FrameMeta {
  std::uint32_t frame_index = 0;
  std::uint64_t capture_ns = 0;
  std::uint8_t flags = 0;  ///< kFlagKeyframe, kFlagRecoveryPoint
};

class Packetizer {
 public:
  /// Errc::invalid_argument for a shard size outside [kMinShardBytes,
  /// kMaxShardBytes] or not a multiple the scheme needs.
  [[nodiscard]] static Result<Packetizer> create(const SenderConfig& config, crypto::Sealer sealer);

  /// Every datagram of one frame, in send order; the views stay valid until
  /// the next call. parity_pct is clamped to [1, 50] (unused for Scheme::none).
  /// Errors: invalid_argument (empty frame, or more than 65,535 blocks),
  /// limit_reached (the sealer's sequence space is exhausted: rekey).
  [[nodiscard]] Result<std::span<const Bytes>> packetize(const FrameMeta& meta, Bytes frame,
                                                         std::uint32_t parity_pct);

  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return sequence_; }
  [[nodiscard]] const SenderConfig& config() const noexcept { return config_; }

 private:
  Packetizer(const SenderConfig& config, crypto::Sealer sealer, std::unique_ptr<fec::Coder> coder)
      : config_(config), sealer_(std::move(sealer)), coder_(std::move(coder)) {}

  Status emit(const PacketHeader& header, Bytes payload, std::size_t slot);

  SenderConfig config_;
  crypto::Sealer sealer_;
  std::unique_ptr<fec::Coder> coder_;  ///< null for Scheme::none
  std::uint64_t sequence_ = 0;
  std::vector<std::uint8_t> arena_;    ///< one datagram per slot, slot_bytes apart
  std::vector<Bytes> datagrams_;
  std::vector<std::uint8_t> last_shard_;  ///< the frame's last data shard, zero-padded
  std::vector<const std::uint8_t*> data_;
  std::vector<std::uint8_t*> parity_;
};

}  // namespace pf::transport
