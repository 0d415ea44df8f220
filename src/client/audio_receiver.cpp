#include "audio_receiver.hpp"

#include <SDL.h>
#include <pthread.h>

#include <algorithm>
#include <cmath>

#include "pf/audio/audio_payload.hpp"
#include "pf/core/log.hpp"
#include "receiver.hpp"

namespace pf::client {
namespace {

const log::Logger kLog{"audio"};

constexpr Nanos kFrame = std::chrono::microseconds(1'000'000LL * audio::kFrameSamples / audio::kSampleRate);
/// Playout starts this long after the first packet: room for a packet's
/// jitter, and for the next packet (with the redundant copy) to arrive
/// before a missing frame must be played.
constexpr Nanos kJitterTarget = 2 * kFrame;
/// More than this buffered (a burst, or the host's clock running ahead):
/// skip the oldest so latency stays bounded.
constexpr std::uint32_t kMaxBufferedFrames = 8;
/// Playout this far behind its schedule (a stalled process) starts over.
constexpr Nanos kResync = std::chrono::milliseconds(100);

double ms(Nanos d) { return std::chrono::duration<double, std::milli>(d).count(); }

void put_le(std::FILE* f, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    std::fputc(static_cast<int>((v >> (8 * i)) & 0xFF), f);
  }
}

void write_wav_header(std::FILE* f, unsigned channels, std::uint64_t data_bytes) {
  const auto data = static_cast<std::uint32_t>(std::min<std::uint64_t>(data_bytes, 0xFFFFFFFFULL - 36));
  std::fputs("RIFF", f);
  put_le(f, 36 + data, 4);
  std::fputs("WAVEfmt ", f);
  put_le(f, 16, 4);
  put_le(f, 1, 2);  // PCM
  put_le(f, channels, 2);
  put_le(f, audio::kSampleRate, 4);
  put_le(f, audio::kSampleRate * channels * 2, 4);
  put_le(f, channels * 2, 2);
  put_le(f, 16, 2);
  std::fputs("data", f);
  put_le(f, data, 4);
}

}  // namespace

// ---- WavWriter ----

Result<WavWriter> WavWriter::create(const std::filesystem::path& file, unsigned channels) {
  WavWriter w;
  w.file_ = std::fopen(file.c_str(), "wb");
  if (w.file_ == nullptr) {
    return fail(Errc::io, "cannot write {}: {}", file.string(), std::strerror(errno));
  }
  w.channels_ = channels;
  write_wav_header(w.file_, channels, 0);
  return w;
}

