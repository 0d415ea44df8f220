// The management API's endpoints (all under /api/v1), declared once: the
// route table checks requests and generates the OpenAPI document
// (`punktfunk-host openapi`, committed as api/openapi.json).
//
// The endpoints reach the running host through HostControl, whose real
// implementation is LiveHost (live_host.hpp); the fuzz target drives the
// same routes against a fixed stand-in.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pf/core/result.hpp"
#include "pf/mgmt/router.hpp"

namespace pf::mgmt {

class EventBus;
class LogBuffer;
class StatsRecorder;

/// Prometheus text exposition format (0.0.4).
class PromWriter {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  /// # HELP and # TYPE lines; once per metric name, before its samples.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, double value, Labels labels = {});
  [[nodiscard]] const std::string& text() const noexcept { return out_; }

 private:
  std::string out_;
};

/// What the endpoints need of the host. Reads return JSON objects/arrays;
/// changes return an Error whose code picks the status (router.hpp).
class HostControl {
 public:
  virtual ~HostControl() = default;
  [[nodiscard]] virtual nlohmann::json host() = 0;
  [[nodiscard]] virtual nlohmann::json status() = 0;
  [[nodiscard]] virtual nlohmann::json sessions() = 0;
  [[nodiscard]] virtual Status end_session(std::uint64_t id) = 0;
  [[nodiscard]] virtual Status request_keyframe(std::uint64_t id) = 0;
  [[nodiscard]] virtual Status set_bitrate(std::uint64_t id, std::uint32_t kbps) = 0;
  [[nodiscard]] virtual nlohmann::json display_state() = 0;
  [[nodiscard]] virtual nlohmann::json display_settings() = 0;
  /// The whole display-settings document, parsed strictly.
  [[nodiscard]] virtual Result<nlohmann::json> put_display_settings(std::string_view document) = 0;
  [[nodiscard]] virtual Result<nlohmann::json> release_displays() = 0;
  [[nodiscard]] virtual nlohmann::json pairing() = 0;
  /// body: ttl_s, for, access (bound by the route).
  [[nodiscard]] virtual Result<nlohmann::json> arm_pairing(const nlohmann::json& body) = 0;
  [[nodiscard]] virtual nlohmann::json disarm_pairing() = 0;
  [[nodiscard]] virtual nlohmann::json pending() = 0;
  [[nodiscard]] virtual Status approve(std::uint64_t id, std::string_view access) = 0;
  [[nodiscard]] virtual Status deny(std::uint64_t id) = 0;
  /// {"enabled": false} when GameStream is off.
  [[nodiscard]] virtual nlohmann::json gamestream() = 0;
  [[nodiscard]] virtual Status gamestream_pin(std::string_view pin) = 0;
  [[nodiscard]] virtual Result<nlohmann::json> clients() = 0;
  /// body: access, expires ("30m", "7d", "never").
  [[nodiscard]] virtual Result<nlohmann::json> update_client(std::string_view key, const nlohmann::json& body) = 0;
  [[nodiscard]] virtual Status unpair(std::string_view key) = 0;
  [[nodiscard]] virtual nlohmann::json gpus() = 0;
  [[nodiscard]] virtual Result<nlohmann::json> set_gpu_preference(std::string_view gpu) = 0;
  [[nodiscard]] virtual Result<nlohmann::json> apps() = 0;
  /// body: name, command, working_dir, env. create: POST (the id must be new).
  [[nodiscard]] virtual Result<nlohmann::json> put_app(std::string_view id, const nlohmann::json& body, bool create) = 0;
  [[nodiscard]] virtual Status remove_app(std::string_view id) = 0;
  [[nodiscard]] virtual nlohmann::json settings() = 0;
  /// {"KEY": "value" | null}: set or remove console settings.
  [[nodiscard]] virtual Result<nlohmann::json> patch_settings(const nlohmann::json& body) = 0;
  /// One stats sample (stats_recorder.hpp): per session, the last window.
  [[nodiscard]] virtual nlohmann::json stats_sample() = 0;
  virtual void metrics(PromWriter& out) = 0;
};

/// The API server's own counters, for /metrics.
struct ApiCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> status_2xx{0};
  std::atomic<std::uint64_t> status_4xx{0};
  std::atomic<std::uint64_t> status_5xx{0};
  std::atomic<std::uint64_t> unauthorized{0};      ///< 401 and 403
  std::atomic<std::uint64_t> refused_remote_admin{0};  ///< bearer tokens from non-loopback peers
};

struct ApiParts {
  HostControl* host = nullptr;
  LogBuffer* logs = nullptr;
  StatsRecorder* stats = nullptr;
  std::shared_ptr<EventBus> events;
  const ApiCounters* counters = nullptr;
  std::string version;
};

/// Every endpoint. Parts may be null when only the table is wanted
/// (`openapi`); the handlers are then never called.
[[nodiscard]] Router make_router(const ApiParts& parts);

}  // namespace pf::mgmt
