// The host's configuration: its keys, where its files live, and loading.
//
// Config dir:  --config-dir / $PUNKTFUNK_CONFIG_DIR, else (user mode)
//              $XDG_CONFIG_HOME/punktfunk, else ~/.config/punktfunk;
//              (--system) /etc/punktfunk.
// State dir:   $PUNKTFUNK_STATE_DIR, else (user) $XDG_STATE_HOME/punktfunk,
//              else ~/.local/state/punktfunk; (--system) /var/lib/punktfunk.
// host.env in the config dir supplies PUNKTFUNK_* keys; the environment and
// the command line (--set KEY=VALUE) override it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pf/config/schema.hpp"
#include "pf/core/log.hpp"
#include "pf/core/result.hpp"

namespace pf::config {

enum class InstallMode : std::uint8_t { unset = 0, user = 1, system = 2 };

struct HostSettings {
  std::filesystem::path config_dir;
  std::filesystem::path state_dir;
  log::Spec log;
  std::string log_text;  ///< PUNKTFUNK_LOG as given (handed on to child processes)
  std::uint16_t native_port = 0;
  std::string render_gpu;  ///< PUNKTFUNK_RENDER_GPU: "", "cpu", or a GPU name/id substring
  std::string display_backend;  ///< PUNKTFUNK_DISPLAY_BACKEND: "" (saved setting), synthetic, xvfb, wlroots
  bool allow_tofu = false;      ///< PUNKTFUNK_ALLOW_TOFU
  bool mdns = true;             ///< PUNKTFUNK_MDNS
  bool gamestream = false;      ///< PUNKTFUNK_GAMESTREAM: Moonlight clients too (trusted networks only)
  std::uint16_t gamestream_port = 47989;  ///< PUNKTFUNK_GAMESTREAM_PORT: HTTP; the others at offsets
  std::string service_manager = "auto";  ///< PUNKTFUNK_SERVICE_MANAGER: auto, systemd or supervisor
  std::uint32_t max_sessions = 4;
  std::uint32_t bitrate_kbps = 20'000;
  bool audio = true;                     ///< PUNKTFUNK_AUDIO: stream sound when a client asks for it
  std::uint32_t audio_bitrate_kbps = 256;  ///< PUNKTFUNK_AUDIO_BITRATE_KBPS, for stereo
  std::uint16_t mgmt_port = 47990;
  std::string mgmt_bind = "0.0.0.0";  ///< paired clients read /host and /status from the LAN
  std::string mgmt_token;             ///< PUNKTFUNK_MGMT_TOKEN: overrides the mgmt-token file; never shown
  std::uint16_t web_port = 47992;     ///< the web console (web serve)
  std::string web_bind = "0.0.0.0";
};

struct HostConfigInput {
  InstallMode mode = InstallMode::user;
  /// The process environment, NAME=VALUE pairs; the caller passes environ.
  /// Only PUNKTFUNK_*, HOME, XDG_CONFIG_HOME and XDG_STATE_HOME are read.
  std::vector<std::pair<std::string, std::string>> environment;
  /// Command-line settings (--set, --config-dir), keys already normalised.
  std::vector<Setting> command_line;
  /// Instead of reading settings.json: these (the management API's
  /// validation of a change before it is written).
  std::optional<std::vector<Setting>> console_override;
};

struct HostConfig {
  InstallMode mode = InstallMode::unset;
  HostSettings settings;
  std::filesystem::path host_env;  ///< where host.env was looked for
  bool host_env_found = false;
  std::vector<Setting> console;  ///< settings.json's entries
  std::vector<Effective> effective;  ///< every key, in schema order
  std::vector<std::string> warnings;
};

/// settings.json in the config dir: the console's settings, a JSON object of
/// "PUNKTFUNK_KEY": "value" (strings only), between host.env and the
/// environment in precedence. Written by the management API (0600, atomic).
inline constexpr std::string_view kConsoleSettingsFile = "settings.json";
inline constexpr std::size_t kMaxConsoleSettingsBytes = 64 * 1024;

/// Parses settings.json's text: an object of strings, keys normalised.
/// Unknown or process-only keys are left to load() to warn about.
[[nodiscard]] Result<std::vector<Setting>> parse_console_settings(std::string_view json, std::string_view origin);
[[nodiscard]] std::string render_console_settings(const std::vector<Setting>& settings);

/// The host's keys, in the order they are documented.
[[nodiscard]] std::span<const Key<HostSettings>> host_keys();

[[nodiscard]] Result<HostConfig> load_host_config(const HostConfigInput& input);

/// "native_port" or "PUNKTFUNK_NATIVE_PORT" → "PUNKTFUNK_NATIVE_PORT".
[[nodiscard]] std::string normalize_key(std::string_view key);

/// The text of host.env.example: the file grammar, then every key with its
/// documentation, accepted values and default, commented out.
[[nodiscard]] std::string render_host_env_example();

}  // namespace pf::config
