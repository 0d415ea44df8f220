#include "gs_framing.hpp"

#include <algorithm>
#include <chrono>

#include "pf/core/clock.hpp"
#include "pf/gamestream/audio_packets.hpp"
#include "pf/gamestream/video_packets.hpp"

namespace pf::gshost {
namespace {

class GameStreamVideoFramer final : public session::VideoFramer {
 public:
  GameStreamVideoFramer(gamestream::VideoPacketizer packetizer, std::uint32_t pct)
      : packetizer_(std::move(packetizer)), pct_(pct) {}

  Result<std::span<const Bytes>> frame(const session::EncodedVideoFrame& f) override {
    const TimePoint now = steady_clock().now();
    const auto captured = f.capture_ns != 0 ? TimePoint(Nanos(static_cast<std::int64_t>(f.capture_ns))) : now;
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(now - captured).count() / 100;
    // 90 kHz from the capture time: the client paces and measures with it.
    const auto ts = static_cast<std::uint32_t>(
        static_cast<std::uint64_t>(captured.time_since_epoch().count()) * 9 / 100'000);
    gamestream::FrameType type = gamestream::FrameType::p;
    if (f.keyframe) {
      type = gamestream::FrameType::idr;
    } else if (f.recovers_from) {
      type = gamestream::FrameType::after_invalidation;
    }
    return packetizer_.packetize({.frame_index = f.frame_index + 1,  // the client counts from 1
                                  .rtp_timestamp = ts,
                                  .frame_type = type,
                                  .host_latency_tenths_ms = static_cast<std::uint16_t>(std::clamp<std::int64_t>(latency, 0, 0xffff)),
                                  .ltr_frame = false,
                                  .access_unit = f.access_unit});
  }
  void on_loss_report(std::uint32_t) override {}  // the client asked for a fixed share of parity
  [[nodiscard]] std::uint32_t fec_pct() const noexcept override { return pct_; }

 private:
  gamestream::VideoPacketizer packetizer_;
  std::uint32_t pct_;
};

class GameStreamAudioFramer final : public session::AudioFramer {
 public:
  explicit GameStreamAudioFramer(gamestream::AudioPacketizer packetizer) : packetizer_(std::move(packetizer)) {}
  Result<std::span<const Bytes>> frame(Bytes packet, std::uint32_t, std::uint64_t) override {
    return packetizer_.packetize(packet);
  }

 private:
  gamestream::AudioPacketizer packetizer_;
};

}  // namespace

Result<std::unique_ptr<session::VideoFramer>> gamestream_video_framer(const VideoFraming& framing) {
  auto packetizer = gamestream::VideoPacketizer::create({.packet_size = framing.packet_size,
                                                          .fec_percentage = framing.fec_pct,
                                                          .min_required_fec_packets = framing.min_fec_packets,
                                                          .encrypt = framing.encrypt,
                                                          .key = framing.key,
                                                          .first_packet_index = 0});
  if (!packetizer) {
    return tl::unexpected(packetizer.error());
  }
  return std::make_unique<GameStreamVideoFramer>(std::move(*packetizer), framing.fec_pct);
}

Result<std::unique_ptr<session::AudioFramer>> gamestream_audio_framer(const AudioFraming& framing) {
  auto packetizer = gamestream::AudioPacketizer::create({.encrypt = framing.encrypt,
                                                          .key = framing.key,
                                                          .rikeyid = framing.key_id,
                                                          .packet_duration_ms = framing.packet_ms,
                                                          .first_sequence = 0,
                                                          .first_timestamp = 0});
  if (!packetizer) {
    return tl::unexpected(packetizer.error());
  }
  return std::make_unique<GameStreamAudioFramer>(std::move(*packetizer));
}

}  // namespace pf::gshost
