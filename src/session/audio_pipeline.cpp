#include "pf/session/audio_pipeline.hpp"

#include "pf/core/log.hpp"
#include "thread_name.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"audio"};

}  // namespace

Result<std::unique_ptr<AudioPipeline>> AudioPipeline::open(AudioParams params) {
  if (params.pulse == nullptr || params.socket == nullptr || !params.framer) {
    return fail(Errc::invalid_argument, "audio pipeline: no sound server, socket or framer");
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
  return std::unique_ptr<AudioPipeline>(new AudioPipeline(std::move(params), std::move(*sink), std::move(*capture),
                                                          std::move(*encoder)));
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
  std::vector<std::uint8_t> packet(audio::kMaxPacketBytes);
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
    auto encoded = encoder_.encode(pcm, packet);
    if (!encoded) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      kLog.warn("session {}: the sound stops: {}", p_.session_id, encoded.error().message);
      return;
    }
    auto datagrams = p_.framer->frame(Bytes(packet).first(*encoded), sequence,
                                      static_cast<std::uint64_t>(captured.time_since_epoch().count()));
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
