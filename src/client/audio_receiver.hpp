// The client's sound (stream 3): authenticated one-packet frames from the
// receive thread → a jitter buffer → a playout thread (pf-cli-audio) that
// every 5 ms decodes the next frame: the packet itself, else the copy the
// following packet carries, else Opus's concealment → a WAV file
// (--audio-out) or SDL2 playback. Latency is capture → played out.
#pragma once

#include <atomic>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "pf/audio/opus_codec.hpp"
#include "pf/client/client.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/transport/reassembler.hpp"

namespace pf::client {

/// A 16-bit PCM WAV file; the sizes in its header are written on close.
class WavWriter {
 public:
  [[nodiscard]] static Result<WavWriter> create(const std::filesystem::path& file, unsigned channels);
  WavWriter(WavWriter&& other) noexcept;
  WavWriter& operator=(WavWriter&&) = delete;
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;
  ~WavWriter();
  void write(std::span<const float> samples);

 private:
  WavWriter() = default;
  std::FILE* file_ = nullptr;
  unsigned channels_ = 0;
  std::uint64_t data_bytes_ = 0;
  std::vector<std::int16_t> scratch_;
};

class AudioReceiver final : public transport::FrameSink {
 public:
  /// `reassembler` is for stream 3 (Direction::host_to_client_audio).
  [[nodiscard]] static Result<std::unique_ptr<AudioReceiver>> create(const ClientOptions& options,
                                                                     const audio::Layout& layout,
                                                                     transport::Reassembler reassembler);
  ~AudioReceiver();
  AudioReceiver(const AudioReceiver&) = delete;
  AudioReceiver& operator=(const AudioReceiver&) = delete;

  /// From the receive thread: one stream-3 datagram.
  void receive(Bytes datagram, TimePoint now);
  void set_clock_offset(std::int64_t offset_ns) noexcept { offset_ns_.store(offset_ns, std::memory_order_relaxed); }
  /// Ends playout (the WAV file is complete afterwards).
  void stop();
  void report(ClientReport& r) PF_EXCLUDES(mutex_);

  void on_frame(const transport::ReceivedFrame& frame) override;
  void on_lost(std::uint32_t first_index, std::uint32_t count) override;

 private:
  AudioReceiver(const ClientOptions& options, audio::Decoder decoder, transport::Reassembler reassembler);
  void run(const std::stop_token& stop);
  /// Decodes frame `seq` (or conceals it) into `pcm`; true when it was sound
  /// from the host (its own packet or the redundant copy).
  bool decode_next(std::uint32_t seq, std::vector<float>& pcm, TimePoint now) PF_EXCLUDES(mutex_);
  void output(std::span<const float> pcm);

  struct Buffered {
    std::vector<std::uint8_t> primary;
    std::vector<std::uint8_t> redundant;  ///< frame seq − 1
    std::uint64_t capture_ns = 0;
  };

  const ClientOptions& options_;
  audio::Decoder decoder_;                  // playout thread only
  transport::Reassembler reassembler_;     // receive thread only
  std::optional<WavWriter> wav_;           // playout thread only
  std::uint32_t sdl_device_ = 0;           // playout thread only (0: none)
  bool sdl_audio_ = false;                 // SDL's audio subsystem is initialised
  std::atomic<std::int64_t> offset_ns_{0};

  mutable Mutex mutex_;
  std::map<std::uint32_t, Buffered> buffer_ PF_GUARDED_BY(mutex_);  // by sequence (serial order within a window)
  std::optional<std::uint32_t> next_ PF_GUARDED_BY(mutex_);           // the next frame to play
  std::optional<TimePoint> first_arrival_ PF_GUARDED_BY(mutex_);
  std::uint64_t received_ PF_GUARDED_BY(mutex_) = 0, played_ PF_GUARDED_BY(mutex_) = 0,
                concealed_ PF_GUARDED_BY(mutex_) = 0, from_redundancy_ PF_GUARDED_BY(mutex_) = 0,
                late_ PF_GUARDED_BY(mutex_) = 0, malformed_ PF_GUARDED_BY(mutex_) = 0,
                trimmed_ PF_GUARDED_BY(mutex_) = 0, lost_ PF_GUARDED_BY(mutex_) = 0;
  std::vector<double> latency_ms_ PF_GUARDED_BY(mutex_);
  std::jthread thread_;  // last
};

}  // namespace pf::client
