#include "pf/transport/packetizer.hpp"

#include <algorithm>
#include <cstring>

#include "pf/fec/parity.hpp"

namespace pf::transport {

Result<Packetizer> Packetizer::create(const SenderConfig& config, crypto::Sealer sealer) {
  if (config.shard_bytes < kMinShardBytes || config.shard_bytes > kMaxShardBytes ||
      config.stream == Stream::unset ||
      !fec::valid_shape(config.scheme, 1, config.scheme == fec::Scheme::none ? 0 : 1, config.shard_bytes)) {
    return fail(Errc::invalid_argument, "sender: shard size {} does not suit scheme {}",
                config.shard_bytes, fec::to_string(config.scheme));
  }
  std::unique_ptr<fec::Coder> coder;
  if (config.scheme != fec::Scheme::none) {
    auto made = fec::make_coder(config.scheme);
    if (!made) {
      return tl::unexpected(made.error());
    }
    coder = std::move(*made);
  }
  return Packetizer(config, std::move(sealer), std::move(coder));
}

Result<std::span<const Bytes>> Packetizer::packetize(const FrameMeta& meta, Bytes frame,
                                                     std::uint32_t parity_pct) {
  const std::uint32_t shard = config_.shard_bytes;
  if (frame.empty() || frame.size() > UINT32_MAX - shard) {
    return fail(Errc::invalid_argument, "sender: frame of {} bytes", frame.size());
  }
  const auto frame_bytes = static_cast<std::uint32_t>(frame.size());
  const std::uint32_t total = (frame_bytes + shard - 1) / shard;
  const std::uint32_t per_block = fec::max_data_per_block(config_.scheme, parity_pct, config_.max_data_per_block);
  const std::uint32_t blocks = (total + per_block - 1) / per_block;
  if (blocks > UINT16_MAX) {
    return fail(Errc::invalid_argument, "sender: frame of {} bytes needs {} blocks", frame_bytes, blocks);
  }
  const FrameLayout layout = FrameLayout::of(frame_bytes, shard, blocks);
  const auto parity_of = [&](std::uint32_t b) -> std::uint32_t {
    if (config_.scheme == fec::Scheme::none) {
      return 0;
    }
    const std::uint32_t k = layout.data_shards(b);
    return std::min(fec::parity_shards(k, parity_pct), max_parity_for(k));
  };
  std::size_t packets = total;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    packets += parity_of(b);
  }
  const std::size_t slot_bytes = kOverheadBytes + shard;
  if (arena_.size() < packets * slot_bytes) {
    arena_.resize(packets * slot_bytes);
  }
  datagrams_.clear();

  PacketHeader h;
  h.stream = config_.stream;
  h.scheme = config_.scheme;
  h.flags = meta.flags;
  h.capture_ns = meta.capture_ns;
  h.frame_index = meta.frame_index;
  h.frame_bytes = frame_bytes;
  h.block_count = static_cast<std::uint16_t>(blocks);
  h.shard_bytes = static_cast<std::uint16_t>(shard);

  // Data shards of every block first.
  for (std::uint32_t b = 0; b < blocks; ++b) {
    h.block_index = static_cast<std::uint16_t>(b);
    h.data_shards = static_cast<std::uint16_t>(layout.data_shards(b));
    h.parity_shards = static_cast<std::uint16_t>(parity_of(b));
    for (std::uint32_t i = 0; i < h.data_shards; ++i) {
      const std::size_t offset = std::size_t{layout.first_shard(b) + i} * shard;
      h.shard_index = static_cast<std::uint16_t>(i);
      if (auto st = emit(h, frame.subspan(offset, std::min<std::size_t>(shard, frame_bytes - offset)),
                         datagrams_.size());
          !st) {
        return tl::unexpected(st.error());
      }
    }
  }
  if (config_.scheme == fec::Scheme::none) {
    return std::span<const Bytes>(datagrams_);
  }

  // Then parity, block by block, encoded straight into the datagrams' payload
  // and sealed in place.
  if (frame_bytes % shard != 0) {
    const std::size_t tail = frame_bytes % shard;
    last_shard_.assign(shard, 0);
    std::memcpy(last_shard_.data(), frame.data() + frame_bytes - tail, tail);
  }
  for (std::uint32_t b = 0; b < blocks; ++b) {
    const std::uint32_t k = layout.data_shards(b);
    const std::uint32_t m = parity_of(b);
    const std::size_t first_slot = datagrams_.size();
    data_.resize(k);
    parity_.resize(m);
    for (std::uint32_t i = 0; i < k; ++i) {
      const std::uint32_t g = layout.first_shard(b) + i;
      const bool partial_last = g + 1 == total && frame_bytes % shard != 0;
      data_[i] = partial_last ? last_shard_.data() : frame.data() + std::size_t{g} * shard;
    }
    for (std::uint32_t j = 0; j < m; ++j) {
      parity_[j] = arena_.data() + (first_slot + j) * slot_bytes + kHeaderBytes;
    }
    if (auto st = coder_->encode(data_, parity_, shard); !st) {
      return tl::unexpected(st.error());
    }
    h.block_index = static_cast<std::uint16_t>(b);
    h.data_shards = static_cast<std::uint16_t>(k);
    h.parity_shards = static_cast<std::uint16_t>(m);
    for (std::uint32_t j = 0; j < m; ++j) {
      h.shard_index = static_cast<std::uint16_t>(k + j);
      if (auto st = emit(h, Bytes(parity_[j], shard), datagrams_.size()); !st) {
        return tl::unexpected(st.error());
      }
    }
  }
  return std::span<const Bytes>(datagrams_);
}

// Writes header ‖ sealed payload into arena slot `slot` (the payload may
// already sit there: sealing is in place then).
Status Packetizer::emit(const PacketHeader& header, Bytes payload, std::size_t slot) {
  const std::size_t slot_bytes = kOverheadBytes + config_.shard_bytes;
  std::uint8_t* out = arena_.data() + slot * slot_bytes;
  PacketHeader h = header;
  h.sequence = sequence_;
  write_header(h, MutableBytes(out, kHeaderBytes));
  const MutableBytes sealed(out + kHeaderBytes, payload.size() + kTagBytes);
  if (auto st = sealer_.seal(sequence_, Bytes(out, kHeaderBytes), payload, sealed); !st) {
    return st;
  }
  ++sequence_;
  datagrams_.emplace_back(out, kOverheadBytes + payload.size());
  return ok();
}

}  // namespace pf::transport
