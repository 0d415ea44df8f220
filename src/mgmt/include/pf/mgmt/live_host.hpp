// HostControl over the running host: the native server (sessions,
// pairing), the display service, and the files in the config dir it owns
// (display-settings.json, apps.json, settings.json, clients.json).
#pragma once

#include <string>
#include <vector>

#include "pf/config/host_config.hpp"
#include "pf/core/event_sink.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/session/server.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::gshost {
class GameStreamHost;
}

namespace pf::mgmt {

struct LiveHostParts {
  session::NativeServer* server = nullptr;
  vdisplay::DisplayService* displays = nullptr;
  config::HostConfig config;
  vdisplay::Backend backend = vdisplay::Backend::unset;
  std::uint16_t mgmt_port = 0;
  /// client.updated / client.unpaired / display.settings_changed / settings.changed
  EventSink events;
  gshost::GameStreamHost* gamestream = nullptr;  ///< null: GameStream is off
};

class LiveHost final : public HostControl {
 public:
  explicit LiveHost(LiveHostParts parts);

  nlohmann::json host() override;
  nlohmann::json status() override;
  nlohmann::json sessions() override;
  Status end_session(std::uint64_t id) override;
  Status request_keyframe(std::uint64_t id) override;
  Status set_bitrate(std::uint64_t id, std::uint32_t kbps) override;
  nlohmann::json display_state() override;
  nlohmann::json display_settings() override;
  Result<nlohmann::json> put_display_settings(std::string_view document) override;
  Result<nlohmann::json> release_displays() override;
  nlohmann::json pairing() override;
  Result<nlohmann::json> arm_pairing(const nlohmann::json& body) override;
  nlohmann::json disarm_pairing() override;
  nlohmann::json pending() override;
  Status approve(std::uint64_t id, std::string_view access) override;
  Status deny(std::uint64_t id) override;
  nlohmann::json gamestream() override;
  Status gamestream_pin(std::string_view pin) override;
  Result<nlohmann::json> clients() override;
  Result<nlohmann::json> update_client(std::string_view key, const nlohmann::json& body) override;
  Status unpair(std::string_view key) override;
  nlohmann::json gpus() override;
  Result<nlohmann::json> set_gpu_preference(std::string_view gpu) override;
  Result<nlohmann::json> apps() override;
  Result<nlohmann::json> put_app(std::string_view id, const nlohmann::json& body, bool create) override;
  Status remove_app(std::string_view id) override;
  nlohmann::json settings() override;
  Result<nlohmann::json> patch_settings(const nlohmann::json& body) override;
  nlohmann::json stats_sample() override;
  void metrics(PromWriter& out) override;

 private:
  [[nodiscard]] Result<nlohmann::json> apply_display_settings(vdisplay::DisplaySettings settings)
      PF_REQUIRES(files_mutex_);
  void emit(std::string type, const nlohmann::json& data) const;

  LiveHostParts p_;
  std::vector<vdisplay::GpuInfo> gpus_;  // discovered once at start
  std::string nvenc_unavailable_;        // why, or empty
  Mutex files_mutex_;                    // read-modify-write of the config dir's files
  // For stats samples: the previous frame and byte counts per session.
  struct Previous {
    std::uint64_t id = 0;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t dropped = 0;
    TimePoint at{};
  };
  Mutex stats_mutex_;
  std::vector<Previous> previous_ PF_GUARDED_BY(stats_mutex_);
};

}  // namespace pf::mgmt
