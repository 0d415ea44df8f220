#include <algorithm>
#include <vector>

#include "pf/audio/audio_payload.hpp"
#include "pf/audio/opus_codec.hpp"
#include "pf/fec/parity.hpp"
#include "pf/session/framing.hpp"
#include "pf/transport/video_payload.hpp"

namespace pf::session {
namespace {

class NativeVideoFramer final : public VideoFramer {
 public:
  NativeVideoFramer(transport::Packetizer packetizer, std::uint32_t fec_pct)
      : packetizer_(std::move(packetizer)), parity_(fec_pct) {
    pct_ = parity_.pct();
  }

  Result<std::span<const Bytes>> frame(const EncodedVideoFrame& f) override {
    std::uint8_t flags = 0;
    transport::VideoFrameInfo info{.recovers_from = 0, .source_frame_id = f.source_frame_id};
    if (f.keyframe) {
      flags |= transport::kFlagKeyframe;
    } else if (f.recovers_from) {
      flags |= transport::kFlagRecoveryPoint;
      info.recovers_from = *f.recovers_from;
    }
    payload_.resize(transport::kVideoInfoBytes + f.access_unit.size());
    transport::write_video_info(info, payload_);
    std::copy(f.access_unit.begin(), f.access_unit.end(), payload_.begin() + transport::kVideoInfoBytes);
    const std::uint32_t shard = packetizer_.config().shard_bytes;
    const auto data_shards = static_cast<std::uint32_t>((payload_.size() + shard - 1) / shard);
    pct_ = parity_.pct_for(data_shards);
    return packetizer_.packetize({.frame_index = f.frame_index, .capture_ns = f.capture_ns, .flags = flags},
                                 payload_, pct_);
  }

  void on_loss_report(std::uint32_t loss_ppm) override { parity_.on_loss_report(loss_ppm); }
  [[nodiscard]] std::uint32_t fec_pct() const noexcept override { return pct_; }

 private:
  transport::Packetizer packetizer_;
  fec::AdaptiveParity parity_;
  std::uint32_t pct_ = 0;
  std::vector<std::uint8_t> payload_;  // video info + access unit
};

class NativeAudioFramer final : public AudioFramer {
 public:
  NativeAudioFramer(transport::Packetizer packetizer, bool redundancy)
      : packetizer_(std::move(packetizer)), redundancy_(redundancy) {
    previous_.reserve(audio::kMaxPacketBytes);
  }

  Result<std::span<const Bytes>> frame(Bytes packet, std::uint32_t sequence, std::uint64_t capture_ns) override {
    audio::write_audio_payload(packet, redundancy_ && sequence > 0 ? Bytes(previous_) : Bytes(), payload_);
    previous_.assign(packet.begin(), packet.end());
    return packetizer_.packetize({.frame_index = sequence, .capture_ns = capture_ns, .flags = 0}, payload_, 0);
  }

 private:
  transport::Packetizer packetizer_;
  bool redundancy_;
  std::vector<std::uint8_t> previous_;
  std::vector<std::uint8_t> payload_;
};

}  // namespace

Result<std::unique_ptr<VideoFramer>> native_video_framer(const transport::SenderConfig& config,
                                                         const crypto::SessionKey& key, std::uint32_t fec_pct) {
  auto sealer = crypto::Sealer::create(key, crypto::Direction::host_to_client);
  if (!sealer) {
    return tl::unexpected(sealer.error());
  }
  auto packetizer = transport::Packetizer::create(config, std::move(*sealer));
  if (!packetizer) {
    return tl::unexpected(packetizer.error());
  }
  return std::make_unique<NativeVideoFramer>(std::move(*packetizer), fec_pct);
}

Result<std::unique_ptr<AudioFramer>> native_audio_framer(std::uint32_t shard_bytes, const crypto::SessionKey& key,
                                                         bool redundancy) {
  auto sealer = crypto::Sealer::create(key, crypto::Direction::host_to_client_audio);
  if (!sealer) {
    return tl::unexpected(sealer.error());
  }
  auto packetizer =
      transport::Packetizer::create({transport::Stream::audio, fec::Scheme::none, shard_bytes, 1}, std::move(*sealer));
  if (!packetizer) {
    return tl::unexpected(packetizer.error());
  }
  return std::make_unique<NativeAudioFramer>(std::move(*packetizer), redundancy);
}

}  // namespace pf::session
