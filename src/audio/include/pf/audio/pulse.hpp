// PulseAudio (or PipeWire's Pulse server) for the session's sound.
//
// PulseServer::ensure() finds a server: the one libpulse reaches by default
// (PULSE_SERVER, the user's runtime directory; on a PipeWire desktop that
// is pipewire-pulse), else it starts Debian's `pulseaudio` for the host
// alone: no default script, its native socket in `runtime_dir`, anonymous
// access limited by that directory's mode (0700), stopped with the host.
// It never lets libpulse autospawn a daemon with a user's configuration.
//
// Per session: a null sink "punktfunk-<session>" (module-null-sink at the
// session's channel layout, 48 kHz float) whose monitor the session
// records; the module is unloaded when the NullSink is destroyed. Apps
// launched into the session's display get PULSE_SERVER and PULSE_SINK.
//
// Each call opens a short-lived connection (a pa_mainloop run on the
// calling thread, bounded by a timeout); nothing here starts a thread.
// MonitorCapture reads with the blocking pa_simple API on the session's
// audio thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/process.hpp"
#include "pf/core/result.hpp"

struct pa_simple;

namespace pf::audio {

class NullSink {
 public:
  NullSink(NullSink&& other) noexcept;
  NullSink& operator=(NullSink&& other) noexcept;
  NullSink(const NullSink&) = delete;
  NullSink& operator=(const NullSink&) = delete;
  ~NullSink();  ///< unloads the module (a failure is logged)

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::string monitor() const { return name_ + ".monitor"; }
  [[nodiscard]] unsigned channels() const noexcept { return channels_; }

 private:
  friend class PulseServer;
  NullSink(std::string server, std::string name, unsigned channels, std::uint32_t module)
      : server_(std::move(server)), name_(std::move(name)), channels_(channels), module_(module) {}
  std::string server_;
  std::string name_;
  unsigned channels_ = 0;
  std::optional<std::uint32_t> module_;
};

class PulseServer {
 public:
  /// A reachable server, or our own one started with its socket in
  /// `runtime_dir` (created 0700). Errors name what failed and where the
  /// daemon's log is.
  [[nodiscard]] static Result<std::unique_ptr<PulseServer>> ensure(const std::filesystem::path& runtime_dir);
  ~PulseServer();

  /// For libpulse and for apps' PULSE_SERVER ("unix:/…/native"); empty when
  /// the default server is used (apps find it the same way).
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  /// "PulseAudio 16.1", "PulseAudio (on PipeWire 0.3.65)"; with ", started by the host" for ours.
  [[nodiscard]] const std::string& description() const noexcept { return description_; }
  [[nodiscard]] bool own() const noexcept { return daemon_.has_value(); }

  /// Loads a null sink named `name` (letters, digits, '-', '_', '.') with
  /// 2, 6 or 8 channels.
  [[nodiscard]] Result<NullSink> create_sink(const std::string& name, unsigned channels) const;
  /// Restarts the sink's clock (a suspend and resume), so it runs at the
  /// latency its readers ask for now. A null sink made with no stream runs
  /// 2 s blocks, and keeps that timer when a reader arrives: its first
  /// fragment would come 2 s late.
  [[nodiscard]] Status restart_clock(const NullSink& sink) const;
  /// The environment an app needs to play into `sink`.
  [[nodiscard]] std::vector<std::string> app_environment(const NullSink& sink) const;

 private:
  PulseServer() = default;
  std::string address_;
  std::string description_;
  std::optional<ChildProcess> daemon_;
};

/// Records a source (a sink's monitor) as 48 kHz float interleaved, in 5 ms
/// fragments. Blocking; one thread.
class MonitorCapture {
 public:
  [[nodiscard]] static Result<MonitorCapture> open(const std::string& server, const std::string& source,
                                                   unsigned channels, const std::string& stream_name);
  MonitorCapture(MonitorCapture&& other) noexcept;
  MonitorCapture& operator=(MonitorCapture&& other) noexcept;
  MonitorCapture(const MonitorCapture&) = delete;
  MonitorCapture& operator=(const MonitorCapture&) = delete;
  ~MonitorCapture();

  /// Fills `pcm` (a whole number of frames); blocks until the samples exist.
  [[nodiscard]] Status read(std::span<float> pcm);
  /// Drops what the server has buffered (recorded before streaming began).
  void flush() noexcept;

 private:
  MonitorCapture() = default;
  pa_simple* stream_ = nullptr;
};

}  // namespace pf::audio