WavWriter::WavWriter(WavWriter&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      channels_(other.channels_),
      data_bytes_(other.data_bytes_),
      scratch_(std::move(other.scratch_)) {}

WavWriter::~WavWriter() {
  if (file_ == nullptr) {
    return;
  }
  std::fseek(file_, 0, SEEK_SET);
  write_wav_header(file_, channels_, data_bytes_);
  std::fclose(file_);
}

void WavWriter::write(std::span<const float> samples) {
  scratch_.resize(samples.size());
  std::transform(samples.begin(), samples.end(), scratch_.begin(), [](float s) {
    return static_cast<std::int16_t>(std::lround(std::clamp(s, -1.0F, 1.0F) * 32767.0F));
  });
  data_bytes_ += std::fwrite(scratch_.data(), sizeof(std::int16_t), scratch_.size(), file_) * sizeof(std::int16_t);
}

// ---- AudioReceiver ----

Result<std::unique_ptr<AudioReceiver>> AudioReceiver::create(const ClientOptions& options, const audio::Layout& layout,
                                                             transport::Reassembler reassembler) {
  auto decoder = audio::Decoder::open(layout);
  if (!decoder) {
    return tl::unexpected(decoder.error());
  }
  std::unique_ptr<AudioReceiver> r(new AudioReceiver(options, std::move(*decoder), std::move(reassembler)));
  if (!options.audio_out.empty()) {
    auto wav = WavWriter::create(options.audio_out, layout.channels);
    if (!wav) {
      return tl::unexpected(wav.error());
    }
    r->wav_.emplace(std::move(*wav));
  }
  r->thread_ = std::jthread([p = r.get()](std::stop_token stop) { p->run(stop); });
  return r;
}

AudioReceiver::AudioReceiver(const ClientOptions& options, audio::Decoder decoder, transport::Reassembler reassembler)
    : options_(options), decoder_(std::move(decoder)), reassembler_(std::move(reassembler)) {}

AudioReceiver::~AudioReceiver() { stop(); }

void AudioReceiver::stop() {
  thread_.request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (sdl_device_ != 0) {
    SDL_CloseAudioDevice(sdl_device_);
    sdl_device_ = 0;
  }
  if (sdl_audio_) {
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    sdl_audio_ = false;
  }
  wav_.reset();  // writes the header's sizes
}

void AudioReceiver::receive(Bytes datagram, TimePoint now) { reassembler_.receive(datagram, now, *this); }

void AudioReceiver::on_frame(const transport::ReceivedFrame& frame) {
  const auto payload = audio::read_audio_payload(frame.data);
  const MutexLock lock(mutex_);
  if (!payload) {
    ++malformed_;
    return;
  }
  ++received_;
  if (next_ && static_cast<std::int32_t>(frame.frame_index - *next_) < 0) {
    ++late_;  // its time to play has passed
    return;
  }
  if (!first_arrival_) {
    first_arrival_ = frame.completed;
    next_ = frame.frame_index;
  }
  auto& b = buffer_[frame.frame_index];
  b.primary.assign(payload->primary.begin(), payload->primary.end());
  b.redundant.assign(payload->redundant.begin(), payload->redundant.end());
  b.capture_ns = frame.capture_ns;
}

void AudioReceiver::on_lost(std::uint32_t, std::uint32_t count) {
  const MutexLock lock(mutex_);
  lost_ += count;  // playout conceals or replaces them
}

bool AudioReceiver::decode_next(std::uint32_t seq, std::vector<float>& pcm, TimePoint now) {
  std::vector<std::uint8_t> packet;
  std::uint64_t capture_ns = 0;
  bool from_host = true;
  {
    const MutexLock lock(mutex_);
    // Too much buffered: skip to where the target delay puts us.
    if (const std::uint32_t newest = buffer_.empty() ? seq : buffer_.rbegin()->first;
        newest > seq && newest - seq > kMaxBufferedFrames) {
      const std::uint32_t skip_to = newest - 2;
      trimmed_ += skip_to - seq;
      seq = skip_to;
    }
    buffer_.erase(buffer_.begin(), buffer_.lower_bound(seq));
    if (auto it = buffer_.find(seq); it != buffer_.end()) {
      packet = std::move(it->second.primary);
      capture_ns = it->second.capture_ns;
      buffer_.erase(it);
      ++played_;
    } else if (auto after = buffer_.find(seq + 1); after != buffer_.end() && !after->second.redundant.empty()) {
      packet = std::move(after->second.redundant);
      capture_ns = after->second.capture_ns - static_cast<std::uint64_t>(kFrame.count());
      ++from_redundancy_;
    } else {
      ++concealed_;
      from_host = false;
    }
    next_ = seq + 1;
  }
  if (auto decoded = decoder_.decode(packet, pcm); !decoded) {
    (void)decoder_.decode({}, pcm);  // a packet that does not decode is concealed too
    const MutexLock lock(mutex_);
    ++malformed_;
    return false;
  }
  if (from_host) {
    const TimePoint capture =
        TimePoint(Nanos(static_cast<std::int64_t>(capture_ns))) - Nanos(offset_ns_.load(std::memory_order_relaxed));
    const MutexLock lock(mutex_);
    if (latency_ms_.size() < (1U << 20)) {
      latency_ms_.push_back(ms(now - capture));
    }
  }
  return from_host;
}

void AudioReceiver::output(std::span<const float> pcm) {
  if (wav_) {
    wav_->write(pcm);
  }
  if (sdl_device_ != 0 && SDL_GetQueuedAudioSize(sdl_device_) < pcm.size_bytes() * 4) {
    (void)SDL_QueueAudio(sdl_device_, pcm.data(), static_cast<std::uint32_t>(pcm.size_bytes()));
  }
}

void AudioReceiver::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-cli-audio");
  const unsigned channels = decoder_.layout().channels;
  if (!wav_ && options_.audio_play) {
    SDL_AudioSpec want{};
    want.freq = audio::kSampleRate;
    want.format = AUDIO_F32SYS;
    want.channels = static_cast<std::uint8_t>(channels);
    want.samples = audio::kFrameSamples;
    SDL_AudioSpec have{};
    sdl_audio_ = SDL_InitSubSystem(SDL_INIT_AUDIO) == 0;
    if (sdl_audio_) {
      sdl_device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
    }
    if (sdl_device_ == 0) {
      kLog.warn("no sound output ({}); the sound is received and counted but not played", SDL_GetError());
    } else {
      SDL_PauseAudioDevice(sdl_device_, 0);
    }
  }
  std::optional<std::uint32_t> seq;
  TimePoint tick{};
  std::vector<float> pcm(std::size_t{audio::kFrameSamples} * channels);
  while (!stop.stop_requested()) {
    if (!seq) {
      std::optional<TimePoint> first;
      {
        const MutexLock lock(mutex_);
        first = first_arrival_;
        if (first) {
          seq = next_;
        }
      }
      if (!first) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      tick = *first + kJitterTarget;
    }
    std::this_thread::sleep_until(tick);
    const TimePoint now = steady_clock().now();
    if (now - tick > kResync) {
      tick = now;  // this process stalled: carry on from here (the backlog is trimmed)
    }
    (void)decode_next(*seq, pcm, now);
    {
      const MutexLock lock(mutex_);
      seq = next_;
    }
    output(pcm);
    tick += kFrame;
  }
}

void AudioReceiver::report(ClientReport& r) {
  const MutexLock lock(mutex_);
  r.audio_channels = decoder_.layout().channels;
  r.audio_frames_received = received_;
  r.audio_frames_played = played_;
  r.audio_frames_from_redundancy = from_redundancy_;
  r.audio_frames_concealed = concealed_;
  r.audio_frames_late = late_ + trimmed_;
  r.audio_frames_malformed = malformed_;
  r.audio_frames_lost = lost_;
  auto copy = latency_ms_;
  r.audio_latency_p50_ms = quantile(copy, 0.5);
  r.audio_latency_p99_ms = quantile(copy, 0.99);
}

}  // namespace pf::client
