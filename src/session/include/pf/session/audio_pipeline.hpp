// A session's sound (see ARCHITECTURE "Audio"): the session's own null sink
// in the sound server, its monitor recorded in 5 ms fragments, Opus
// (CELT low-delay, CBR), each frame framed by the protocol's AudioFramer
// (framing.hpp) and sent to the client on the session's UDP socket. One thread (pf-s<id>-audio), blocked in the recording read, which
// the sink's own clock wakes every 5 ms.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pf/audio/opus_codec.hpp"
#include "pf/audio/pulse.hpp"
#include "pf/net/udp.hpp"
#include "pf/session/framing.hpp"
#include "pf/session/server.hpp"

namespace pf::session {

struct AudioParams {
  std::uint64_t session_id = 0;
  const audio::PulseServer* pulse = nullptr;  ///< borrowed; outlives the pipeline
  unsigned channels = 2;
  std::uint32_t bitrate_kbps = 256;  ///< the whole layout
  std::unique_ptr<AudioFramer> framer;
  const net::UdpSocket* socket = nullptr;  ///< borrowed
};

class AudioPipeline {
 public:
  /// Creates the sink, starts recording its monitor, opens the encoder.
  [[nodiscard]] static Result<std::unique_ptr<AudioPipeline>> open(AudioParams params);
  ~AudioPipeline();
  AudioPipeline(const AudioPipeline&) = delete;
  AudioPipeline& operator=(const AudioPipeline&) = delete;

  void start(const net::Address& client);
  /// Stops sending and joins the audio thread (the destructor does it too);
  /// counters() read after this are final.
  void stop();
  [[nodiscard]] const audio::Layout& layout() const noexcept { return encoder_.layout(); }
  [[nodiscard]] const std::string& sink_name() const noexcept { return sink_.name(); }
  /// PULSE_SINK (and PULSE_SERVER) for apps launched into the session's display.
  [[nodiscard]] std::vector<std::string> app_environment() const { return p_.pulse->app_environment(sink_); }
  [[nodiscard]] AudioCounters counters() const noexcept;

 private:
  AudioPipeline(AudioParams params, audio::NullSink sink, audio::MonitorCapture capture, audio::Encoder encoder)
      : p_(std::move(params)), sink_(std::move(sink)), capture_(std::move(capture)), encoder_(std::move(encoder)) {}
  void run(const std::stop_token& stop);

  AudioParams p_;
  audio::NullSink sink_;
  audio::MonitorCapture capture_;
  audio::Encoder encoder_;
  net::UdpSender sender_{false};
  net::Address client_;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> send_dropped_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::jthread thread_;  // last: stops before the capture and the sink go
};

}  // namespace pf::session
