// Live statistics and recordings of them. A thread (`pf-stats`) takes one
// sample every interval (2 s) from the host — per session: per-stage
// latency, fps, bitrate, drops, FEC recoveries — keeps the latest for
// `stats/live`, and while a recording runs appends it as one JSON line to
// `<dir>/<id>.jsonl`. Recordings are capped in size each (the recording
// stops, marked "capped") and together (the oldest are deleted when a new
// one starts). IDs are "rec-<unix seconds>-<n>"; nothing else names a file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::mgmt {

struct RecorderLimits {
  Nanos interval = std::chrono::seconds(2);
  std::uint64_t max_recording_bytes = 8ull << 20;
  std::uint64_t max_total_bytes = 64ull << 20;
};

struct RecordingInfo {
  std::string id;
  std::int64_t started_unix_ms = 0;
  std::uint64_t samples = 0;
  std::uint64_t bytes = 0;
  bool running = false;
};

class StatsRecorder {
 public:
  /// Called on `pf-stats` once per interval: a JSON object (a sample).
  using Sampler = std::function<nlohmann::json()>;
  StatsRecorder(std::filesystem::path dir, Sampler sampler, RecorderLimits limits = {});
  ~StatsRecorder();
  StatsRecorder(const StatsRecorder&) = delete;
  StatsRecorder& operator=(const StatsRecorder&) = delete;

  /// The latest sample (an empty object before the first).
  [[nodiscard]] nlohmann::json live() const PF_EXCLUDES(mutex_);
  /// Starts a recording; refused while one runs.
  [[nodiscard]] Result<RecordingInfo> start() PF_EXCLUDES(mutex_);
  [[nodiscard]] Result<RecordingInfo> stop() PF_EXCLUDES(mutex_);
  [[nodiscard]] std::optional<RecordingInfo> current() const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::vector<RecordingInfo> list() const PF_EXCLUDES(mutex_);
  /// {"id", "samples": [...]}.
  [[nodiscard]] Result<nlohmann::json> read(std::string_view id) const PF_EXCLUDES(mutex_);
  [[nodiscard]] Status remove(std::string_view id) PF_EXCLUDES(mutex_);

 private:
  void run(const std::stop_token& stop);
  void record(const nlohmann::json& sample) PF_EXCLUDES(mutex_);
  [[nodiscard]] std::filesystem::path file_of(std::string_view id) const;
  void enforce_total_cap() PF_REQUIRES(mutex_);

  const std::filesystem::path dir_;
  const Sampler sampler_;
  const RecorderLimits limits_;
  mutable Mutex mutex_;
  std::condition_variable_any wake_;
  nlohmann::json live_ PF_GUARDED_BY(mutex_) = nlohmann::json::object();
  std::optional<RecordingInfo> current_ PF_GUARDED_BY(mutex_);
  std::uint64_t started_ PF_GUARDED_BY(mutex_) = 0;
  std::jthread thread_;  // last
};

/// Recording ids are exactly "rec-" + digits + "-" + digits.
[[nodiscard]] bool valid_recording_id(std::string_view id) noexcept;

}  // namespace pf::mgmt
