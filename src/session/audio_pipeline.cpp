#include "audio_pipeline.hpp"

#include "pf/audio/audio_payload.hpp"
#include "pf/core/log.hpp"
#include "thread_name.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"audio"};

}  // namespace

Result<std::unique_ptr<AudioPipeline>> AudioPipeline::open(AudioParams params) {
  if (params.pulse == nullptr || params.socket == nullptr) {
    return fail(Errc::invalid_argument, "audio pipeline: no sound server or socket");
  }
  auto encoder = audio::Encoder::open(params.channels, params.bitrate_kbps * 1000);
  if (!encoder) {
    return tl::unexpected(encoder.error());
  }
  auto sink = params.pulse->create_sink(fmt::format("punktfunk-{}", params.session_id), params.channels);
  if (!sink) {
    return tl::unexpected(sink.error());
  }
  auto capture = audio::MonitorCapture::open(params.pulse->address(), sink->monitor(), params.channels,
                                             fmt::format("session {}", params.session_id));
  if (!capture) {
    return tl::unexpected(capture.error());
  }
  if (auto restarted = params.pulse->restart_clock(*sink); !restarted) {
    kLog.warn("session {}: the sound may start late: {}", params.session_id, restarted.error().message);
  }
  auto sealer = crypto::Sealer::create(params.key, crypto::Direction::host_to_client_audio);
  if (!sealer) {
    return tl::unexpected(sealer.error());
  }
  auto packetizer = transport::Packetizer::create(
      {transport::Stream::audio, fec::Scheme::none, params.shard_bytes, 1},
      std::move(*sealer));
  if (!packetizer) {
    return tl::unexpected(packetizer.error());
  }
  return std::unique_ptr<AudioPipeline>(new AudioPipeline(std::move(params), std::move(*sink), std::move(*capture),
                                                          std::move(*encoder), std::move(*packetizer)));
}

AudioPipeline::~AudioPipeline() = default;

void AudioPipeline::start(const net::Address& client) {
  client_ = client;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void AudioPipeline::stop() {
  thread_.request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

AudioCounters AudioPipeline::counters() const noexcept {
  AudioCounters c;
  c.channels = p_.channels;
  c.bitrate_kbps = p_.bitrate_kbps;
  c.sink = sink_.name();
  c.frames = frames_.load(std::memory_order_relaxed);
  c.bytes = bytes_.load(std::memory_order_relaxed);
  c.send_dropped = send_dropped_.load(std::memory_order_relaxed);
  c.errors = errors_.load(std::memory_order_relaxed);
  return c;
}

void AudioPipeline::run(const std::stop_token& stop) {
  name_thread(p_.session_id, "audio");
  const std::size_t samples = std::size_t{audio::kFrameSamples} * p_.channels;
  std::vector<float> pcm(samples);
  std::array<std::vector<std::uint8_t>, 2> packets;  // this frame's and the previous one's
  for (auto& p : packets) {
    p.reserve(audio::kMaxPacketBytes);
  }
  std::vector<std::uint8_t> payload;
  std::uint32_t sequence = 0;
  const Nanos frame = std::chrono::microseconds(1'000'000LL * audio::kFrameSamples / audio::kSampleRate);
  capture_.flush();  // the sink ran since the session set up: start from now, not from a backlog
  while (!stop.stop_requested()) {
    if (auto read = capture_.read(pcm); !read) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      kLog.warn("session {}: the sound stops: {}", p_.session_id, read.error().message);
      return;
    }
    // The frame's first sample reached us a frame ago. The server's own
    // latency report is not used: around a null sink's idle periods it
    // reads hundreds of ms while the samples are fresh.
    const TimePoint captured = steady_clock().now() - frame;
    auto& current = packets[sequence % 2];
    const auto& previous = packets[(sequence + 1) % 2];
    current.resize(audio::kMaxPacketBytes);
    auto encoded = encoder_.encode(pcm, current);
    if (!encoded) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      kLog.warn("session {}: the sound stops: {}", p_.session_id, encoded.error().message);
      return;
    }
    current.resize(*encoded);
    audio::write_audio_payload(current, p_.redundancy && sequence > 0 ? Bytes(previous) : Bytes(), payload);
    auto datagrams = packetizer_.packetize(
        {.frame_index = sequence,
         .capture_ns = static_cast<std::uint64_t>(captured.time_since_epoch().count()),
         .flags = 0},
        payload, 0);
    if (!datagrams) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      kLog.warn("session {}: the sound stops: {}", p_.session_id, datagrams.error().message);
      return;
    }
    const std::size_t sent = sender_.send(*p_.socket, *datagrams, client_);
    send_dropped_.fetch_add(datagrams->size() - sent, std::memory_order_relaxed);
    for (const Bytes d : *datagrams) {
      bytes_.fetch_add(d.size(), std::memory_order_relaxed);
    }
    frames_.fetch_add(1, std::memory_order_relaxed);
    ++sequence;
  }
}

}  // namespace pf::session
